"""A chaos run's schedule: faults of the catalog at random times, drawn from a seed.

The same seed and duration give the same schedule, so a failing run can be replayed. Faults
overlap where that means something (the Redis master lost while an app node is frozen, an LB
powered off during a failover), never where two would break the same part at once: each
fault holds resources, and a fault starts only when none of its resources is held, or still
recovering from the last fault that held it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .catalog import CATALOG

# What each fault the chaos run may draw holds. "netcut": the cuts share one iptables chain
# per host, and a heal flushes the whole chain. deploy-under-load (minutes of deploy) and soak
# (nothing) are not faults to draw.
RESOURCES = {
    "redis-master-kill": {"redis"},
    "redis-master-freeze": {"redis"},
    "redis-master-partition": {"redis", "netcut"},
    "sentinel-minority-loss": {"redis"},
    "sentinel-tilt": {"redis"},
    "lb-master-kill": {"lbs"},
    "lb-haproxy-stop": {"lbs"},
    "vrrp-split-brain": {"lbs", "netcut"},
    "app-node-kill": {"apps"},
    "app-node-freeze": {"apps"},
    "app-node-redis-cut": {"apps", "netcut"},
    # It waits for every LB to see each restarted node UP: no LB fault meanwhile.
    "app-rolling-restart": {"apps", "lbs"},
}
# After its heal, how long a part needs before it can be broken again and mean anything: a
# restarted replica resyncs and Sentinel reconfigures it, a thawed Sentinel's TILT lasts 30 s.
RECOVERY_S = {"redis": 15.0, "lbs": 8.0, "apps": 6.0, "netcut": 0.0}
TILT_RECOVERY_S = 35.0
WARMUP_S = 5.0
# The last fault is healed this long before the end, for the cluster to become whole again.
TAIL_S = 25.0
GAP_S = (1.0, 10.0)


@dataclass(frozen=True)
class Scheduled:
    start_s: float
    drill: str
    hold_s: float

    @property
    def heal_s(self) -> float:
        return self.start_s + self.hold_s


def draw(seed: int, duration_s: float, faults: list[str] | None = None) -> list[Scheduled]:
    names = list(RESOURCES) if faults is None else faults
    unknown = [name for name in names if name not in RESOURCES]
    if unknown:
        raise ValueError(f"not a chaos fault: {', '.join(unknown)}; faults: {', '.join(RESOURCES)}")
    rng = random.Random(seed)
    free_at = dict.fromkeys(RECOVERY_S, 0.0)
    schedule: list[Scheduled] = []
    t = WARMUP_S
    while True:
        ready = [
            name
            for name in names
            if all(free_at[r] <= t for r in RESOURCES[name])
            and t + CATALOG[name].hold_s <= duration_s - TAIL_S
        ]
        if ready:
            name = rng.choice(ready)
            fault = Scheduled(round(t, 1), name, CATALOG[name].hold_s)
            schedule.append(fault)
            for resource in RESOURCES[name]:
                recovery = TILT_RECOVERY_S if name == "sentinel-tilt" else RECOVERY_S[resource]
                free_at[resource] = fault.heal_s + recovery
        t += rng.uniform(*GAP_S)
        if t > duration_s - TAIL_S:
            return schedule


def overlaps(schedule: list[Scheduled]) -> list[tuple[Scheduled, Scheduled]]:
    """Pairs of faults in place at the same time."""
    return [
        (a, b)
        for i, a in enumerate(schedule)
        for b in schedule[i + 1 :]
        if b.start_s < a.heal_s and a.start_s < b.heal_s
    ]
