"""Whether HAProxy should route to this node: it can store and deliver, or could until a moment ago.

HAProxy takes a node that answers /readyz 503 out of its backend and cuts that node's
websockets (on-marked-down shutdown-sessions, so that a hung node's clients move on). During a
Redis failover every node loses Redis at once: all of them went DOWN, every websocket was cut,
and the clients came back only once the checks rose again, although each node would have stored
and delivered again as soon as it followed the new master. A node stays ready for
`ready_grace_s` after it was last healthy: a failover shorter than that cuts no websocket, and a
node cut off from Redis for longer leaves the backend. A node that was never healthy (just
started) is not ready, and a draining node is never ready.
"""

from __future__ import annotations

import time


class Readiness:
    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self.last_healthy: float | None = None

    def ready(self, healthy: bool, draining: bool, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if healthy:
            self.last_healthy = now
        if draining:
            return False
        return healthy or (
            self.last_healthy is not None and now - self.last_healthy <= self.grace_s
        )

    def unhealthy_for_s(self, now: float | None = None) -> float | None:
        """Seconds since the node was last healthy; None if it never was."""
        if self.last_healthy is None:
            return None
        return (time.monotonic() if now is None else now) - self.last_healthy
