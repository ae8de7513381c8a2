"""Every drill of the catalog, with small load, against the deployed cluster.

Opt-in (`-m drill`; `make drills`): they break the cluster on purpose and heal it again.
Reports land in reports/drills/ for a look afterwards.
"""

from __future__ import annotations

import json

import pytest

from cluster.paths import ROOT
from cluster.probes import redis_cli
from drills.catalog import CATALOG
from drills.plot import plot
from drills.report import missed_goals, public, table
from drills.runner import run_drill

from .conftest import GOALS_MISSED

pytestmark = [pytest.mark.drill, pytest.mark.timeout(300)]

REPORTS = ROOT / "reports" / "drills"
CLIENTS = 8


def master_moved(report: dict) -> bool:
    return len(report["infrastructure"]["redis_master"]) > 1


def vip_moved(report: dict) -> bool:
    return len(report["infrastructure"]["vip"]) > 1


# What each drill must visibly do, besides passing the invariants: a drill that breaks
# nothing proves nothing. (A restarted app node is often back before HAProxy's checks
# notice, so app drills are seen in their clients' reconnects.)
VISIBLE = {
    "redis-master-kill": master_moved,
    "redis-master-freeze": master_moved,
    "redis-master-partition": master_moved,
    "sentinel-minority-loss": master_moved,
    "lb-master-kill": vip_moved,
    "lb-haproxy-stop": vip_moved,
    "app-node-kill": lambda report: report["outage"]["clients_disconnected"] > 0,
    "app-rolling-restart": lambda report: report["outage"]["clients_disconnected"] == CLIENTS,
    # Tuned for fast failover, the cluster must still not fail over on its own.
    "soak": lambda report: not vip_moved(report) and not master_moved(report),
    # Its clients moved when HAProxy took it out.
    "app-node-freeze": lambda report: report["outage"]["clients_disconnected"] > 0,
    "app-node-redis-cut": lambda report: (
        report["outage"]["clients_disconnected"] > 0
        and any(e["state"] == "DOWN" for e in report["infrastructure"]["backends"])
    ),
    "vrrp-split-brain": lambda report: any(
        len(event["vip_holders"]) == 2 for event in report["infrastructure"]["vip"]
    ),
    # The heal waits until the Sentinel reports TILT; nothing must move meanwhile.
    "sentinel-tilt": lambda report: not vip_moved(report) and not master_moved(report),
    # Every client was on a node the deploy restarted, and the master was switched away.
    "deploy-under-load": lambda report: (
        report["outage"]["clients_disconnected"] == CLIENTS and master_moved(report)
    ),
}


@pytest.mark.parametrize("name", list(CATALOG))
async def test_drill_keeps_every_acked_message_and_heals(cluster, name):
    report = await run_drill(
        name, cluster, clients=CLIENTS, rate=4, rooms=2, duration=20, progress=print
    )
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{name}.json").write_text(json.dumps(public(report), indent=2))
    plot(report, REPORTS / f"{name}.png")
    print(table(report))
    GOALS_MISSED.extend(missed_goals(report))

    assert report["verdict"]["checks"] == dict.fromkeys(report["verdict"]["checks"], True)
    assert report["traffic"]["acked"] > 0
    assert VISIBLE[name](report), f"{name} changed nothing visible"


def test_after_deploy_under_load_every_redis_host_runs_the_inventorys_settings(cluster):
    """The drill's last deploy switched the master away and restarted it: the settings its
    old process appended to redis.conf (CONFIG REWRITE on demotion) must not shadow the
    inventory's. Runs after the drills (file order)."""
    for node in cluster.group("redis"):
        answer = redis_cli(cluster, node, "config get min-replicas-max-lag").stdout.split()
        assert answer[-1] == str(node.data["redis_min_replicas_max_lag"]), (node.name, answer)
