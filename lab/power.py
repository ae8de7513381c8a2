"""A lab host's power switch: Podman kills, starts, freezes and thaws its container.

What drills call "power off" on the Podman lab, and what `heal` undoes.
"""

from __future__ import annotations

from cluster import ssh
from cluster.model import Cluster, Node

from .containers import container_states, site
from .podman import podman


def kill(cluster: Cluster, node: Node) -> None:
    """Power off: SIGKILL the whole host, no clean shutdown of anything in it."""
    podman("kill", "--signal", "KILL", site(cluster).container(node.name))


def start(cluster: Cluster, node: Node) -> None:
    """Power on, and wait until SSH answers."""
    podman("start", site(cluster).container(node.name))
    ssh.close_shared_connection(cluster.ssh_config, node.name)
    ssh.wait_for_ssh(cluster.ssh_config, node.name, sudo=node.sudo)


def pause(cluster: Cluster, node: Node) -> None:
    """Freeze every process of the host (cgroup freezer): alive but silent."""
    podman("pause", site(cluster).container(node.name))


def unpause(cluster: Cluster, node: Node) -> None:
    podman("unpause", site(cluster).container(node.name))


def restore(cluster: Cluster) -> list[Node]:
    """Every host of the lab that has a container powered on and thawed, whatever was done
    to it; returns those hosts (the others were never made, or are removed)."""
    states = container_states(cluster)
    present = [node for node in cluster.nodes if node.name in states]
    for node in present:
        if states[node.name].status == "paused":
            unpause(cluster, node)
        elif states[node.name].status in ("exited", "stopped", "created"):
            start(cluster, node)
    return present
