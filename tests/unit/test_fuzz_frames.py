"""Arbitrary frames at the socket: the node never crashes and other clients are unaffected."""

from __future__ import annotations

import json

import pytest
from aiohttp import WSMsgType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MAX_FRAME_BYTES = 2048

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
shaped_frames = st.fixed_dictionaries(
    {"type": st.sampled_from(["join", "say", "leave", "dance", ""])},
    optional={
        "room": st.sampled_from(["lobby", "", "LOBBY", "a" * 33]) | json_values,
        "name": st.text(max_size=40) | json_values,
        "text": st.text(max_size=60) | json_values,
        "client_id": st.text(max_size=70) | json_values,
        "since": st.sampled_from([None, "0-0", "1-1", "nope"]) | json_values,
    },
).map(lambda frame: ("text", json.dumps(frame)))
frames = st.one_of(
    shaped_frames,
    st.text(max_size=300).map(lambda text: ("text", text)),
    json_values.map(lambda value: ("text", json.dumps(value))),
    st.binary(max_size=300).map(lambda data: ("binary", data)),
    # Text frames that are not UTF-8: the RFC requires the server to close these (1007).
    st.binary(min_size=1, max_size=50)
    .filter(_not_utf8 := lambda b: not _is_utf8(b))
    .map(lambda data: ("raw-text", data)),
    st.integers(MAX_FRAME_BYTES + 1, 4 * MAX_FRAME_BYTES).map(lambda n: ("text", "x" * n)),
)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class Fuzzer:
    def __init__(self, node) -> None:
        self.node = node
        self.victim = None

    async def send(self, kind: str, payload) -> None:
        if self.victim is None or self.victim.ws.closed:
            self.victim = await self.node.connect()
        ws = self.victim.ws
        if kind == "text":
            await ws.send_str(payload)
        elif kind == "binary":
            await ws.send_bytes(payload)
        else:
            await ws._writer.send_frame(payload, WSMsgType.TEXT)
        # Read whatever comes back (or the close) so the next example starts clean.
        try:
            while True:
                message = await ws.receive(timeout=0.05)
                if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR):
                    break
        except TimeoutError:
            pass


@pytest.fixture
async def target(make_node):
    """One node, one observer and one fuzzing socket, shared by every example."""
    node = await make_node(
        "app1", max_frame_bytes=MAX_FRAME_BYTES, rate_per_sec=1e6, rate_burst=1_000_000
    )
    observer = await node.connect()
    await observer.join("lobby", "observer")
    fuzzer = Fuzzer(node)
    yield node, observer, fuzzer
    # After every example: the node still serves, the observer still talks.
    assert (await node.client.get("/readyz")).status == 200
    ack = await observer.say("lobby", "still fine")
    assert ack["type"] == "ack"
    assert (await observer.expect("message", id=ack["id"]))["text"] == "still fine"
    fresh = await node.connect()
    assert (await fresh.join("lobby", "newcomer"))["room"] == "lobby"


@settings(
    max_examples=300,
    deadline=None,
    # The node is shared on purpose: state left by one example must not break the next.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(frame=frames)
async def test_arbitrary_frames_never_break_the_node_or_other_clients(target, frame):
    _, observer, fuzzer = target
    await fuzzer.send(*frame)
    ack = await observer.say("lobby", "between examples")
    assert ack["type"] == "ack"
