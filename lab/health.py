"""The cluster's invariants, checked over SSH on any kind of host.

One VIP holder; one Redis master with every replica linked; every Sentinel naming that master
and seeing all the others; every app backend UP on every HAProxy.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .cluster import Cluster, Node

CREDENTIALS = "/etc/redis/datchat-credentials"
HAPROXY_STAT = (
    'python3 -c "import socket; s = socket.socket(socket.AF_UNIX); '
    "s.connect('/run/haproxy/admin.sock'); s.sendall(b'show stat\\n'); "
    'print(s.makefile().read())"'
)


def _fields(text: str, separator: str = ":") -> dict[str, str]:
    pairs = (line.split(separator, 1) for line in text.splitlines() if separator in line)
    return {key.strip(): value.strip() for key, value in pairs}


def _pairs(text: str) -> dict[str, str]:
    lines = text.splitlines()
    return dict(zip(lines[::2], lines[1::2], strict=False))


@dataclass
class Health:
    vip_holders: list[str] = field(default_factory=list)
    redis: dict[str, dict] = field(default_factory=dict)
    sentinels: dict[str, dict] = field(default_factory=dict)
    backends: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def masters(self) -> list[str]:
        return [name for name, info in self.redis.items() if info.get("role") == "master"]


def redis_cli(cluster: Cluster, node: Node, command: str, sentinel: bool = False):
    """redis-cli on a redis host against its own redis-server (or Sentinel), authenticated
    from the host's credentials file so no password crosses a command line."""
    password, port = (
        ("SENTINEL_PASSWORD", cluster.sentinel_port)
        if sentinel
        else ("REDIS_PASSWORD", cluster.redis_port)
    )
    return cluster.run(
        node,
        f". {CREDENTIALS} && REDISCLI_AUTH=${password} redis-cli --no-auth-warning "
        f"-h {node.address} -p {port} {command}",
        timeout=cluster.probe_timeout_s,
    )


def redis_info(cluster: Cluster, node: Node) -> dict:
    result = redis_cli(cluster, node, "info replication")
    return _fields(result.stdout) if result.returncode == 0 else {}


def redis_role(cluster: Cluster, node: Node) -> str | None:
    """ "master" or "slave"; None when the host gave no answer (down, frozen or too slow)."""
    return redis_info(cluster, node).get("role")


def sentinel_view(cluster: Cluster, node: Node) -> dict:
    result = redis_cli(cluster, node, f"sentinel master {cluster.master_name}", sentinel=True)
    return _pairs(result.stdout) if result.returncode == 0 else {}


def holds_vip(cluster: Cluster, node: Node) -> bool | None:
    """Whether the host holds the VIP; None when it could not be asked (powered off, or too
    slow to answer): falsy, like not holding it, but a drill's timeline tells the two apart."""
    result = cluster.run(node, "ip -o -4 addr show", timeout=cluster.probe_timeout_s)
    if result.returncode != 0:
        return None
    return f" {cluster.vip}/" in result.stdout


def backend_states(cluster: Cluster, node: Node) -> dict[str, str]:
    result = cluster.run(node, HAPROXY_STAT, timeout=cluster.probe_timeout_s)
    rows = csv.DictReader(io.StringIO(result.stdout.lstrip("# ")))
    return {
        row["svname"]: row["status"]
        for row in rows
        if row.get("pxname") == "apps" and row.get("svname") not in ("FRONTEND", "BACKEND")
    }


def check(cluster: Cluster) -> Health:
    health = Health()
    lbs, redis_nodes, apps = cluster.group("lbs"), cluster.group("redis"), cluster.group("apps")
    with ThreadPoolExecutor(max_workers=8) as pool:
        vip = dict(
            zip([n.name for n in lbs], pool.map(lambda n: holds_vip(cluster, n), lbs), strict=True)
        )
        health.redis = dict(
            zip(
                [n.name for n in redis_nodes],
                pool.map(lambda n: redis_info(cluster, n), redis_nodes),
                strict=True,
            )
        )
        health.sentinels = dict(
            zip(
                [n.name for n in redis_nodes],
                pool.map(lambda n: sentinel_view(cluster, n), redis_nodes),
                strict=True,
            )
        )
        health.backends = dict(
            zip(
                [n.name for n in lbs],
                pool.map(lambda n: backend_states(cluster, n), lbs),
                strict=True,
            )
        )
    health.vip_holders = [name for name, held in vip.items() if held]
    problems = health.problems
    # A cluster of one component (Molecule's scenarios) has no VIP or no Redis to check.
    if lbs and len(health.vip_holders) != 1:
        problems.append(
            f"VIP {cluster.vip} held by {health.vip_holders or 'no LB'} (want exactly one)"
        )
    for name, info in health.redis.items():
        if not info:
            problems.append(f"{name}: redis-server does not answer")
    masters = health.masters
    if redis_nodes and len(masters) != 1:
        problems.append(f"Redis masters: {masters or 'none'} (want exactly one)")
    elif redis_nodes:
        master = cluster.node(masters[0])
        for name, info in health.redis.items():
            if name == master.name or not info:
                continue
            if info.get("role") != "slave" or info.get("master_host") != master.address:
                problems.append(f"{name}: not a replica of {master.name}")
            elif info.get("master_link_status") != "up":
                problems.append(f"{name}: replication link to {master.name} is down")
        others = len(redis_nodes) - 1
        for name, view in health.sentinels.items():
            if not view:
                problems.append(f"{name}: Sentinel does not answer")
            elif view.get("ip") != master.address:
                problems.append(
                    f"{name}: Sentinel names {view.get('ip')} as master, not {master.name}"
                )
            elif int(view.get("num-other-sentinels", 0)) != others:
                problems.append(
                    f"{name}: Sentinel sees {view.get('num-other-sentinels')} other "
                    f"Sentinels, want {others}"
                )
            elif int(view.get("num-slaves", 0)) != others:
                problems.append(
                    f"{name}: Sentinel sees {view.get('num-slaves')} replicas, want {others}"
                )
    for lb, states in health.backends.items():
        for app in apps:
            state = states.get(app.name, "missing")
            if not state.startswith("UP"):
                problems.append(f"{lb}: backend {app.name} is {state}")
    return health
