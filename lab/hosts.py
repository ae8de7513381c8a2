"""Bringing the lab's hosts up and down: one container booting systemd per inventory host."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import ssh
from .errors import LabError
from .image import build_image
from .inventory import LabHost, LabSpec
from .podman import LABEL, environment, exists, podman, podman_json
from .preflight import preflight

Progress = Callable[[str], None]
BOOT_TIMEOUT_S = 90


@dataclass(frozen=True)
class ContainerState:
    host: str
    status: str  # running, paused, exited, ... or "absent"
    address: str | None
    image: str | None
    authorized_key: str | None  # the public key file mounted as root's authorized_keys


def container_states(spec: LabSpec) -> dict[str, ContainerState]:
    """The lab's containers by host name, from Podman's view of them."""
    found = {}
    listing = podman_json("ps", "-a", "--format", "json", "--filter", f"label={LABEL}={spec.name}")
    for entry in listing:
        host = (entry.get("Labels") or {}).get(f"{LABEL}.host")
        if host is None:
            continue
        details = podman_json("inspect", entry["Id"])[0]
        networks = details["NetworkSettings"].get("Networks") or {}
        address = (networks.get(spec.network_name) or {}).get("IPAddress")
        status = details["State"]["Status"]
        key = next(
            (
                m["Source"]
                for m in details.get("Mounts") or []
                if m["Destination"].endswith("authorized_keys")
            ),
            None,
        )
        found[host] = ContainerState(host, status, address, details.get("ImageName"), key)
    return found


def ensure_network(spec: LabSpec, progress: Progress) -> None:
    if exists("network", spec.network_name):
        details = podman_json("network", "inspect", spec.network_name)[0]
        subnets = [s["subnet"] for s in details.get("subnets") or []]
        if subnets == [str(spec.subnet)]:
            return
        progress(f"network: {spec.network_name} has subnet {subnets}, recreating")
        remove_containers(spec, progress)
        podman("network", "rm", "-f", spec.network_name)
    podman(
        "network", "create",
        "--subnet", str(spec.subnet),
        "--gateway", spec.gateway,
        "--label", f"{LABEL}={spec.name}",
        spec.network_name,
    )  # fmt: skip
    progress(f"network: {spec.network_name} {spec.subnet} created")


def create_host(spec: LabSpec, host: LabHost, image: str) -> None:
    sysctls = [arg for key, value in host.sysctls.items() for arg in ("--sysctl", f"{key}={value}")]
    podman(
        "run", "--detach",
        "--name", spec.container(host),
        "--hostname", host.name,
        "--network", spec.network_name,
        "--ip", host.address,
        "--systemd=always",
        # keepalived sends VRRP adverts and moves the VIP; the fault primitives use iptables.
        "--cap-add", "NET_ADMIN,NET_BROADCAST,NET_RAW",
        *sysctls,
        "--label", f"{LABEL}={spec.name}",
        "--label", f"{LABEL}.host={host.name}",
        "--mount", f"type=bind,src={spec.ssh_key}.pub,dst=/root/.ssh/authorized_keys,ro",
        image,
    )  # fmt: skip
    ssh.forget_host_key(spec, host)


def wait_booted(spec: LabSpec, host: LabHost) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT_S
    while True:
        result = podman("exec", spec.container(host), "systemctl", "is-system-running", check=False)
        state = result.stdout.strip()
        if state in ("running", "degraded"):
            break
        if time.monotonic() > deadline:
            raise LabError(f"{host.name}: systemd is {state or 'not answering'} after boot")
        time.sleep(0.3)
    ssh.wait_for_ssh(spec, host)


def up(spec: LabSpec, progress: Progress = print) -> None:
    """Create what is missing, replace what is stale, keep what is running as specified."""
    preflight(spec)
    started = time.monotonic()
    ssh.ensure_key(spec)
    image = build_image(progress)
    ensure_network(spec, progress)
    states = container_states(spec)
    for stale in set(states) - {host.name for host in spec.hosts}:
        progress(f"{stale}: no longer in the inventory, removing")
        podman("rm", "--force", "--time", "2", spec.container(stale))
    created = []
    for host in spec.hosts:
        state = states.get(host.name)
        # A container made from another checkout trusts that checkout's key, not ours.
        wanted = ("running", host.address, image, f"{spec.ssh_key}.pub")
        if (
            state is not None
            and (
                state.status,
                state.address,
                state.image,
                state.authorized_key,
            )
            == wanted
        ):
            progress(f"{host.name}: running at {host.address}")
            continue
        if state is not None:
            progress(f"{host.name}: replacing stale container ({state.status})")
            podman("rm", "--force", "--time", "2", spec.container(host))
        create_host(spec, host, image)
        created.append(host)
        progress(f"{host.name}: created at {host.address}, booting")
    for host in created:
        wait_booted(spec, host)
        progress(f"{host.name}: systemd running, SSH ready")
    progress(f"lab {spec.name}: {len(spec.hosts)} hosts up in {time.monotonic() - started:.0f} s")


def remove_containers(spec: LabSpec, progress: Progress) -> None:
    for host in container_states(spec):
        podman("rm", "--force", "--time", "2", spec.container(host))
        progress(f"{host}: removed")


def down(spec: LabSpec, progress: Progress = print) -> None:
    """Remove every container, the network and the state folder of this lab, nothing else."""
    remove_containers(spec, progress)
    if exists("network", spec.network_name):
        details = podman_json("network", "inspect", spec.network_name)[0]
        if (details.get("labels") or {}).get(LABEL) == spec.name:
            podman("network", "rm", "--force", spec.network_name)
            progress(f"network: {spec.network_name} removed")
    if spec.state_dir.exists():
        shutil.rmtree(spec.state_dir)
        progress(f"state: {spec.state_dir} removed")


def exec_in(spec: LabSpec, host: LabHost, command: list[str]) -> int:
    """Run a command in a host through Podman (works even when SSH does not)."""
    interactive = "-it" if sys.stdin.isatty() and sys.stdout.isatty() else "-i"
    return subprocess.run(
        ["podman", "exec", interactive, spec.container(host), *command],
        env=environment(),
        check=False,
    ).returncode
