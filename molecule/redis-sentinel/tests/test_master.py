"""Where the master is: the deploy's choice at first, Sentinel's after the side effect."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cluster.model import Cluster
from cluster.probes import redis_info

CLUSTER = Cluster(os.environ["DATCHAT_INVENTORY"])
RECORD = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "side_effect.json")


def test_master_and_replicas_are_where_the_last_event_put_them():
    roles = {node.name: redis_info(CLUSTER, node) for node in CLUSTER.group("redis")}
    if RECORD.exists():
        record = json.loads(RECORD.read_text())
        expected_master = record["new_master"]
        assert expected_master != record["killed_master"]
    else:
        # Before any failover the deploy makes the first redis host the master.
        expected_master = CLUSTER.group("redis")[0].name
    assert roles[expected_master]["role"] == "master"
    master_address = CLUSTER.node(expected_master).address
    for name, info in roles.items():
        if name != expected_master:
            assert info["role"] == "slave", name
            assert info["master_host"] == master_address, name
            assert info["master_link_status"] == "up", name
