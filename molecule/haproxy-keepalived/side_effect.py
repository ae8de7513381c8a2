"""Stop HAProxy on the VIP holder (the lb-haproxy-stop drill's fault) and leave it stopped;
wait until keepalived's check moved the VIP to the other load balancer."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from cluster.model import Cluster
from cluster.probes import holds_vip
from drills.catalog import CATALOG, DrillContext

TIMEOUT_S = 30


def main() -> None:
    cluster = Cluster(os.environ["DATCHAT_INVENTORY"])
    context = DrillContext(cluster)
    CATALOG["lb-haproxy-stop"].inject(context)
    stopped = context.memory["victim"].name
    print(f"stopped HAProxy on {stopped}, the VIP holder", flush=True)
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        holders = [lb.name for lb in cluster.group("lbs") if holds_vip(cluster, lb)]
        if len(holders) == 1 and holders[0] != stopped:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"side effect: VIP still on {holders} after {TIMEOUT_S} s")
        time.sleep(0.5)
    record = {"haproxy_stopped_on": stopped, "vip_holder": holders[0]}
    Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "side_effect.json").write_text(
        json.dumps(record)
    )
    print(f"the VIP moved to {holders[0]}", flush=True)


if __name__ == "__main__":
    main()
