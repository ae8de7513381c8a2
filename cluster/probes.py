"""One look at one host, over SSH: the VIP, Redis's role, Sentinel's view, HAProxy's backends.

Every probe is bounded by the cluster's probe timeout and says "no answer" (None or empty)
rather than guessing, so a silent host is never mistaken for one that answered no.
"""

from __future__ import annotations

import csv
import io
import subprocess

from deploy.defaults import HAPROXY_ADMIN_SOCKET, HAPROXY_BACKEND
from deploy.redis_users import admin_cli

from .model import Cluster, Node

# Python is on every host (pyinfra needs it); socat or nc may not be.
HAPROXY_STAT = (
    'python3 -c "import socket; s = socket.socket(socket.AF_UNIX); '
    f"s.connect('{HAPROXY_ADMIN_SOCKET}'); s.sendall(b'show stat\\n'); "
    'print(s.makefile().read())"'
)


def _fields(text: str, separator: str = ":") -> dict[str, str]:
    pairs = (line.split(separator, 1) for line in text.splitlines() if separator in line)
    return {key.strip(): value.strip() for key, value in pairs}


def _pairs(text: str) -> dict[str, str]:
    lines = text.splitlines()
    return dict(zip(lines[::2], lines[1::2], strict=False))


def redis_cli(
    cluster: Cluster, node: Node, command: str, sentinel: bool = False
) -> subprocess.CompletedProcess:
    """redis-cli on a redis host against its own redis-server (or Sentinel), as its admin user."""
    cli = (
        admin_cli("SENTINEL", node.address, node.data["sentinel_port"])
        if sentinel
        else admin_cli("REDIS", node.address, node.data["redis_port"])
    )
    return cluster.run(node, f"{cli} {command}", timeout=cluster.probe_timeout_s)


def redis_info(cluster: Cluster, node: Node) -> dict:
    """INFO replication as a dict; empty when redis-server gave no answer."""
    result = redis_cli(cluster, node, "info replication")
    return _fields(result.stdout) if result.returncode == 0 else {}


def redis_role(cluster: Cluster, node: Node) -> str | None:
    """ "master" or "slave"; None when the host gave no answer (down, frozen or too slow)."""
    return redis_info(cluster, node).get("role")


def sentinel_view(cluster: Cluster, node: Node) -> dict:
    """What the host's Sentinel says of the master; empty when it gave no answer."""
    master_name = node.data["sentinel_master_name"]
    result = redis_cli(cluster, node, f"sentinel master {master_name}", sentinel=True)
    return _pairs(result.stdout) if result.returncode == 0 else {}


def sentinel_tilted(cluster: Cluster, node: Node) -> bool:
    """Whether the host's Sentinel is in TILT mode: its clock jumped or it was stalled over 2 s,
    and it acts on nothing for 30 s (no failover). False when it gave no answer (sentinel_view
    tells that)."""
    result = redis_cli(cluster, node, "info sentinel", sentinel=True)
    return result.returncode == 0 and _fields(result.stdout).get("sentinel_tilt") == "1"


def holds_vip(cluster: Cluster, node: Node) -> bool | None:
    """Whether the host holds the VIP; None when it could not be asked (powered off, or too
    slow to answer): falsy, like not holding it, but a drill's timeline tells the two apart."""
    result = cluster.run(node, "ip -o -4 addr show", timeout=cluster.probe_timeout_s)
    if result.returncode != 0:
        return None
    return f" {cluster.vip}/" in result.stdout


def backend_states(cluster: Cluster, node: Node) -> dict[str, str]:
    """Each app server's state (UP, DOWN, MAINT, ...) as this LB's HAProxy sees it."""
    result = cluster.run(node, HAPROXY_STAT, timeout=cluster.probe_timeout_s)
    rows = csv.DictReader(io.StringIO(result.stdout.lstrip("# ")))
    return {
        row["svname"]: row["status"]
        for row in rows
        if row.get("pxname") == HAPROXY_BACKEND and row.get("svname") not in ("FRONTEND", "BACKEND")
    }
