"""The chaos run's schedule: replayable from its seed, overlapping only where parts differ."""

from __future__ import annotations

import pytest

from drills.chaos_schedule import (
    RECOVERY_S,
    RESOURCES,
    TAIL_S,
    TILT_RECOVERY_S,
    WARMUP_S,
    draw,
    overlaps,
)


def test_the_same_seed_gives_the_same_schedule_and_another_seed_another():
    assert draw(7, 600) == draw(7, 600)
    assert draw(7, 600) != draw(8, 600)


@pytest.mark.parametrize("seed", range(20))
def test_no_two_faults_on_one_part_and_each_part_recovers_before_the_next(seed):
    schedule = draw(seed, 900)
    for earlier, later in ((a, b) for i, a in enumerate(schedule) for b in schedule[i + 1 :]):
        for part in RESOURCES[earlier.drill] & RESOURCES[later.drill]:
            recovery = TILT_RECOVERY_S if earlier.drill == "sentinel-tilt" else RECOVERY_S[part]
            assert later.start_s >= earlier.heal_s + recovery, (earlier, later)


@pytest.mark.parametrize("seed", range(20))
def test_every_fault_is_healed_in_time_for_the_cluster_to_be_whole_at_the_end(seed):
    schedule = draw(seed, 300)
    assert schedule
    assert all(f.start_s >= WARMUP_S and f.heal_s <= 300 - TAIL_S for f in schedule)


def test_a_long_run_overlaps_faults_and_draws_every_kind():
    schedule = draw(3, 1800)
    assert len(overlaps(schedule)) >= 5
    assert {fault.drill for fault in schedule} == set(RESOURCES)


def test_only_the_faults_asked_for_are_drawn():
    schedule = draw(1, 600, ["app-node-kill", "lb-haproxy-stop"])
    assert {fault.drill for fault in schedule} == {"app-node-kill", "lb-haproxy-stop"}


def test_an_unknown_fault_is_refused_with_the_list():
    with pytest.raises(ValueError, match="not a chaos fault: power-cut; faults: redis-master-kill"):
        draw(1, 600, ["power-cut"])
