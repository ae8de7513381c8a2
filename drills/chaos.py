"""A chaos run: steady load through the VIP while faults from the catalog come and go on a
schedule drawn from a seed, some overlapping; one verdict over the whole history at the end.

Each fault is the catalog's drill (its inject and heal, with a context of its own, so two in
place at once keep their victims apart). The verdict is a drill's (no acked message lost or
missing from the final history, none shown twice or out of order, every client got every
stored message, the cluster whole again), plus every fault injected and healed as scheduled;
each fault's longest window without an ack is reported beside it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from cluster.errors import LabError
from cluster.model import Cluster

from .catalog import CATALOG, Drill, DrillContext
from .chaos_schedule import RECOVERY_S, RESOURCES, TILT_RECOVERY_S, Scheduled, draw, overlaps
from .report import build_report
from .runner import end_run, start_run, wait_for_whole_cluster

NAME = "chaos"
# A fault's outage is the longest window without an ack that begins while it is in place or
# this soon after its heal (a failover's effects outlast the fault).
AFTERMATH_S = 5.0


@dataclass
class Parts:
    """The parts held by faults in place (or recovering), and a condition to wait for one."""

    held: set[str] = field(default_factory=set)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


async def _run_fault(
    cluster: Cluster,
    fault: Scheduled,
    now: Callable[[], float],
    parts: Parts,
    progress: Callable[[str], None],
) -> dict:
    drill, needs = CATALOG[fault.drill], RESOURCES[fault.drill]
    await asyncio.sleep(max(0.0, fault.start_s - now()))
    # The schedule assumed each inject takes no time; a slower one must not let the next
    # fault on the same part in before this one is healed and recovered.
    async with parts.changed:
        await parts.changed.wait_for(lambda: not parts.held & needs)
        parts.held |= needs
    record = {"drill": fault.drill, "scheduled_s": fault.start_s, "start_s": round(now(), 2)}
    ctx = DrillContext(cluster)
    progress(f"{NAME}: {record['start_s']:.1f} s: {fault.drill}: {drill.breaks}")
    try:
        await asyncio.to_thread(drill.inject, ctx)
        await asyncio.sleep(drill.hold_s)
    except LabError as error:  # reported, and the heal still runs
        record["error"] = f"inject: {error}"
    record["heal_s"] = round(now(), 2)
    try:
        await asyncio.to_thread(drill.heal, ctx)
    except LabError as error:  # reported; the run's end checks the cluster
        record["error"] = f"{record.get('error', '')} heal: {error}".strip()
    progress(f"{NAME}: {now():.1f} s: healed {fault.drill}")
    tilt = fault.drill == "sentinel-tilt"
    await asyncio.sleep(TILT_RECOVERY_S if tilt else max(RECOVERY_S[part] for part in needs))
    async with parts.changed:
        parts.held -= needs
        parts.changed.notify_all()
    return record


def _outage(ack_times: list[float], start: float, until: float) -> float:
    windows = [
        b - a for a, b in itertools.pairwise(ack_times) if start <= a <= until or a <= start < b
    ]
    return round(max(windows, default=0.0), 2)


async def run_chaos(
    cluster: Cluster,
    duration: float,
    seed: int,
    faults: list[str] | None = None,
    clients: int = 8,
    rate: float = 4,
    rooms: int = 2,
    progress: Callable[[str], None] = print,
) -> dict:
    try:
        schedule = draw(seed, duration, faults)
    except ValueError as error:
        raise LabError(str(error)) from None
    progress(f"{NAME}: seed {seed}, {duration:g} s, {len(schedule)} faults:")
    for fault in schedule:
        progress(f"  {fault.start_s:6.1f} s  {fault.drill} (held {fault.hold_s:g} s)")
    await wait_for_whole_cluster(NAME, cluster, progress)
    run = start_run(cluster, clients, rate, rooms)
    now = run.recorder.now
    parts = Parts()
    records = await asyncio.gather(
        *(_run_fault(cluster, fault, now, parts, progress) for fault in schedule)
    )
    marks = {
        "fault": records[0]["start_s"] if records else now(),
        "fault_done": records[0]["start_s"] if records else now(),
        "heal": max((r["heal_s"] for r in records), default=now()),
    }
    ending = await end_run(NAME, run, marks, duration, progress)
    drill = Drill(NAME, f"{len(schedule)} faults drawn from seed {seed}", None, None, hold_s=0)
    report = build_report(
        drill=drill,
        goals={},
        goal_slack=cluster.drill_goal_slack,
        settings={
            "clients": clients,
            "rate": rate,
            "rooms": rooms,
            "duration": duration,
            "seed": seed,
        },
        recorder=run.recorder,
        load_clients=run.load_clients,
        due=ending.due,
        histories=ending.histories,
        observations=ending.observations,
        marks=marks,
        problems_at_end=ending.problems,
    )
    ack_times = report["_timeline"]["acks"]
    for record in records:
        record["longest_no_ack_s"] = _outage(
            ack_times, record["start_s"], record["heal_s"] + AFTERMATH_S
        )
    in_place = [(r["start_s"], r["heal_s"]) for r in records]
    report["faults"] = records
    report["overlaps"] = sum(
        1 for (a, b), (c, d) in itertools.combinations(in_place, 2) if c < b and a < d
    )
    report["scheduled_overlaps"] = len(overlaps(schedule))
    checks = report["verdict"]["checks"]
    checks["every fault injected and healed"] = not any("error" in r for r in records)
    report["verdict"]["passed"] = all(checks.values())
    return report


def fault_table(report: dict) -> str:
    lines = [f"{'start':>7} {'heal':>7}  {'fault':24} {'no ack':>7}  error"]
    for record in report["faults"]:
        lines.append(
            f"{record['start_s']:7.1f} {record['heal_s']:7.1f}  {record['drill']:24} "
            f"{record['longest_no_ack_s']:6.2f}s  {record.get('error', '')}"
        )
    lines.append(f"faults in place at the same time: {report['overlaps']} pairs")
    return "\n".join(lines)
