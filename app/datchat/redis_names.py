"""Every Redis key, channel, stream field and pub/sub payload tag the app uses, in one place.

Drills and operators read these names directly (README, "Redis layout"), and every node of a
cluster must agree on them, so renaming one is a breaking change for the whole deployment.
The Lua scripts receive them through KEYS and ARGV and spell none of them themselves.
"""

from __future__ import annotations

CHANNEL_PREFIX = "room:"

# Always subscribed by every listener, so that it holds a live connection (and notices its
# loss) even while no room has local members. Nothing is published on it today.
CONTROL_CHANNEL = "datchat:nodes"

# The field of a history stream entry that holds the message body (protocol.message_body).
BODY_FIELD = "b"

# A pub/sub payload is "<tag>\n<websocket frame>": the tag is the stream id of a message, or
# PRESENCE_TAG for a member list. Ids never equal it, so the tag alone tells the two apart.
PAYLOAD_SEPARATOR = "\n"
PRESENCE_TAG = "p"
PRESENCE_PAYLOAD_HEAD = PRESENCE_TAG + PAYLOAD_SEPARATOR

# An instance's liveness key is these two around its instance id. The presence script builds
# other instances' keys from the hash it reads, so it gets the two parts, not whole names.
ALIVE_KEY_PARTS = ("instance:", ":alive")


def channel(room: str) -> str:
    """The pub/sub channel of a room's messages and presence updates."""
    return f"{CHANNEL_PREFIX}{room}"


def room_of_channel(name: str) -> str:
    return name.removeprefix(CHANNEL_PREFIX)


def stream_key(room: str) -> str:
    """The stream that is a room's history."""
    return f"room:{room}:history"


def said_key(room: str, client_id: str) -> str:
    """Remembers the id a client_id was stored under, so that a retry is stored once."""
    return f"room:{room}:said:{client_id}"


def presence_key(room: str) -> str:
    """The hash of a room's members: one field per instance, its names as a JSON list."""
    return f"room:{room}:presence"


def instance_alive_key(instance: str) -> str:
    """Exists while the instance refreshes it; a killed node's names expire with it."""
    before, after = ALIVE_KEY_PARTS
    return f"{before}{instance}{after}"


def split_payload(data: str) -> tuple[str, str]:
    """(tag, frame) of a pub/sub payload."""
    tag, _, frame = data.partition(PAYLOAD_SEPARATOR)
    return tag, frame
