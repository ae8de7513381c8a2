"""Counters and one histogram, rendered in the Prometheus text format (no client library needed)."""

from __future__ import annotations

import bisect
from collections import Counter


class Histogram:
    BUCKETS = (0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0)

    def __init__(self) -> None:
        self.counts = [0] * (len(self.BUCKETS) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(self.BUCKETS, seconds)] += 1
        self.total += seconds
        self.count += 1

    def render(self, name: str) -> list[str]:
        lines, cumulative = [], 0
        for bound, count in zip((*self.BUCKETS, "+Inf"), self.counts, strict=True):
            cumulative += count
            lines.append(f'{name}_bucket{{le="{bound}"}} {cumulative}')
        lines += [f"{name}_sum {self.total}", f"{name}_count {self.count}"]
        return lines


class Metrics:
    def __init__(self) -> None:
        self.messages_in = 0
        self.messages_out = 0
        self.duplicates_suppressed = 0
        self.replayed = 0
        self.redis_reconnects = 0
        self.failovers_seen = 0
        self.errors: Counter[str] = Counter()
        self.fanout_seconds = Histogram()

    def render(self, connections: int, rooms: int) -> str:
        gauges = {
            "datchat_connections": ("gauge", "Open websocket connections", connections),
            "datchat_rooms": ("gauge", "Rooms with members on this node", rooms),
            "datchat_messages_in_total": ("counter", "Messages stored", self.messages_in),
            "datchat_messages_out_total": ("counter", "Frames delivered", self.messages_out),
            "datchat_duplicates_suppressed_total": (
                "counter",
                "Messages dropped as already delivered",
                self.duplicates_suppressed,
            ),
            "datchat_replayed_total": (
                "counter",
                "Messages delivered from the stream after a reconnect",
                self.replayed,
            ),
            "datchat_redis_reconnects_total": (
                "counter",
                "Pub/sub listener reconnects",
                self.redis_reconnects,
            ),
            "datchat_failovers_seen_total": (
                "counter",
                "Redis master changes seen",
                self.failovers_seen,
            ),
        }
        lines = []
        for name, (kind, text, value) in gauges.items():
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", f"{name} {value}"]
        lines += [
            "# HELP datchat_errors_total Error frames sent, by code",
            "# TYPE datchat_errors_total counter",
        ]
        lines += [f'datchat_errors_total{{code="{c}"}} {n}' for c, n in sorted(self.errors.items())]
        lines += [
            "# HELP datchat_fanout_seconds Time to write one message to all local members",
            "# TYPE datchat_fanout_seconds histogram",
        ]
        lines += self.fanout_seconds.render("datchat_fanout_seconds")
        return "\n".join(lines) + "\n"
