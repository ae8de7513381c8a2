"""The websocket protocol: client frames in, validated; server frames out, as JSON text.

Message frames are built by string concatenation around a JSON body that is encoded once
when the message is said; the Redis script, the live fan-out and history replay all use
the same shape, so a stored message is never decoded and re-encoded on its way out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

ROOM_PATTERN = re.compile(r"[a-z0-9-]{1,32}\Z")
STREAM_ID_PATTERN = re.compile(r"\d{1,20}-\d{1,20}\Z")
MAX_NAME_CHARS = 32
MAX_CLIENT_ID_CHARS = 64

# A message frame is MESSAGE_PREFIX, its id, MESSAGE_ID_END, then its body. The store script
# assembles the same frame, because the id exists only once Redis has stored the message.
MESSAGE_PREFIX = '{"type":"message","id":"'
MESSAGE_ID_END = '",'


class FrameError(Exception):
    """A client frame that is refused; becomes an error frame, the connection stays open."""

    def __init__(self, code: str, message: str, client_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.client_id = client_id


@dataclass(frozen=True)
class Join:
    room: str
    name: str
    since: str | None


@dataclass(frozen=True)
class Say:
    room: str
    text: str
    client_id: str


@dataclass(frozen=True)
class Leave:
    room: str


@dataclass(frozen=True)
class Ping:
    """Answered by PONG at once: lets a browser, which cannot send websocket pings, tell a
    silent connection (an LB that vanished, a frozen node) from a quiet room."""


ClientFrame = Join | Say | Leave | Ping


def stream_id_key(stream_id: str) -> tuple[int, int]:
    """Order of Redis stream ids: milliseconds, then sequence number."""
    millis, _, sequence = stream_id.partition("-")
    return int(millis), int(sequence or 0)


def message_body(room: str, name: str, text: str, ts: int, client_id: str) -> str:
    """The part of a message frame that follows its id (stored in the stream as is)."""
    body = json.dumps(
        {"room": room, "name": name, "text": text, "ts": ts, "client_id": client_id},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return body[1:]


def message_frame(stream_id: str, body: str) -> str:
    return f"{MESSAGE_PREFIX}{stream_id}{MESSAGE_ID_END}{body}"


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


PONG = encode({"type": "pong"})


def error_frame(code: str, message: str, client_id: str | None = None) -> str:
    return encode({"type": "error", "code": code, "message": message, "client_id": client_id})


def joined_frame(room: str, node: str, history: list[str], truncated: bool) -> str:
    head = encode({"type": "joined", "room": room, "node": node, "truncated": truncated})
    return f'{head[:-1]},"history":[{",".join(history)}]}}'


def presence_frame_parts(room: str) -> tuple[str, str]:
    """A presence frame before and after its member list. The presence script puts the list
    between the two, since only it sees the members of every node."""
    return f'{{"type":"presence","room":{json.dumps(room)},"members":', "}"


def _field(frame: dict[str, Any], key: str, code: str, client_id: str | None) -> Any:
    if key not in frame:
        raise FrameError(code, f"missing field {key!r}", client_id)
    return frame[key]


def _room(frame: dict[str, Any], client_id: str | None = None) -> str:
    room = _field(frame, "room", "bad_room", client_id)
    if not isinstance(room, str) or not ROOM_PATTERN.match(room):
        raise FrameError("bad_room", "room must match [a-z0-9-]{1,32}", client_id)
    return room


def valid_name(name: object) -> bool:
    return (
        isinstance(name, str)
        and 1 <= len(name) <= MAX_NAME_CHARS
        and name.isprintable()
        and not name.isspace()
    )


def _encodable(text: str) -> bool:
    # JSON may carry lone surrogates (\ud800) that no UTF-8 websocket frame can hold.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_client_frame(text: str, max_text_chars: int) -> ClientFrame:
    """Validate one client frame; raise FrameError with the code the client should see."""
    try:
        frame = json.loads(text)
    except ValueError as error:
        raise FrameError("bad_json", f"frame is not JSON: {error}") from None
    if not isinstance(frame, dict):
        raise FrameError("bad_frame", "frame must be a JSON object")
    client_id = frame.get("client_id")
    if client_id is not None and not (
        isinstance(client_id, str)
        and 0 < len(client_id) <= MAX_CLIENT_ID_CHARS
        and client_id.isprintable()
    ):
        raise FrameError("bad_frame", f"client_id must be 1-{MAX_CLIENT_ID_CHARS} characters")
    kind = frame.get("type")
    if kind == "join":
        room = _room(frame)
        name = _field(frame, "name", "bad_name", None)
        if not valid_name(name):
            raise FrameError("bad_name", f"name must be 1-{MAX_NAME_CHARS} printable characters")
        since = frame.get("since")
        if since is not None and not (isinstance(since, str) and STREAM_ID_PATTERN.match(since)):
            raise FrameError("bad_frame", "since must be null or a message id like 1700000000000-0")
        return Join(room, name, since)
    if kind == "say":
        if client_id is None:
            raise FrameError("bad_frame", "say needs a client_id")
        room = _room(frame, client_id)
        text = _field(frame, "text", "bad_frame", client_id)
        if not isinstance(text, str) or not text:
            raise FrameError("bad_frame", "text must be a non-empty string", client_id)
        if not _encodable(text):
            raise FrameError("bad_frame", "text is not valid Unicode (lone surrogate)", client_id)
        if len(text) > max_text_chars:
            raise FrameError("too_large", f"text is over {max_text_chars} characters", client_id)
        return Say(room, text, client_id)
    if kind == "leave":
        return Leave(_room(frame))
    if kind == "ping":
        return Ping()
    raise FrameError("bad_frame", "type must be one of join, say, leave, ping", client_id)
