"""Re-deploying changes nothing, and never undoes a Sentinel failover.

Both tests judge one deploy, run after a forced failover: a second deploy that must change
nothing, and one that must keep the new master. A whole deploy takes minutes on the emulated
Vagrant VMs, so it is not run twice for them (Molecule's idempotence step on the Podman lab
deploys a second time without a failover). The master moves; the cluster stays healthy, and the
tests after these accept any master.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Redeploy:
    master_before: str
    master_after_failover: str
    results: dict


@pytest.fixture(scope="module")
def redeploy_after_failover() -> Redeploy:
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
    return Redeploy(before, after, deploy())


def test_second_deploy_changes_nothing(redeploy_after_failover):
    results = redeploy_after_failover.results
    assert changed_operations(results) == []
    assert results["totals"]["error"] == 0


def test_redeploy_after_a_failover_keeps_the_new_master(redeploy_after_failover):
    assert redeploy_after_failover.master_after_failover != redeploy_after_failover.master_before
    assert master_name() == redeploy_after_failover.master_after_failover
    assert check(CLUSTER).ok, check(CLUSTER).problems
