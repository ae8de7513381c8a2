"""Waiting during a rollout for a state on a host: polled at a fixed interval, with a limit."""

from __future__ import annotations

import time
from collections.abc import Callable


def poll_until(done: Callable[[], bool], timeout_s: float, poll_s: float) -> float | None:
    """Seconds until done() held, or None when it did not within timeout_s."""
    started = time.monotonic()
    while not done():
        if time.monotonic() - started > timeout_s:
            return None
        time.sleep(poll_s)
    return time.monotonic() - started
