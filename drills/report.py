"""A drill's numbers: outage, loss, infrastructure events and the verdict, as a table and JSON."""

from __future__ import annotations

import itertools
import statistics
from typing import TYPE_CHECKING

from datchat.protocol import stream_id_key

from .observer import BACKENDS, ROLE, VIP, Observation

if TYPE_CHECKING:
    from .catalog import Drill
    from .load import DrillClient, Recorder


def _views(observations: list[Observation]) -> list[tuple[float, dict[str, list[str]]]]:
    """After each answer, the cluster as the latest answer of every host shows it, from the
    moment every host has answered (or failed to) once: before that, a host not asked yet would
    count as not holding the VIP."""
    asked = {(seen.host, seen.kind) for seen in observations if seen.kind != BACKENDS}
    latest: dict[tuple[str, str], object] = {}
    views = []
    for seen in observations:
        if seen.kind == BACKENDS:
            continue
        latest[(seen.host, seen.kind)] = seen.answer
        if len(latest) < len(asked):
            continue
        views.append(
            (
                seen.t,
                {
                    "vip_holders": sorted(h for (h, k), a in latest.items() if k == VIP and a),
                    "masters": sorted(
                        h for (h, k), a in latest.items() if k == ROLE and a == "master"
                    ),
                    "silent": sorted({h for (h, _), a in latest.items() if a is None}),
                },
            )
        )
    return views


def _events(views: list[tuple[float, dict[str, list[str]]]], key: str) -> list[dict]:
    events, previous = [], None
    for t, view in views:
        if view[key] != previous:
            events.append({"t": round(t, 2), key: view[key]})
            previous = view[key]
    return events


def _backend_events(observations: list[Observation]) -> list[dict]:
    events, previous = [], {}
    for seen in observations:
        if seen.kind != BACKENDS or seen.answer is None:
            continue
        for app, state in seen.answer.items():
            if previous.get((seen.host, app)) not in (None, state):
                events.append({"t": round(seen.t, 2), "lb": seen.host, "app": app, "state": state})
            previous[(seen.host, app)] = state
    return events


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# The report's outage figures a drill goal may name, as the table words them.
GOAL_FIGURES = {
    "longest_no_ack_s": "longest window without an ack",
    "first_ack_after_fault_s": "fault to first ack",
    "all_clients_rejoined_after_s": "fault to every dropped client rejoined",
    "converged_after_heal_s": "heal to a whole cluster",
}


def check_goals(name: str, goals: dict[str, float]) -> None:
    """A goal naming a figure the report does not have would never be judged: refuse it."""
    for figure in goals:
        if figure not in GOAL_FIGURES:
            raise ValueError(
                f"drill_goals[{name!r}] names {figure!r}; a goal names one of: "
                + ", ".join(GOAL_FIGURES)
            )


def _reconnects_beyond_node_restarts(
    recorder: Recorder, client: int, drops: list[float], restarts_per_node: int
) -> int:
    """A client's drops beyond one per restart of the node it was on at the time (the node
    it had joined last before the drop)."""
    joins = [(t, node) for index, t, node in recorder.rejoins if index == client]
    drops_on: dict[str, int] = {}
    for drop in drops:
        on = [node for t, node in joins if t < drop]
        node = on[-1] if on else "?"
        drops_on[node] = drops_on.get(node, 0) + 1
    return sum(max(0, count - restarts_per_node) for count in drops_on.values())


def judge_goals(outage: dict, goals: dict[str, float], slack: float) -> list[dict]:
    """Each goal beside its measured figure; `met` is the goal itself, `within_bound` the
    verdict's looser slack x goal. A figure that could not be measured (a client never
    rejoined) meets neither."""
    judged = []
    for figure, goal in goals.items():
        measured = outage[figure]
        bound = round(goal * slack, 2)
        judged.append(
            {
                "figure": figure,
                "goal_s": goal,
                "measured_s": measured,
                "met": measured is not None and measured <= goal,
                "bound_s": bound,
                "within_bound": measured is not None and measured <= bound,
            }
        )
    return judged


def build_report(
    *,
    drill: Drill,
    goals: dict[str, float],
    goal_slack: float,
    settings: dict,
    recorder: Recorder,
    load_clients: list[DrillClient],
    due: dict[str, list[str]],
    histories: dict[str, list[str]],
    observations: list[Observation],
    marks: dict,
    problems_at_end: list[str],
) -> dict:
    """`due`: each room's history once the clients had stopped saying new messages and had
    their last ones acked, which every client must have received; `histories`: the same read
    again at the very end, against which acked messages are judged."""
    fault = marks["fault"]
    ack_times = sorted(t for _, _, t in recorder.acks.values())
    windows = list(itertools.pairwise(ack_times))
    longest = max(windows, key=lambda w: w[1] - w[0], default=(0.0, 0.0))
    after_fault = [t for t in ack_times if t > fault]
    first_ack_after_fault = after_fault[0] - fault if after_fault else None

    # A client is back when it has joined its room again after its last drop (the page shows
    # the conversation again then, whether or not anyone speaks).
    drops_of = {
        client.index: [
            t for index, t in recorder.disconnects if index == client.index and t >= fault
        ]
        for client in load_clients
    }
    rejoined_at = []
    for client in load_clients:
        drops = drops_of[client.index]
        if not drops:
            continue
        back = [t for index, t, _ in recorder.rejoins if index == client.index and t > drops[-1]]
        rejoined_at.append(back[0] if back else None)
    all_rejoined = None
    if rejoined_at and None not in rejoined_at:
        all_rejoined = max(rejoined_at) - fault

    room_of = {client.index: client.room for client in load_clients}
    delivered: dict[str, set[str]] = {room: set() for room in histories}
    for index, deliveries in recorder.deliveries.items():
        delivered[room_of[index]].update(stream_id for stream_id, _, _ in deliveries)
    stored = {room: set(ids) for room, ids in histories.items()}
    acked = {(room, stream_id) for room, stream_id, _ in recorder.acks.values()}
    lost = sorted(
        f"{room}/{sid}"
        for room, sid in acked
        if sid not in stored[room] and sid not in delivered[room]
    )
    # A room's stream keeps about app_history_max messages (XADD MAXLEN ~): an id older than
    # the oldest one kept was trimmed, not lost (a 30-minute chaos run stores more than that).
    oldest = {
        room: min((stream_id_key(sid) for sid in ids), default=None)
        for room, ids in histories.items()
    }

    def kept(room: str, sid: str) -> bool:
        return oldest[room] is None or stream_id_key(sid) >= oldest[room]

    acked_not_stored = sorted(
        f"{room}/{sid}" for room, sid in acked if sid not in stored[room] and kept(room, sid)
    )
    trimmed = sum(1 for room, sid in acked if not kept(room, sid))
    delivered_not_stored = sum(
        1 for room in histories for sid in delivered[room] - stored[room] if kept(room, sid)
    )

    missed = sum(len(client.missing(due[client.room])) for client in load_clients)

    latencies = [lat for deliveries in recorder.deliveries.values() for _, _, lat in deliveries]
    duplicates = sum(recorder.duplicates.values())
    out_of_order = sum(recorder.out_of_order.values())
    # An ack of a message first sent once the fault was in place: the old master could not
    # have given it (killed, frozen, or cut from every replica its WAIT needs).
    acked_after_fault = [
        t
        for client_id, (_, _, t) in recorder.acks.items()
        if recorder.sent[client_id] > marks["fault_done"]
    ]
    resumed = min(acked_after_fault, default=None)
    checks = {
        "no acked message lost": not lost,
        # Delivered but gone from the durable record is lost too, only later: the next
        # reader (a reconnecting page, a new node) never sees it.
        "every acked message in the final history": not acked_not_stored,
        "no message shown twice": duplicates == 0,
        "no message out of order": out_of_order == 0,
        "every client got every stored message": missed == 0,
        "cluster healthy again": marks["converged"] is not None,
    }
    if drill.majority_survives:
        checks["acks resumed before the heal"] = resumed is not None and resumed < marks["heal"]
    if drill.node_restarts:
        checks[
            "each client reconnected at most once per restart of its node, plus once per LB reload"
        ] = all(
            _reconnects_beyond_node_restarts(
                recorder, client.index, drops_of[client.index], drill.node_restarts
            )
            <= drill.lb_reloads
            for client in load_clients
        )
    outage = {
        "longest_no_ack_s": round(longest[1] - longest[0], 2),
        "longest_no_ack_from_s": round(longest[0], 2),
        "first_ack_after_fault_s": None
        if first_ack_after_fault is None
        else round(first_ack_after_fault, 2),
        "all_clients_rejoined_after_s": None if all_rejoined is None else round(all_rejoined, 2),
        "clients_disconnected": len(rejoined_at),
        # How often the worst-hit client lost its connection after the fault: a deploy should
        # cost each client one reconnect per restart of the node it was on, not a storm.
        "most_reconnects_of_a_client": max(map(len, drops_of.values()), default=0),
        "converged_after_heal_s": None
        if marks["converged"] is None
        else round(marks["converged"] - marks["heal"], 2),
        "first_ack_of_a_message_sent_after_fault_s": None
        if resumed is None
        else round(resumed - fault, 2),
    }
    judged = judge_goals(outage, goals, goal_slack)
    for goal in judged:
        checks[f"{GOAL_FIGURES[goal['figure']]} within {goal['bound_s']:g} s"] = goal[
            "within_bound"
        ]
    views = _views(observations)
    return {
        "drill": drill.name,
        "breaks": drill.breaks,
        "settings": settings,
        "marks": {key: None if value is None else round(value, 2) for key, value in marks.items()},
        "outage": outage,
        "goals": judged,
        "traffic": {
            "sent": len(recorder.sent),
            "acked": len(acked),
            "delivered": sum(len(d) for d in recorder.deliveries.values()),
            "errors": dict(recorder.errors),
            "latency_p50_ms": None
            if not latencies
            else round(statistics.median(latencies) * 1000, 1),
            "latency_p99_ms": None
            if not latencies
            else round(_percentile(latencies, 0.99) * 1000, 1),
            "latency_max_ms": None if not latencies else round(max(latencies) * 1000, 1),
        },
        "loss": {
            "acked_lost": len(lost),
            "acked_lost_ids": lost[:20],
            "acked_missing_from_history": len(acked_not_stored),
            "acked_trimmed_from_history": trimmed,
            "delivered_missing_from_history": delivered_not_stored,
            "duplicates": duplicates,
            "out_of_order": out_of_order,
            "missed_deliveries": missed,
        },
        "infrastructure": {
            "vip": _events(views, "vip_holders"),
            "redis_master": _events(views, "masters"),
            "silent": _events(views, "silent"),
            "backends": _backend_events(observations),
        },
        "verdict": {"passed": all(checks.values()), "checks": checks, "problems": problems_at_end},
        "_timeline": {
            "acks": ack_times,
            "deliveries": sorted(
                (t, lat) for deliveries in recorder.deliveries.values() for _, t, lat in deliveries
            ),
            "observations": [
                (seen.t, seen.host, seen.kind, seen.answer)
                for seen in observations
                if seen.kind != BACKENDS
            ],
        },
    }


def public(report: dict) -> dict:
    """The report without its raw timeline (for JSON files people read)."""
    return {key: value for key, value in report.items() if not key.startswith("_")}


def _changes(events: list[dict], key: str) -> str:
    return " -> ".join(f"{','.join(e[key]) or 'none'} @{e['t']}s" for e in events)


def table(report: dict) -> str:
    outage, loss, traffic = report["outage"], report["loss"], report["traffic"]
    infra, marks, verdict = report["infrastructure"], report["marks"], report["verdict"]
    failed = [name for name, ok in verdict["checks"].items() if not ok]
    backends = "; ".join(f"{e['lb']}:{e['app']} {e['state']} @{e['t']}s" for e in infra["backends"])
    rows = [
        ("drill", f"{report['drill']}: {report['breaks']}"),
        (
            "fault / heal / converged",
            f"{marks['fault']} / {marks['heal']} / {marks['converged']} s",
        ),
        (
            "load stopped / all acked / all caught up",
            f"{marks['stop']} / {marks['all_acked']} / {marks['caught_up']} s",
        ),
        (
            "longest window without an ack",
            f"{outage['longest_no_ack_s']} s (from {outage['longest_no_ack_from_s']} s)",
        ),
        ("fault to first ack", f"{outage['first_ack_after_fault_s']} s"),
        *((f"goal: {GOAL_FIGURES[goal['figure']]}", _goal_line(goal)) for goal in report["goals"]),
        (
            "fault to first ack of a message sent after it",
            f"{outage['first_ack_of_a_message_sent_after_fault_s']} s",
        ),
        ("fault to every dropped client rejoined", _rejoined_line(outage)),
        (
            "sent / acked / delivered",
            f"{traffic['sent']} / {traffic['acked']} / {traffic['delivered']}",
        ),
        (
            "latency p50 / p99 / max",
            f"{traffic['latency_p50_ms']} / {traffic['latency_p99_ms']} / "
            f"{traffic['latency_max_ms']} ms",
        ),
        ("errors", ", ".join(f"{k} {v}" for k, v in traffic["errors"].items()) or "none"),
        ("acked and lost", str(loss["acked_lost"])),
        ("acked, missing from history", str(loss["acked_missing_from_history"])),
        # Legal when unacked (stored, then lost with a master before any replica had it).
        ("delivered, in no final history", str(loss["delivered_missing_from_history"])),
        (
            "duplicates / out of order / missed",
            f"{loss['duplicates']} / {loss['out_of_order']} / {loss['missed_deliveries']}",
        ),
        ("VIP holder", _changes(infra["vip"], "vip_holders")),
        ("Redis master", _changes(infra["redis_master"], "masters")),
        ("hosts not answering probes", _changes(infra["silent"], "silent")),
        ("backend changes", backends or "none"),
        ("verdict", "PASS" if verdict["passed"] else "FAIL: " + ", ".join(failed)),
        *(("still wrong", problem) for problem in verdict["problems"]),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def _rejoined_line(outage: dict) -> str:
    if not outage["clients_disconnected"]:
        return "no client dropped"
    rejoined = outage["all_clients_rejoined_after_s"]
    return (
        f"{'not all rejoined' if rejoined is None else f'{rejoined} s'} "
        f"({outage['clients_disconnected']} clients dropped, the worst "
        f"{outage['most_reconnects_of_a_client']} times)"
    )


def _goal_line(goal: dict) -> str:
    verdict = "met" if goal["met"] else f"MISSED (the verdict allows {goal['bound_s']:g} s)"
    return f"at most {goal['goal_s']:g} s: {goal['measured_s']} s, {verdict}"


def missed_goals(report: dict) -> list[str]:
    """Every goal this drill missed, in words (the verdict may still pass: see drill_goal_slack)."""
    return [
        f"{report['drill']}: {GOAL_FIGURES[goal['figure']]} {goal['measured_s']} s, goal "
        f"{goal['goal_s']:g} s"
        for goal in report["goals"]
        if not goal["met"]
    ]
