"""When /readyz says 200: healthy now, or healthy within the grace; never when draining or
before the node was ever healthy (a node that starts without Redis must not get traffic)."""

from __future__ import annotations

from datchat.readiness import Readiness


def test_a_node_never_healthy_is_not_ready_whatever_the_grace():
    assert not Readiness(grace_s=30).ready(healthy=False, draining=False, now=100)


def test_a_node_stays_ready_within_the_grace_after_it_was_last_healthy_and_not_after():
    readiness = Readiness(grace_s=10)
    assert readiness.ready(healthy=True, draining=False, now=100)
    assert readiness.ready(healthy=False, draining=False, now=110)
    assert readiness.unhealthy_for_s(now=110) == 10
    assert not readiness.ready(healthy=False, draining=False, now=110.1)
    assert readiness.ready(healthy=True, draining=False, now=111)


def test_a_draining_node_is_not_ready_even_when_healthy():
    readiness = Readiness(grace_s=10)
    assert not readiness.ready(healthy=True, draining=True, now=100)


def test_no_grace_means_ready_only_while_healthy():
    readiness = Readiness(grace_s=0)
    assert readiness.ready(healthy=True, draining=False, now=100)
    assert not readiness.ready(healthy=False, draining=False, now=100.01)
