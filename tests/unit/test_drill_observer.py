"""A silent host blinds neither the drill's observer nor its report and timeline to the others."""

from __future__ import annotations

import asyncio
import itertools
import time

from drills.catalog import CATALOG
from drills.load import Recorder
from drills.observer import ROLE, VIP, Observation, Probe, observe_until
from drills.plot import NO_ANSWER, lanes
from drills.report import build_report

MARKS = {
    "fault": 5.0,
    "fault_done": 5.1,
    "heal": 9.0,
    "converged": 10.0,
    "stop": 12.0,
    "all_acked": 12.0,
    "caught_up": 12.0,
}


async def test_a_host_that_does_not_answer_does_not_hold_up_the_others_answers():
    def powered_off() -> None:
        time.sleep(0.6)  # an SSH connect to a host that is gone waits for its timeout
        return None

    started = time.monotonic()
    done = asyncio.Event()
    probes = [Probe("lb1", VIP, powered_off), Probe("lb2", VIP, lambda: True)]
    observing = asyncio.create_task(
        observe_until(probes, 0.05, lambda: time.monotonic() - started, done)
    )
    await asyncio.sleep(1.3)
    done.set()
    seen = await observing
    lb2 = [o.t for o in seen if o.host == "lb2"]
    lb1 = [o for o in seen if o.host == "lb1"]
    # Waiting for the slowest host, lb2 would have been asked 3 times.
    assert len(lb2) >= 10
    assert max(b - a for a, b in itertools.pairwise(lb2)) < 0.5
    assert 1 <= len(lb1) <= 3
    assert all(o.answer is None for o in lb1)
    assert [o.t for o in seen] == sorted(o.t for o in seen)


def report_of(observations: list[Observation]) -> dict:
    return build_report(
        drill=CATALOG["lb-master-kill"],
        goals={},
        goal_slack=2.0,
        settings={},
        recorder=Recorder(),
        load_clients=[],
        due={},
        histories={},
        observations=observations,
        marks=MARKS,
        problems_at_end=[],
    )


# lb1 holds the VIP and is powered off at 5 s: its one probe after that never answers (sent at
# 5.5 s, back after its timeout), while lb2 and the Redis host go on answering on their own.
OBSERVATIONS = [
    Observation(0.5, "lb1", VIP, True),
    Observation(0.5, "lb2", VIP, False),
    Observation(0.6, "redis1", ROLE, "master"),
    Observation(5.5, "lb1", VIP, None),
    Observation(6.0, "lb2", VIP, False),
    Observation(6.1, "redis1", ROLE, "master"),
    Observation(6.5, "lb2", VIP, True),
    Observation(7.0, "lb2", VIP, True),
    Observation(12.5, "lb1", VIP, False),
]


def test_the_report_shows_the_new_holder_at_its_own_time_while_the_old_one_is_silent():
    infrastructure = report_of(OBSERVATIONS)["infrastructure"]
    assert infrastructure["vip"] == [
        # From the moment every host had answered once.
        {"t": 0.6, "vip_holders": ["lb1"]},
        {"t": 5.5, "vip_holders": []},
        {"t": 6.5, "vip_holders": ["lb2"]},
    ]
    assert infrastructure["silent"] == [
        {"t": 0.6, "silent": []},
        {"t": 5.5, "silent": ["lb1"]},
        {"t": 12.5, "silent": []},
    ]


def test_the_timeline_draws_no_answer_as_its_own_state_and_keeps_the_others_times():
    drawn = lanes(report_of(OBSERVATIONS))
    assert drawn["lb1"] == [
        (0.5, 5.5, "VIP holder"),
        (5.5, 12.5, NO_ANSWER),
        (12.5, 12.5, "standby"),
    ]
    assert drawn["lb2"] == [(0.5, 6.5, "standby"), (6.5, 12.5, "VIP holder")]
    assert drawn["redis1"] == [(0.6, 12.5, "master")]
