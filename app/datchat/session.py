"""One websocket connection's outgoing side: an outbox that writes frames in batches and
drops a reader that falls too far behind."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from aiohttp import web

from .metrics import Metrics
from .protocol import error_frame
from .wire import text_frame

# Strong references to fire-and-forget tasks, which asyncio would otherwise let the GC collect.
_background: set[asyncio.Task] = set()


def in_background(coro: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)


class Session:
    """One websocket connection: the rooms it joined (with the name used in each), and its
    outbox, which every frame we send passes through so that their order is kept.

    Frames are queued and written once per event-loop pass (Outbox.flush_all): a burst of
    messages to one socket costs one write() call instead of one each.
    """

    __slots__ = (
        "dropped", "metrics", "outbox", "queued", "queued_bytes", "rooms",
        "slow_limit", "transport", "ws",
    )  # fmt: skip

    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport | None,
        slow_limit: int,
        metrics: Metrics,
        outbox: Outbox,
    ) -> None:
        self.ws = ws
        self.rooms: dict[str, str] = {}
        # The request's transport (None once the client is gone): frames are written to it
        # directly, and its buffer size is what tells a slow reader.
        self.transport = transport
        self.slow_limit = slow_limit
        self.dropped = False
        self.metrics = metrics
        self.outbox = outbox
        self.queued: list[bytes] = []
        self.queued_bytes = 0

    def send(self, frame: bytes) -> bool:
        """Queue a framed message (wire.text_frame) without ever waiting on a slow reader.

        A socket whose unsent bytes (ours plus the transport's) pass slow_limit is dropped.
        """
        transport = self.transport
        if self.dropped or transport is None or transport.is_closing() or self.ws.closed:
            return False
        if transport.get_write_buffer_size() + self.queued_bytes > self.slow_limit:
            self.drop()
            return False
        if not self.queued:
            self.outbox.schedule(self)
        self.queued.append(frame)
        self.queued_bytes += len(frame)
        return True

    def send_text(self, payload: str) -> bool:
        return self.send(text_frame(payload))

    def flush(self) -> None:
        """Write what is queued now (before a close frame, which aiohttp writes directly)."""
        if self.queued:
            transport = self.transport
            if not self.dropped and transport is not None and not transport.is_closing():
                transport.write(b"".join(self.queued))
            self.queued.clear()
            self.queued_bytes = 0

    def drop(self) -> None:
        self.dropped = True
        self.queued.clear()
        self.queued_bytes = 0
        self.metrics.errors["too_slow"] += 1
        if self.transport is not None and not self.transport.is_closing():
            in_background(self._close_slow())

    async def _close_slow(self) -> None:
        try:
            await self.ws.send_str(
                error_frame("too_slow", "this connection fell too far behind and is dropped")
            )
            await asyncio.wait_for(self.ws.close(code=1008, message=b"too slow"), 2)
        except (TimeoutError, ConnectionError, RuntimeError):
            pass
        if self.transport is not None:
            self.transport.abort()


class Outbox:
    """Sessions with queued frames, all written in one callback at the end of this loop pass."""

    def __init__(self) -> None:
        self.waiting: list[Session] = []

    def schedule(self, session: Session) -> None:
        if not self.waiting:
            asyncio.get_running_loop().call_soon(self.flush_all)
        self.waiting.append(session)

    def flush_all(self) -> None:
        waiting, self.waiting = self.waiting, []
        for session in waiting:
            session.flush()
