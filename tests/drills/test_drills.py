"""Every drill of the catalog, with small load, against the deployed cluster.

Opt-in (`-m drill`; `make drills`): they break the cluster on purpose and heal it again.
Reports land in reports/drills/ for a look afterwards.
"""

from __future__ import annotations

import json
import os

import pytest

from cluster.model import Cluster
from cluster.paths import ROOT
from drills.catalog import CATALOG
from drills.plot import plot
from drills.report import public, table
from drills.runner import run_drill

pytestmark = [pytest.mark.drill, pytest.mark.timeout(300)]

INVENTORY = os.environ.get("DATCHAT_INVENTORY", str(ROOT / "inventories" / "lab.py"))
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
}


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return Cluster(INVENTORY)


@pytest.mark.parametrize("name", list(CATALOG))
async def test_drill_keeps_every_acked_message_and_heals(cluster, name):
    report = await run_drill(
        name, cluster, clients=CLIENTS, rate=4, rooms=2, duration=20, progress=print
    )
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{name}.json").write_text(json.dumps(public(report), indent=2))
    plot(report, REPORTS / f"{name}.png")
    print(table(report))

    assert report["verdict"]["checks"] == dict.fromkeys(report["verdict"]["checks"], True)
    assert report["traffic"]["acked"] > 0
    assert VISIBLE[name](report), f"{name} changed nothing visible"
