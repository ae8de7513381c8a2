"""Every drill of the catalog, with small load, against the deployed cluster.

Opt-in (`-m drill`; `make drills`): they break the cluster on purpose and heal it again.
Reports land in reports/drills/ for a look afterwards.
"""

from __future__ import annotations

import json
import os

import pytest

from lab.cluster import ROOT, Cluster
from lab.drill_report import plot, public, table
from lab.drill_runner import run_drill
from lab.drills import CATALOG

pytestmark = [pytest.mark.drill, pytest.mark.timeout(300)]

INVENTORY = os.environ.get("DATCHAT_INVENTORY", str(ROOT / "inventories" / "lab.py"))
REPORTS = ROOT / "reports" / "drills"
# What each drill must visibly do to the infrastructure, besides passing the invariants.
MOVES = {
    "redis-master-kill": "redis_master",
    "redis-master-freeze": "redis_master",
    "redis-master-partition": "redis_master",
    "sentinel-minority-loss": "redis_master",
    "lb-master-kill": "vip",
    "lb-haproxy-stop": "vip",
    "app-node-kill": "backends",
    "app-rolling-restart": "backends",
}


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return Cluster(INVENTORY)


@pytest.mark.parametrize("name", list(CATALOG))
async def test_drill_keeps_every_acked_message_and_heals(cluster, name):
    report = await run_drill(name, cluster, clients=8, rate=4, rooms=2, duration=20, progress=print)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{name}.json").write_text(json.dumps(public(report), indent=2))
    plot(report, REPORTS / f"{name}.png")
    print(table(report))

    assert report["verdict"]["checks"] == dict.fromkeys(report["verdict"]["checks"], True)
    assert report["traffic"]["acked"] > 0
    assert len(report["infrastructure"][MOVES[name]]) > 1, f"{name} changed nothing visible"
