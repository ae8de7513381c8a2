"""One drill from start to verdict: healthy check, load, fault, heal, convergence, report."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import aiohttp

from .cluster import Cluster
from .drill_load import Recorder, run_load
from .drill_report import build_report
from .drills import CATALOG, DrillContext
from .errors import LabError
from .health import backend_states, check, holds_vip, redis_info

AFTER_CONVERGED_S = 3


@dataclass
class Sample:
    t: float
    vip_holders: list[str]
    masters: list[str]
    backends: dict[str, dict[str, str]] = field(default_factory=dict)


def sample(cluster: Cluster, t: float, pool: ThreadPoolExecutor) -> Sample:
    lbs, redis_nodes = cluster.group("lbs"), cluster.group("redis")
    vip = list(pool.map(lambda n: holds_vip(cluster, n), lbs))
    roles = list(pool.map(lambda n: redis_info(cluster, n).get("role"), redis_nodes))
    backends = list(pool.map(lambda n: backend_states(cluster, n), lbs))
    return Sample(
        t,
        [n.name for n, held in zip(lbs, vip, strict=True) if held],
        [n.name for n, role in zip(redis_nodes, roles, strict=True) if role == "master"],
        {n.name: states for n, states in zip(lbs, backends, strict=True)},
    )


async def sample_until(cluster: Cluster, recorder: Recorder, done: asyncio.Event) -> list[Sample]:
    samples: list[Sample] = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        while not done.is_set():
            t = recorder.now()
            samples.append(await asyncio.to_thread(sample, cluster, t, pool))
            await asyncio.sleep(max(0.0, cluster.probe_every_s - (recorder.now() - t)))
    return samples


async def final_history(url: str, rooms: list[str]) -> dict[str, list[str]]:
    """Every id each room's stream holds at the end, read through the VIP."""
    histories: dict[str, list[str]] = {}
    async with aiohttp.ClientSession() as session:
        for room in rooms:
            ids: list[str] = []
            since = "0-0"
            while True:
                params = {"since": since, "limit": "1000"}
                async with session.get(f"{url}/api/rooms/{room}/history", params=params) as reply:
                    reply.raise_for_status()
                    page = await reply.json()
                ids += [message["id"] for message in page]
                if len(page) < 1000:
                    break
                since = page[-1]["id"]
            histories[room] = ids
    return histories


async def run_drill(
    name: str,
    cluster: Cluster,
    clients: int = 20,
    rate: float = 5,
    rooms: int = 4,
    duration: float = 30,
    progress: Callable[[str], None] = print,
) -> dict:
    if name not in CATALOG:
        raise LabError(f"no drill {name!r}; drills: {', '.join(CATALOG)}")
    drill = CATALOG[name]
    health = await asyncio.to_thread(check, cluster)
    if not health.ok:
        raise LabError("cluster is not healthy, not drilling:\n  " + "\n  ".join(health.problems))
    ctx = DrillContext(cluster)
    url = f"http://{cluster.vip}"
    recorder = Recorder()
    stop_load, stop_sampling = asyncio.Event(), asyncio.Event()
    sampler = asyncio.create_task(sample_until(cluster, recorder, stop_sampling))
    load = asyncio.create_task(run_load(url, clients, rooms, rate, recorder, stop_load))
    steady = min(5.0, duration / 4)
    progress(
        f"{name}: {clients} clients in {rooms} rooms at {rate:g} msg/s each; steady {steady:.0f} s"
    )
    await asyncio.sleep(steady)

    marks = {"fault": recorder.now()}
    progress(f"{name}: fault at {marks['fault']:.1f} s: {drill.breaks}")
    await asyncio.to_thread(drill.inject, ctx)
    marks["fault_done"] = recorder.now()
    await asyncio.sleep(drill.hold_s)
    marks["heal"] = recorder.now()
    progress(f"{name}: heal at {marks['heal']:.1f} s")
    await asyncio.to_thread(drill.heal, ctx)

    deadline = time.monotonic() + cluster.converge_timeout_s
    while not (health := await asyncio.to_thread(check, cluster)).ok:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(cluster.probe_every_s)
    marks["converged"] = recorder.now() if health.ok else None
    progress(
        f"{name}: converged at {marks['converged']:.1f} s"
        if health.ok
        else f"{name}: NOT converged after {cluster.converge_timeout_s:g} s: {health.problems}"
    )
    await asyncio.sleep(max(AFTER_CONVERGED_S, duration - recorder.now()))
    marks["stop"] = recorder.now()
    stop_wall_ms = int(time.time() * 1000)
    stop_load.set()
    load_clients = await load
    stop_sampling.set()
    samples = await sampler
    rooms_used = sorted({client.room for client in load_clients})
    histories = await final_history(url, rooms_used)
    return build_report(
        drill=drill,
        settings={"clients": clients, "rate": rate, "rooms": rooms, "duration": duration},
        recorder=recorder,
        load_clients=load_clients,
        histories=histories,
        samples=samples,
        marks=marks,
        healthy_at_end=health.ok,
        problems_at_end=health.problems,
        stop_wall_ms=stop_wall_ms,
    )
