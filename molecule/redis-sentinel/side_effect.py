"""Kill the Redis master (the redis-master-kill drill's fault); once Sentinel has promoted a
replica, start the old master again and wait until it replicates from the new one."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from cluster.health import check
from cluster.model import Cluster
from drills.catalog import CATALOG, DrillContext

TIMEOUT_S = 90


def wait_for(what: str, condition) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"side effect: no {what} within {TIMEOUT_S} s")
        time.sleep(1)


def main() -> None:
    cluster = Cluster(os.environ["DATCHAT_INVENTORY"])
    context = DrillContext(cluster)
    drill = CATALOG["redis-master-kill"]
    drill.inject(context)
    killed = context.memory["victim"].name
    print(f"killed the master's redis-server on {killed}", flush=True)
    wait_for("new master", lambda: check(cluster).masters not in ([], [killed]))
    new_master = check(cluster).masters[0]
    print(f"Sentinel promoted {new_master}", flush=True)
    drill.heal(context)
    wait_for("healthy cluster", lambda: check(cluster).ok)
    record = {"killed_master": killed, "new_master": new_master}
    Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "side_effect.json").write_text(
        json.dumps(record)
    )
    print(f"{killed} is back, as a replica of {new_master}", flush=True)


if __name__ == "__main__":
    main()
