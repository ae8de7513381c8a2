"""Host-level faults, with the primitive the cluster's kind of host has.

Power off and on: Podman on the local lab, `virsh` for Vagrant's libvirt VMs, and on any other
host (a real server is not ours to power off) a SIGKILL of the role's services. Network cuts
are iptables inside the hosts (drills/netcut.py), the same everywhere.
"""

from __future__ import annotations

import subprocess

from cluster.errors import LabError
from cluster.model import Cluster, Node
from lab import power

from . import netcut

# What "power off" stops where the host itself cannot be switched off.
ROLE_SERVICES = {
    "lbs": "keepalived haproxy",
    "apps": "datchat",
    "redis": "redis-server redis-sentinel",
}


def _virsh(*args: str) -> None:
    result = subprocess.run(
        ["virsh", "-c", "qemu:///system", *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise LabError(f"virsh {' '.join(args)}: {result.stderr.strip()}")


def _services(node: Node) -> str:
    return " ".join(ROLE_SERVICES[group] for group in node.groups if group in ROLE_SERVICES)


def _switch(cluster: Cluster, node: Node, *, on: bool) -> None:
    domain_prefix = node.data.get("vagrant_domain_prefix")
    if cluster.lab is not None:
        (power.start if on else power.kill)(cluster, node)
    elif domain_prefix is not None:
        _virsh("start" if on else "destroy", f"{domain_prefix}{node.name}")
    else:
        action = "start" if on else "kill --signal=KILL"
        cluster.run_checked(node, f"systemctl {action} {_services(node)}")


def power_off(cluster: Cluster, node: Node) -> None:
    """Pull the plug: no clean shutdown of anything on the host."""
    _switch(cluster, node, on=False)


def power_on(cluster: Cluster, node: Node) -> None:
    _switch(cluster, node, on=True)


def runner(cluster: Cluster) -> netcut.Runner:
    """Run a command on a host by name, raising LabError on failure (what netcut needs)."""
    return lambda name, command: cluster.run_checked(cluster.node(name), command)


def heal_all(cluster: Cluster) -> None:
    """Undo every fault on every host: power on and thaw (on a lab), then remove every cut."""
    hosts = power.restore(cluster) if cluster.lab is not None else cluster.nodes
    netcut.heal(runner(cluster), [node.name for node in hosts])
