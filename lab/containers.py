"""Bringing the lab's hosts up and down: one container booting systemd per inventory host."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from cluster import ssh
from cluster.errors import LabError
from cluster.lab_site import LabSite
from cluster.model import Cluster, Node

from . import keys, network
from .image import build_image
from .podman import LABEL, environment, podman, podman_json
from .preflight import preflight

Progress = Callable[[str], None]
BOOT_TIMEOUT_S = 90


def site(cluster: Cluster) -> LabSite:
    """The cluster's lab fields; LabError when the inventory is not a Podman lab."""
    if cluster.lab is None:
        raise LabError(f"{cluster.inventory} is not a Podman lab inventory (it has no lab_name)")
    return cluster.lab


@dataclass(frozen=True)
class ContainerState:
    host: str
    status: str  # running, paused, exited, ... or "absent"
    address: str | None
    image: str | None
    authorized_key: str | None  # the public key file mounted as root's authorized_keys


def container_states(cluster: Cluster) -> dict[str, ContainerState]:
    """The lab's containers by host name, from Podman's view of them."""
    lab = site(cluster)
    found = {}
    listing = podman_json("ps", "-a", "--format", "json", "--filter", f"label={LABEL}={lab.name}")
    for entry in listing:
        host = (entry.get("Labels") or {}).get(f"{LABEL}.host")
        if host is None:
            continue
        details = podman_json("inspect", entry["Id"])[0]
        networks = details["NetworkSettings"].get("Networks") or {}
        address = (networks.get(lab.network_name) or {}).get("IPAddress")
        key = next(
            (
                m["Source"]
                for m in details.get("Mounts") or []
                if m["Destination"].endswith("authorized_keys")
            ),
            None,
        )
        found[host] = ContainerState(
            host, details["State"]["Status"], address, details.get("ImageName"), key
        )
    return found


def create_host(cluster: Cluster, node: Node, image: str) -> None:
    lab = site(cluster)
    sysctls = [
        arg
        for key, value in (node.data.get("host_sysctls") or {}).items()
        for arg in ("--sysctl", f"{key}={value}")
    ]
    podman(
        "run", "--detach",
        "--name", lab.container(node.name),
        "--hostname", node.name,
        "--network", lab.network_name,
        "--ip", node.address,
        "--systemd=always",
        # keepalived sends VRRP adverts and moves the VIP; the fault primitives use iptables.
        "--cap-add", "NET_ADMIN,NET_BROADCAST,NET_RAW",
        *sysctls,
        "--label", f"{LABEL}={lab.name}",
        "--label", f"{LABEL}.host={node.name}",
        "--mount", f"type=bind,src={lab.ssh_key}.pub,dst=/root/.ssh/authorized_keys,ro",
        image,
    )  # fmt: skip
    keys.forget_host_key(lab, node.address)
    ssh.close_shared_connection(cluster.ssh_config, node.name)


def wait_booted(cluster: Cluster, node: Node) -> None:
    container = site(cluster).container(node.name)
    deadline = time.monotonic() + BOOT_TIMEOUT_S
    while True:
        result = podman("exec", container, "systemctl", "is-system-running", check=False)
        state = result.stdout.strip()
        if state in ("running", "degraded"):
            break
        if time.monotonic() > deadline:
            raise LabError(f"{node.name}: systemd is {state or 'not answering'} after boot")
        time.sleep(0.3)
    ssh.wait_for_ssh(cluster.ssh_config, node.name, sudo=node.sudo)


def up(cluster: Cluster, progress: Progress = print) -> None:
    """Create what is missing, replace what is stale, keep what is running as specified."""
    lab = site(cluster)
    preflight(lab)
    started = time.monotonic()
    keys.ensure_key(lab)
    image = build_image(progress)
    matches = network.subnet_matches(lab)
    if matches is False:
        progress(f"network: {lab.network_name} has another subnet, recreating")
        remove_containers(cluster, progress)
        network.remove(lab, progress)
    if not matches:
        network.create(lab, progress)
    states = container_states(cluster)
    for stale in set(states) - {node.name for node in cluster.nodes}:
        progress(f"{stale}: no longer in the inventory, removing")
        podman("rm", "--force", "--time", "2", lab.container(stale))
    created = []
    for node in cluster.nodes:
        state = states.get(node.name)
        # A container made from another checkout trusts that checkout's key, not ours.
        wanted = ("running", node.address, image, f"{lab.ssh_key}.pub")
        if state is not None and (
            (state.status, state.address, state.image, state.authorized_key) == wanted
        ):
            progress(f"{node.name}: running at {node.address}")
            continue
        if state is not None:
            progress(f"{node.name}: replacing stale container ({state.status})")
            podman("rm", "--force", "--time", "2", lab.container(node.name))
        create_host(cluster, node, image)
        created.append(node)
        progress(f"{node.name}: created at {node.address}, booting")
    for node in created:
        wait_booted(cluster, node)
        progress(f"{node.name}: systemd running, SSH ready")
    progress(f"lab {lab.name}: {len(cluster.nodes)} hosts up in {time.monotonic() - started:.0f} s")


def remove_containers(cluster: Cluster, progress: Progress) -> None:
    lab = site(cluster)
    for host in container_states(cluster):
        podman("rm", "--force", "--time", "2", lab.container(host))
        progress(f"{host}: removed")


def down(cluster: Cluster, progress: Progress = print) -> None:
    """Remove every container, the network and the state folder of this lab, nothing else."""
    lab = site(cluster)
    remove_containers(cluster, progress)
    network.remove(lab, progress)
    if lab.state_dir.exists():
        shutil.rmtree(lab.state_dir)
        progress(f"state: {lab.state_dir} removed")


def exec_in(cluster: Cluster, node: Node, command: list[str]) -> int:
    """Run a command in a host through Podman (works even when SSH does not)."""
    interactive = "-it" if sys.stdin.isatty() and sys.stdout.isatty() else "-i"
    return subprocess.run(
        ["podman", "exec", interactive, site(cluster).container(node.name), *command],
        env=environment(),
        check=False,
    ).returncode
