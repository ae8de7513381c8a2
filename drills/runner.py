"""One drill from start to verdict: healthy check, load, fault, heal, convergence, report."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from cluster.errors import LabError
from cluster.health import check
from cluster.model import Cluster

from .catalog import CATALOG, DrillContext
from .load import DrillClient, Recorder, make_clients, run_load
from .observer import Observation, cluster_probes, observe_until
from .report import build_report, check_goals

AFTER_CONVERGED_S = 3
# Resends still on their way once every message is acked (or that wait gave up) land
# (or fail) within this, before the rooms' histories are read.
SETTLE_S = 2
CONVERGE_PROGRESS_EVERY_S = 30
# How long a drill waits for a whole cluster before it starts (a Sentinel's TILT lasts 30 s).
WHOLE_BEFORE_DRILL_S = 60
HISTORY_PAGE = 1000
HISTORY_ATTEMPTS = 3


async def room_history(session: aiohttp.ClientSession, url: str, room: str) -> list[str]:
    ids: list[str] = []
    since = "0-0"
    while True:
        params = {"since": since, "limit": str(HISTORY_PAGE)}
        async with session.get(f"{url}/api/rooms/{room}/history", params=params) as reply:
            reply.raise_for_status()
            page = await reply.json()
        ids += [message["id"] for message in page]
        if len(page) < HISTORY_PAGE:
            return ids
        since = page[-1]["id"]


async def final_history(
    cluster: Cluster, rooms: list[str], progress: Callable[[str], None]
) -> dict[str, list[str]]:
    """Every id each room's stream holds now, read through the VIP. A read with no
    answer within the probe timeout is tried again on a new connection: one made just before
    the VIP moved can go on sending to the LB that gave it up."""
    url = f"http://{cluster.vip}"
    timeout = aiohttp.ClientTimeout(total=cluster.probe_timeout_s)
    attempt = 1
    while True:
        try:
            async with aiohttp.ClientSession(
                timeout=timeout, connector=aiohttp.TCPConnector(force_close=True)
            ) as session:
                return {room: await room_history(session, url, room) for room in rooms}
        except (aiohttp.ClientError, TimeoutError) as error:
            failure = (
                f"no answer within {cluster.probe_timeout_s:g} s"
                if isinstance(error, TimeoutError)
                else str(error)
            )
            health = await asyncio.to_thread(check, cluster)
            said = (
                f"history read through the VIP failed ({failure}), attempt {attempt} of "
                f"{HISTORY_ATTEMPTS}; VIP held by {health.vip_holders}; host's neighbour entry: "
                f"{neighbour_entry(cluster.vip)}; problems: {'; '.join(health.problems) or 'none'}"
            )
            if attempt == HISTORY_ATTEMPTS:
                raise LabError(said) from error
            progress(said)
            attempt += 1


def neighbour_entry(address: str) -> str:
    """How this machine reaches the address on the link (which LB's MAC), for the record."""
    try:
        shown = subprocess.run(
            ["ip", "neigh", "show", address], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unknown ({error})"
    return shown.stdout.strip() or "none"


async def wait_converged(
    name: str, cluster: Cluster, recorder: Recorder, progress: Callable[[str], None]
) -> tuple[float | None, list[str]]:
    """When (drill time) the cluster was whole again, or None and what was still wrong when
    its timeout ran out. Says what it waits for now and then: under emulation this takes
    minutes."""
    started = told = time.monotonic()
    while not (health := await asyncio.to_thread(check, cluster)).ok:
        waited = time.monotonic() - started
        if waited > cluster.converge_timeout_s:
            progress(f"{name}: NOT converged after {waited:.0f} s: " + "; ".join(health.problems))
            return None, health.problems
        if time.monotonic() - told >= CONVERGE_PROGRESS_EVERY_S:
            told = time.monotonic()
            progress(f"{name}: waiting {waited:.0f} s for: " + "; ".join(health.problems))
        await asyncio.sleep(cluster.probe_every_s)
    converged = recorder.now()
    progress(f"{name}: converged at {converged:.1f} s")
    return converged, []


async def when_true(
    condition: Callable[[], bool], within_s: float, recorder: Recorder
) -> float | None:
    """When (drill time) the condition held, or None if it did not within `within_s`."""
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.2)
    return recorder.now()


async def wait_for_whole_cluster(name: str, cluster: Cluster, progress: Callable[[str], None]):
    """A drill measures a failure of a whole cluster. The one before may have left it
    healing, and all three Sentinels once entered TILT together as a drill began (a stall of
    the machine): for 30 s they would start no failover, whatever the drill broke."""
    health = await asyncio.to_thread(check, cluster)
    waiting_since = time.monotonic()
    told: list[str] = []
    while not health.ok and time.monotonic() - waiting_since < WHOLE_BEFORE_DRILL_S:
        if health.problems != told:
            told = health.problems
            progress(f"{name}: waiting for a whole cluster first: " + "; ".join(told))
        await asyncio.sleep(cluster.probe_every_s)
        health = await asyncio.to_thread(check, cluster)
    if not health.ok:
        raise LabError("cluster is not healthy, not drilling:\n  " + "\n  ".join(health.problems))


@dataclass
class Run:
    """The load and the observer of one drill or chaos run, from its start to its end."""

    cluster: Cluster
    recorder: Recorder
    load_clients: list[DrillClient]
    load: asyncio.Task
    observer: asyncio.Task
    stop_saying: asyncio.Event
    stop_load: asyncio.Event
    stop_observing: asyncio.Event


def start_run(cluster: Cluster, clients: int, rate: float, rooms: int) -> Run:
    recorder = Recorder()
    stop_saying, stop_load, stop_observing = asyncio.Event(), asyncio.Event(), asyncio.Event()
    observer = asyncio.create_task(
        observe_until(cluster_probes(cluster), cluster.probe_every_s, recorder.now, stop_observing)
    )
    load_clients = make_clients(f"http://{cluster.vip}", clients, rooms, rate, recorder)
    load = asyncio.create_task(
        run_load(load_clients, stop_saying, stop_load, cluster.probe_timeout_s)
    )
    return Run(
        cluster, recorder, load_clients, load, observer, stop_saying, stop_load, stop_observing
    )


@dataclass
class Ending:
    due: dict[str, list[str]]
    histories: dict[str, list[str]]
    observations: list[Observation]
    problems: list[str]


async def end_run(
    name: str, run: Run, marks: dict, duration: float, progress: Callable[[str], None]
) -> Ending:
    """After the last heal: until the cluster is whole, the rest of the duration, then the
    load stopped in two steps (no new messages; every pending one acked and every stored one
    received) and the rooms' histories read."""
    cluster, recorder, load_clients = run.cluster, run.recorder, run.load_clients
    marks["converged"], problems = await wait_converged(name, cluster, recorder, progress)
    await asyncio.sleep(max(AFTER_CONVERGED_S, duration - recorder.now()))

    marks["stop"] = recorder.now()
    run.stop_saying.set()
    # A client reconnecting at the end still has unacked messages to resend, and a client
    # that is behind still has stored messages to receive; each gets the catch-up timeout.
    marks["all_acked"] = await when_true(
        lambda: not any(client.pending for client in load_clients),
        cluster.catch_up_timeout_s,
        recorder,
    )
    await asyncio.sleep(SETTLE_S)
    rooms_used = sorted({client.room for client in load_clients})
    due = await final_history(cluster, rooms_used, progress)
    marks["caught_up"] = await when_true(
        lambda: not any(client.missing(due[client.room]) for client in load_clients),
        cluster.catch_up_timeout_s,
        recorder,
    )
    progress(
        f"{name}: load stopped at {marks['stop']:.1f} s; every message acked at "
        f"{_or_never(marks['all_acked'])}; every client had every stored message at "
        f"{_or_never(marks['caught_up'])}"
    )
    run.stop_load.set()
    await run.load
    run.stop_observing.set()
    observations = await run.observer
    histories = await final_history(cluster, rooms_used, progress)
    return Ending(due, histories, observations, problems)


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
    goals = cluster.drill_goals.get(name, {})
    try:
        check_goals(name, goals)
    except ValueError as error:
        raise LabError(f"{cluster.inventory}: {error}") from None
    await wait_for_whole_cluster(name, cluster, progress)
    ctx = DrillContext(cluster)
    run = start_run(cluster, clients, rate, rooms)
    recorder = run.recorder
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

    ending = await end_run(name, run, marks, duration, progress)
    return build_report(
        drill=drill,
        goals=goals,
        goal_slack=cluster.drill_goal_slack,
        settings={"clients": clients, "rate": rate, "rooms": rooms, "duration": duration},
        recorder=recorder,
        load_clients=run.load_clients,
        due=ending.due,
        histories=ending.histories,
        observations=ending.observations,
        marks=marks,
        problems_at_end=ending.problems,
    )


def _or_never(t: float | None) -> str:
    return "never" if t is None else f"{t:.1f} s"
