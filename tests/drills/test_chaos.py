"""A short chaos run with a fixed seed (about 3 minutes): overlapping faults, one verdict."""

from __future__ import annotations

import json

import pytest

from drills.chaos import fault_table, run_chaos
from drills.plot import plot
from drills.report import public, table

from .test_drills import REPORTS

pytestmark = [pytest.mark.drill, pytest.mark.timeout(600)]

# Seed 2 over 150 s: 15 faults of 9 kinds (every part, and each kind of cut), 11 pairs of them
# in place at once; the same schedule every run.
SEED, DURATION_S = 2, 150


async def test_a_short_chaos_run_keeps_every_acked_message_and_heals(cluster):
    report = await run_chaos(cluster, DURATION_S, SEED, progress=print)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "chaos.json").write_text(json.dumps(public(report), indent=2))
    plot(report, REPORTS / "chaos.png")
    print(table(report))
    print(fault_table(report))

    assert report["verdict"]["checks"] == dict.fromkeys(report["verdict"]["checks"], True)
    assert report["scheduled_overlaps"] >= 5
    assert report["overlaps"] >= 5
    assert len({fault["drill"] for fault in report["faults"]}) >= 8
    assert report["traffic"]["acked"] > 0
