"""The cluster's invariants, checked over SSH on any kind of host.

One VIP holder; one Redis master with every replica linked; every Sentinel naming that master,
seeing all the others and out of TILT mode; every app backend UP on every HAProxy.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from .model import Cluster, Node
from .probes import backend_states, holds_vip, redis_info, sentinel_tilted, sentinel_view

T = TypeVar("T")


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


def ask_each(
    pool: ThreadPoolExecutor, probe: Callable[[Node], T], nodes: list[Node]
) -> dict[str, T]:
    """The probe's answer of every host, asked all at once: each host costs its own timeout,
    not the sum of theirs."""
    return dict(zip([node.name for node in nodes], pool.map(probe, nodes), strict=True))


def check(cluster: Cluster) -> Health:
    health = Health()
    lbs, redis_nodes, apps = cluster.group("lbs"), cluster.group("redis"), cluster.group("apps")
    with ThreadPoolExecutor(max_workers=8) as pool:
        vip = ask_each(pool, lambda n: holds_vip(cluster, n), lbs)
        health.redis = ask_each(pool, lambda n: redis_info(cluster, n), redis_nodes)
        health.sentinels = ask_each(pool, lambda n: sentinel_view(cluster, n), redis_nodes)
        tilted = ask_each(pool, lambda n: sentinel_tilted(cluster, n), redis_nodes)
        health.backends = ask_each(pool, lambda n: backend_states(cluster, n), lbs)
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
    for name, tilt in tilted.items():
        if tilt:
            problems.append(
                f"{name}: Sentinel in TILT mode (stalled or its clock jumped; for 30 s it "
                "starts no failover)"
            )
    for lb, states in health.backends.items():
        for app in apps:
            state = states.get(app.name, "missing")
            if not state.startswith("UP"):
                problems.append(f"{lb}: backend {app.name} is {state}")
    return health
