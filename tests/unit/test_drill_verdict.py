"""A drill's verdict on made-up histories: what counts as loss, and what is only reported."""

from __future__ import annotations

from drills.catalog import CATALOG
from drills.load import DrillClient, Recorder
from drills.report import build_report

MARKS = {"fault": 1.0, "fault_done": 1.1, "heal": 5.0, "converged": 6.0}


def report(stored: list[str], acked: list[str], delivered: list[str]) -> dict:
    """Two clients in one room: the first said and had `acked` acked, both got `delivered`,
    the room's final history is `stored`."""
    recorder = Recorder()
    clients = [DrillClient(n, "ws://unused", "r0", 1.0, recorder) for n in (0, 1)]
    for n, stream_id in enumerate(acked):
        recorder.sent[f"c{n}"] = 0.5
        recorder.acks[f"c{n}"] = ("r0", stream_id, 0.6 + n)
    for client in clients:
        for stream_id in delivered:
            recorder.deliveries[client.index].append((stream_id, 0.7, 0.01))
            client.seen.add(stream_id)
    return build_report(
        drill=CATALOG["app-node-kill"],
        settings={},
        recorder=recorder,
        load_clients=clients,
        due={"r0": stored},
        histories={"r0": stored},
        samples=[],
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
