"""How the load generator speaks to each server: our /ws protocol and Socket.IO (Engine.IO 4)."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    name: str
    path: str
    # Frames that start with these bytes are, in order: a chat message, the answer to a join.
    message_prefix: bytes
    joined_prefix: bytes
    # Sent once the upgrade is done, and the frame that says the session is open (or empty).
    hello: str
    hello_reply_prefix: bytes
    # Engine.IO pings at the application level; the client must answer or be dropped.
    app_ping: bytes
    app_pong: str

    def join(self, room: str, name: str) -> str:
        if self.name == "ours":
            return json.dumps({"type": "join", "room": room, "name": name})
        return "421" + json.dumps(["join", room])

    def say(self, room: str, text: str, client_id: str) -> str:
        if self.name == "ours":
            return json.dumps({"type": "say", "room": room, "text": text, "client_id": client_id})
        # Acked like ours (ack id 2): the server answers every say.
        return "422" + json.dumps(["say", {"room": room, "text": text}])


OURS = Dialect(
    name="ours",
    path="/ws",
    message_prefix=b'{"type":"message"',
    joined_prefix=b'{"type":"joined"',
    hello="",
    hello_reply_prefix=b"",
    app_ping=b"",
    app_pong="",
)

SOCKETIO = Dialect(
    name="socketio",
    path="/socket.io/?EIO=4&transport=websocket",
    message_prefix=b'42["message"',
    joined_prefix=b"431",
    hello="40",
    hello_reply_prefix=b"40",
    app_ping=b"2",
    app_pong="3",
)

DIALECTS = {dialect.name: dialect for dialect in (OURS, SOCKETIO)}

TEXT_FIELD = b'"text":"'


def sent_at_ns(frame: bytes) -> int:
    """The send time the load generator wrote at the start of a message's text."""
    start = frame.index(TEXT_FIELD) + len(TEXT_FIELD)
    end = start
    while 48 <= frame[end] <= 57:
        end += 1
    return int(frame[start:end])
