"""GET /ws: one chat connection, from handshake to the last leave."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

from aiohttp import WSCloseCode, WSMsgType, web
from redis.exceptions import RedisError

from .config import ChatSettings
from .history import StoreError
from .hub import Room
from .keys import CHAT, HISTORY, HUB, LISTENER, METRICS, PRESENCE_UPDATES, SETTINGS
from .protocol import (
    PONG,
    FrameError,
    Join,
    Leave,
    Ping,
    Say,
    encode,
    error_frame,
    joined_frame,
    parse_client_frame,
    stream_id_key,
)
from .rate_limit import TokenBucket
from .session import Session, in_background

log = logging.getLogger(__name__)

# Frames up to this size are read whole so the client gets a too_large error frame before
# the close; anything larger is cut off by aiohttp itself (close code 1009).
HARD_FRAME_LIMIT = 1 << 20
ROOM_READY_TIMEOUT_S = 5.0


def origin_allowed(request: web.Request, allowed: tuple[str, ...]) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser: origin checks protect browsers' cookies, not servers
    if allowed:
        return origin in allowed
    return origin in (f"http://{request.host}", f"https://{request.host}")


class ChatConnection:
    def __init__(self, request: web.Request, ws: web.WebSocketResponse) -> None:
        app = self.app = request.app
        self.ws = ws
        self.chat: ChatSettings = app[CHAT]
        self.session = Session(
            ws, request.transport, self.chat.slow_client_bytes, app[METRICS], app[HUB].outbox
        )
        self.bucket = TokenBucket(self.chat.rate_per_sec, self.chat.rate_burst)
        self.metrics = app[METRICS]

    def error(self, code: str, message: str, client_id: str | None = None) -> None:
        self.metrics.errors[code] += 1
        self.session.send_text(error_frame(code, message, client_id))

    async def serve(self) -> None:
        async for message in self.ws:
            if message.type is WSMsgType.TEXT:
                await self.on_text(message.data)
            elif message.type is WSMsgType.BINARY:
                self.error("bad_frame", "frames must be JSON text, not binary")
            elif message.type is WSMsgType.ERROR:
                log.info("websocket error: %s", self.ws.exception())

    async def on_text(self, data: str) -> None:
        size = len(data) if len(data) * 4 <= self.chat.max_frame_bytes else len(data.encode())
        if size > self.chat.max_frame_bytes:
            self.error("too_large", f"frame is over {self.chat.max_frame_bytes} bytes")
            self.session.flush()  # the error must go out before aiohttp's close frame
            await self.ws.close(code=WSCloseCode.MESSAGE_TOO_BIG, message=b"frame too large")
            return
        try:
            frame = parse_client_frame(data, self.chat.max_text_chars)
            if not self.bucket.take():
                raise FrameError(
                    "rate_limited",
                    f"more than {self.chat.rate_per_sec:g} frames/s; slow down",
                    getattr(frame, "client_id", None),
                )
            if isinstance(frame, Join):
                await self.join(frame)
            elif isinstance(frame, Say):
                await self.say(frame)
            elif isinstance(frame, Leave):
                await self.leave(frame.room)
            elif isinstance(frame, Ping):
                self.session.send_text(PONG)
        except FrameError as refused:
            self.error(refused.code, refused.message, refused.client_id)

    async def join(self, frame: Join) -> None:
        hub, listener, history = self.app[HUB], self.app[LISTENER], self.app[HISTORY]
        room, is_new = hub.room(frame.room)
        room.begin_join(self.session)
        try:
            if is_new:
                await listener.subscribe(room)
            async with asyncio.timeout(ROOM_READY_TIMEOUT_S):
                await room.wait_ready()
            if frame.since is None:
                entries = await history.latest(frame.room, self.chat.history_on_join)
                truncated = False
            else:
                entries, truncated = await history.since(frame.room, frame.since)
        except (RedisError, OSError, TimeoutError) as error:
            room.abandon_join(self.session)
            # A failed (re-)join leaves the connection outside the room, for say too.
            self.session.rooms.pop(frame.room, None)
            self._forget_room_if_empty(room)
            raise FrameError("unavailable", f"history is not reachable now: {error!r}") from None
        seen = stream_id_key(entries[-1][0] if entries else frame.since or "0-0")
        history_frames = [message for _, message in entries]
        joined = joined_frame(frame.room, self.app[SETTINGS].node_name, history_frames, truncated)
        room.admit(self.session, frame.name, joined, seen)
        self.session.rooms[frame.room] = frame.name
        self._presence_changed(room)

    async def say(self, frame: Say) -> None:
        name = self.session.rooms.get(frame.room)
        if name is None:
            raise FrameError("not_joined", f"join {frame.room!r} before saying", frame.client_id)
        try:
            stream_id = await self.app[HISTORY].store(frame.room, name, frame.text, frame.client_id)
        except StoreError as error:
            raise FrameError("unavailable", str(error), frame.client_id) from None
        self.metrics.messages_in += 1
        self.session.send_text(
            encode({"type": "ack", "client_id": frame.client_id, "id": stream_id})
        )

    async def leave(self, room_name: str) -> None:
        if self.session.rooms.pop(room_name, None) is None:
            raise FrameError("not_joined", f"not in room {room_name!r}")
        room = self.app[HUB].rooms.get(room_name)
        if room is not None:
            room.remove(self.session)
            self._presence_changed(room)
            self._forget_room_if_empty(room)

    async def leave_all(self) -> None:
        for room_name in list(self.session.rooms):
            with contextlib.suppress(FrameError):
                await self.leave(room_name)

    def _presence_changed(self, room: Room) -> None:
        self.app[PRESENCE_UPDATES].changed(room.name)

    def _forget_room_if_empty(self, room: Room) -> None:
        if self.app[HUB].discard_if_empty(room):
            in_background(self.app[LISTENER].unsubscribe(room.name))


async def websocket_handler(request: web.Request) -> web.StreamResponse:
    chat: ChatSettings = request.app[CHAT]
    if not origin_allowed(request, chat.allowed_origins):
        raise web.HTTPForbidden(text="origin not allowed")
    ws = web.WebSocketResponse(max_msg_size=HARD_FRAME_LIMIT, heartbeat=20, compress=False)
    await ws.prepare(request)
    if request.transport is not None:
        request.transport.set_write_buffer_limits(high=2 * chat.slow_client_bytes)
        sock = request.transport.get_extra_info("socket")
        if chat.send_buffer_bytes and sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, chat.send_buffer_bytes)
    connection = ChatConnection(request, ws)
    hub = request.app[HUB]
    hub.sessions.add(connection.session)
    try:
        await connection.serve()
    except ConnectionResetError:
        pass  # the client went away (or was dropped as too slow) while we answered it
    finally:
        hub.sessions.discard(connection.session)
        await connection.leave_all()
    return ws
