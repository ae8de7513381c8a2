"""Re-deploying changes nothing, and never undoes a Sentinel failover.

These run last in the module order and move the Redis master; the cluster stays healthy.
"""

from __future__ import annotations

import time

import pytest

from cluster.health import check
from cluster.probes import redis_cli, redis_info

from .conftest import CLUSTER, changed_operations, deploy

# A whole deploy: seconds on containers, minutes on emulated Vagrant VMs.
pytestmark = pytest.mark.timeout(900)


def master_name() -> str:
    for node in CLUSTER.group("redis"):
        if redis_info(CLUSTER, node).get("role") == "master":
            return node.name
    raise AssertionError("no Redis master")


def test_second_deploy_changes_nothing():
    results = deploy()
    assert changed_operations(results) == []
    assert results["totals"]["error"] == 0


def test_redeploy_after_a_failover_keeps_the_new_master():
    before = master_name()
    sentinel = CLUSTER.group("redis")[0]
    forced = redis_cli(
        CLUSTER,
        sentinel,
        f"sentinel failover {sentinel.data['sentinel_master_name']}",
        sentinel=True,
    )
    assert "OK" in forced.stdout, forced.stdout + forced.stderr
    deadline = time.monotonic() + 60
    while (after := master_name()) == before or not check(CLUSTER).ok:
        assert time.monotonic() < deadline, f"no healthy failover: {check(CLUSTER).problems}"
        time.sleep(1)

    results = deploy()

    assert changed_operations(results) == []
    assert master_name() == after
    assert check(CLUSTER).ok, check(CLUSTER).problems
