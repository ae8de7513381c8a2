"""Local rooms and sockets of one node, and the fan-out of frames to them."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Iterable
from typing import Any

from aiohttp import web

from .metrics import Metrics
from .protocol import error_frame, stream_id_key
from .wire import text_frame

log = logging.getLogger(__name__)

StreamKey = tuple[int, int]

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
        self, ws: web.WebSocketResponse, slow_limit: int, metrics: Metrics, outbox: Outbox
    ) -> None:
        self.ws = ws
        self.rooms: dict[str, str] = {}
        self.transport = ws._req.transport if ws._req is not None else None
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


class Room:
    """A room with local members; pending holds joiners whose history is still being read."""

    __slots__ = ("last_id", "members", "name", "pending", "ready", "skip_until")

    def __init__(self, name: str) -> None:
        self.name = name
        self.members: dict[Session, str] = {}
        self.pending: dict[Session, list[tuple[StreamKey, bytes]]] = {}
        # New members whose history already reached further than the listener has delivered.
        self.skip_until: dict[Session, StreamKey] = {}
        # Highest message id this node delivered in the room: replay after a reconnect
        # starts there and anything at or below it is a duplicate.
        self.last_id: StreamKey | None = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def names(self) -> list[str]:
        return list(self.members.values())

    @property
    def empty(self) -> bool:
        return not self.members and not self.pending


class Hub:
    def __init__(self, metrics: Metrics) -> None:
        self.rooms: dict[str, Room] = {}
        self.sessions: set[Session] = set()
        self.metrics = metrics
        self.outbox = Outbox()

    def room(self, name: str) -> tuple[Room, bool]:
        """The room, and whether it is new on this node (then it needs a subscription)."""
        room = self.rooms.get(name)
        if room is not None:
            return room, False
        room = self.rooms[name] = Room(name)
        return room, True

    def discard_if_empty(self, room: Room) -> bool:
        if room.empty and self.rooms.get(room.name) is room:
            del self.rooms[room.name]
            return True
        return False

    def deliver_message(self, room_name: str, stream_id: str, frame: str) -> bool:
        """Send a stored message to local members once; False when it was a duplicate."""
        room = self.rooms.get(room_name)
        if room is None:
            return False
        key = stream_id_key(stream_id)
        if room.last_id is not None and key <= room.last_id:
            self.metrics.duplicates_suppressed += 1
            return False
        room.last_id = key
        # Framed once here, for every member and every joiner's buffer.
        framed = text_frame(frame)
        for buffered in room.pending.values():
            buffered.append((key, framed))
        recipients: Iterable[Session] = room.members
        if room.skip_until:  # rare: only right after a join that outran the listener
            skip = room.skip_until
            recipients = [s for s in room.members if s not in skip or key > skip[s]]
            room.skip_until = {s: upto for s, upto in room.skip_until.items() if key < upto}
        started = time.perf_counter()
        sent = self._send_all(recipients, framed)
        self.metrics.fanout_seconds.observe(time.perf_counter() - started)
        self.metrics.messages_out += sent
        return True

    def deliver_presence(self, room_name: str, frame: str) -> None:
        room = self.rooms.get(room_name)
        if room is not None:
            self._send_all(room.members, text_frame(frame))

    def _send_all(self, sessions: Iterable[Session], framed: bytes) -> int:
        # A plain loop, not a task per socket: Session.send only queues and never waits on
        # a reader. list() because a send that drops a slow socket may change membership.
        sent = 0
        for session in list(sessions):
            if session.send(framed):
                sent += 1
        return sent
