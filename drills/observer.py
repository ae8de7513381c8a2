"""What the infrastructure did during a drill, seen by one probe loop per host and question.

Each host is asked on its own schedule, and each answer keeps its own time: a powered-off LB
costs its own probe the SSH timeout, not every other host's answers with it (a sampler that
waited for the slowest host showed no VIP holder for the 7 s of lb1's timeout, exactly while
lb2 took over). A probe that got no answer records None, which the report and the plot show
as "no answer", never as the previous state.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from cluster.model import Cluster
from cluster.probes import backend_states, holds_vip, redis_role

VIP, ROLE, BACKENDS = "vip", "role", "backends"


@dataclass(frozen=True)
class Observation:
    t: float  # drill time at which the probe was sent
    host: str
    kind: str  # VIP, ROLE or BACKENDS
    answer: object  # holds_vip's bool, redis_role's str, backend_states' dict; None: no answer


@dataclass(frozen=True)
class Probe:
    host: str
    kind: str
    ask: Callable[[], object]


def cluster_probes(cluster: Cluster) -> list[Probe]:
    probes = []
    for lb in cluster.group("lbs"):
        probes.append(Probe(lb.name, VIP, lambda lb=lb: holds_vip(cluster, lb)))
        # An empty table is no answer: every LB has the app servers in its backend.
        probes.append(Probe(lb.name, BACKENDS, lambda lb=lb: backend_states(cluster, lb) or None))
    for node in cluster.group("redis"):
        probes.append(Probe(node.name, ROLE, lambda node=node: redis_role(cluster, node)))
    return probes


def _loop(
    probe: Probe,
    every_s: float,
    now: Callable[[], float],
    stop: threading.Event,
    seen: list[Observation],
) -> None:
    while not stop.is_set():
        started = now()
        answer = probe.ask()
        # list.append is atomic under the GIL: the loops share one list.
        seen.append(Observation(round(started, 2), probe.host, probe.kind, answer))
        stop.wait(max(0.0, every_s - (now() - started)))


async def observe_until(
    probes: list[Probe], every_s: float, now: Callable[[], float], done: asyncio.Event
) -> list[Observation]:
    """Every answer of every probe until `done`, in the order of their times."""
    seen: list[Observation] = []
    stop = threading.Event()
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="observe") as pool:
        loops = [
            loop.run_in_executor(pool, _loop, probe, every_s, now, stop, seen) for probe in probes
        ]
        await done.wait()
        stop.set()
        await asyncio.gather(*loops)
    return sorted(seen, key=lambda o: o.t)
