"""Local rooms of one node, the join handshake into them, and the fan-out of frames."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from .metrics import Metrics
from .protocol import stream_id_key
from .session import Outbox, Session
from .wire import text_frame

StreamKey = tuple[int, int]


class Room:
    """A room with local members, and the join handshake that lets a new member read the
    history while live messages keep arriving, without losing or doubling one.

    A joiner is pending while its history is read: what the listener delivers meanwhile is
    buffered for it, and admit() sends the history, then the buffer minus what the history
    already held, then makes it a member. The state is private: every other class goes
    through these methods, so that the handshake's invariants live in one place.
    """

    __slots__ = ("_last_id", "_members", "_pending", "_ready", "_skip_until", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._members: dict[Session, str] = {}
        self._pending: dict[Session, list[tuple[StreamKey, bytes]]] = {}
        # New members whose history already reached further than the listener has delivered.
        self._skip_until: dict[Session, StreamKey] = {}
        # Highest message id this node delivered in the room: replay after a reconnect
        # starts there and anything at or below it is a duplicate.
        self._last_id: StreamKey | None = None
        # Resolved by the listener once the room's messages flow to this node.
        self._ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def names(self) -> list[str]:
        return list(self._members.values())

    @property
    def has_members(self) -> bool:
        return bool(self._members)

    @property
    def empty(self) -> bool:
        return not self._members and not self._pending

    # The join handshake, driven by the websocket connection.

    def begin_join(self, session: Session) -> None:
        """Buffer live messages for session from now on; a repeated join starts over, with
        no live delivery until its new history is out."""
        self._members.pop(session, None)
        self._skip_until.pop(session, None)
        self._pending.setdefault(session, [])

    async def wait_ready(self) -> None:
        """Wait until the listener delivers this room."""
        # shield: one joiner giving up must not cancel the future every joiner waits on.
        await asyncio.shield(self._ready)

    def abandon_join(self, session: Session) -> None:
        self._pending.pop(session, None)

    def admit(self, session: Session, name: str, joined: str, seen: StreamKey) -> None:
        """Finish a join: send the joined frame (history up to seen), then what was buffered
        after seen, then deliver live. No await in between, so no delivery falls in a gap."""
        buffered = self._pending.pop(session, [])
        session.send_text(joined)
        for key, live in buffered:
            if key > seen:
                session.send(live)
        self._members[session] = name
        if self._last_id is None or self._last_id < seen:
            # The history read got ahead of the listener: what it still delivers up to
            # `seen` this member already has.
            self._skip_until[session] = seen

    def remove(self, session: Session) -> None:
        self._members.pop(session, None)
        self._skip_until.pop(session, None)

    # Delivery, driven by the listener through the hub.

    @property
    def is_ready(self) -> bool:
        return self._ready.done()

    @property
    def delivered_up_to(self) -> StreamKey | None:
        """The newest id delivered here; None while the room has not started live delivery."""
        return self._last_id

    def start_live_after(self, key: StreamKey) -> None:
        """For a room new on this node: messages up to key are history, its joiners read it."""
        self._last_id = key

    def mark_ready(self) -> None:
        if not self._ready.done():
            self._ready.set_result(None)

    def is_duplicate(self, key: StreamKey) -> bool:
        return self._last_id is not None and key <= self._last_id

    def accept(self, key: StreamKey, framed: bytes) -> Iterable[Session]:
        """Record a new message: buffer it for joiners, return the members it goes to now."""
        self._last_id = key
        for buffered in self._pending.values():
            buffered.append((key, framed))
        if not self._skip_until:
            return self._members
        # Rare: only right after a join that outran the listener.
        skip = self._skip_until
        recipients = [s for s in self._members if s not in skip or key > skip[s]]
        self._skip_until = {s: upto for s, upto in skip.items() if key < upto}
        return recipients

    def member_sessions(self) -> Iterable[Session]:
        return self._members


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
        if room.is_duplicate(key):
            self.metrics.duplicates_suppressed += 1
            return False
        # Framed once here, for every member and every joiner's buffer.
        framed = text_frame(frame)
        recipients = room.accept(key, framed)
        started = time.perf_counter()
        sent = self._send_all(recipients, framed)
        self.metrics.fanout_seconds.observe(time.perf_counter() - started)
        self.metrics.messages_out += sent
        return True

    def deliver_presence(self, room_name: str, frame: str) -> None:
        room = self.rooms.get(room_name)
        if room is not None:
            self._send_all(room.member_sessions(), text_frame(frame))

    def _send_all(self, sessions: Iterable[Session], framed: bytes) -> int:
        # A plain loop, not a task per socket: Session.send only queues and never waits on
        # a reader. list() because a send that drops a slow socket may change membership.
        sent = 0
        for session in list(sessions):
            if session.send(framed):
                sent += 1
        return sent
