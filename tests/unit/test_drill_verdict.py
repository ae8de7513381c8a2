"""A drill's verdict on made-up histories: what counts as loss, and what is only reported."""

from __future__ import annotations

import pytest

from drills.catalog import CATALOG
from drills.load import DrillClient, Recorder
from drills.report import build_report, check_goals, missed_goals, table

MARKS = {
    "fault": 1.0,
    "fault_done": 1.1,
    "heal": 5.0,
    "converged": 6.0,
    "stop": 7.0,
    "all_acked": 7.1,
    "caught_up": 7.2,
}


def report(
    stored: list[str],
    acked: list[str],
    delivered: list[str],
    goals: dict | None = None,
    disconnects: list[tuple[int, float]] = (),
    rejoins: list[tuple[int, float, str]] = (),
    drill: str = "app-node-kill",
) -> dict:
    """Two clients in one room: the first said and had `acked` acked, both got `delivered`,
    the room's final history is `stored`."""
    recorder = Recorder()
    clients = [DrillClient(n, "ws://unused", "r0", 1.0, recorder) for n in (0, 1)]
    recorder.disconnects.extend(disconnects)
    recorder.rejoins.extend(rejoins)
    for n, stream_id in enumerate(acked):
        recorder.sent[f"c{n}"] = 0.5
        recorder.acks[f"c{n}"] = ("r0", stream_id, 0.6 + n)
    for client in clients:
        for stream_id in delivered:
            recorder.deliveries[client.index].append((stream_id, 0.7, 0.01))
            client.seen.add(stream_id)
    return build_report(
        drill=CATALOG[drill],
        goals=goals or {},
        goal_slack=2.0,
        settings={},
        recorder=recorder,
        load_clients=clients,
        due={"r0": stored},
        histories={"r0": stored},
        observations=[],
        marks=MARKS,
        problems_at_end=[],
    )


def test_every_acked_message_stored_and_delivered_passes():
    ids = ["1-0", "2-0", "3-0"]
    verdict = report(stored=ids, acked=ids, delivered=ids)["verdict"]
    assert verdict["passed"], verdict


def test_an_acked_message_missing_from_the_final_history_fails_even_if_delivered():
    result = report(
        stored=["1-0", "3-0"], acked=["1-0", "2-0", "3-0"], delivered=["1-0", "2-0", "3-0"]
    )
    checks = result["verdict"]["checks"]
    assert checks["no acked message lost"]  # everyone saw it ...
    assert not checks["every acked message in the final history"]  # ... but the record lost it
    assert not result["verdict"]["passed"]
    assert result["loss"]["acked_missing_from_history"] == 1


def test_an_unacked_message_delivered_but_in_no_history_is_reported_not_failed():
    result = report(stored=["1-0"], acked=["1-0"], delivered=["1-0", "2-0"])
    assert result["verdict"]["passed"], result["verdict"]
    assert result["loss"]["delivered_missing_from_history"] == 1


# Acks at 0.6, 1.6 and 2.6 s: the longest window without an ack is 1.0 s.
IDS = ["1-0", "2-0", "3-0"]


def test_a_missed_goal_within_the_slack_is_reported_and_passes():
    result = report(IDS, IDS, IDS, goals={"longest_no_ack_s": 0.8})
    (goal,) = result["goals"]
    assert (goal["measured_s"], goal["met"], goal["within_bound"]) == (1.0, False, True)
    assert result["verdict"]["passed"], result["verdict"]
    assert missed_goals(result) == [
        "app-node-kill: longest window without an ack 1.0 s, goal 0.8 s"
    ]
    assert "at most 0.8 s: 1.0 s, MISSED (the verdict allows 1.6 s)" in table(result)


def test_a_figure_beyond_twice_its_goal_fails_the_verdict():
    result = report(IDS, IDS, IDS, goals={"longest_no_ack_s": 0.4})
    assert not result["verdict"]["checks"]["longest window without an ack within 0.8 s"]
    assert not result["verdict"]["passed"]


def test_a_met_goal_is_no_miss():
    result = report(IDS, IDS, IDS, goals={"longest_no_ack_s": 1.5})
    assert result["goals"][0]["met"]
    assert missed_goals(result) == []


def test_a_goal_on_a_figure_the_report_lacks_is_refused():
    with pytest.raises(ValueError, match="drill_goals\\['soak'\\] names 'latency_s'"):
        check_goals("soak", {"latency_s": 1.0})


def test_the_worst_hit_clients_reconnects_after_the_fault_are_counted():
    # Client 0 dropped once before the fault (not counted) and twice after it, client 1 once.
    drops = [(0, 0.5), (0, 2.0), (1, 2.5), (0, 3.0)]
    result = report(IDS, IDS, IDS, disconnects=drops)
    assert result["outage"]["most_reconnects_of_a_client"] == 2
    assert "the worst 2 times" in table(result)


def test_a_drill_where_nobody_dropped_says_so_instead_of_a_missing_figure():
    result = report(IDS, IDS, IDS)
    assert result["outage"]["clients_disconnected"] == 0
    assert "fault to every dropped client rejoined         no client dropped" in table(result)


RECONNECTS = "each client reconnected at most once per restart of its node, plus once per LB reload"


def deploy_under_load_with_drops(drops_on: list[str]) -> dict:
    """Client 0 joined on app1 before the fault, then dropped from each node named in turn
    and rejoined on the other."""
    other = {"app1": "app2", "app2": "app1"}
    rejoins, disconnects = [(0, 0.2, "app1")], []
    for n, node in enumerate(drops_on):
        t = 1.5 + n * 0.2
        disconnects.append((0, t))
        rejoins.append((0, t + 0.1, other[node]))
    return report(
        IDS, IDS, IDS, disconnects=disconnects, rejoins=rejoins, drill="deploy-under-load"
    )


def test_a_client_may_reconnect_once_per_restart_of_its_node_and_once_per_lb_reload():
    # deploy-under-load restarts each node twice and reloads the LBs twice: app1 3 times is
    # one reload's worth more.
    result = deploy_under_load_with_drops(["app1", "app2", "app1", "app2", "app1"])
    assert result["verdict"]["checks"][RECONNECTS]


def test_a_reconnect_storm_on_one_node_fails_the_verdict():
    result = deploy_under_load_with_drops(
        ["app1", "app2", "app1", "app2", "app1", "app2", "app1", "app2", "app1"]
    )
    assert not result["verdict"]["checks"][RECONNECTS]
    assert not result["verdict"]["passed"]


def test_drills_that_restart_nothing_on_purpose_do_not_count_reconnects_against_it():
    assert RECONNECTS not in report(IDS, IDS, IDS)["verdict"]["checks"]


def test_acked_messages_older_than_the_kept_history_count_as_trimmed_not_missing():
    # The stream keeps about app_history_max messages: 1-0 and 2-0 fell off its start.
    result = report(stored=["3-0", "4-0"], acked=["1-0", "2-0", "3-0", "4-0"], delivered=[])
    assert result["verdict"]["checks"]["every acked message in the final history"]
    assert result["loss"]["acked_trimmed_from_history"] == 2
    assert result["loss"]["acked_missing_from_history"] == 0
