"""Every error code is produced, and the connection (and everyone else's) survives it."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from .chat_client import ChatClient


@pytest.fixture
async def alice(make_node) -> ChatClient:
    node = await make_node("app1")
    client = await node.connect()
    await client.join("lobby", "alice")
    await client.expect("presence")
    return client


async def still_works(client: ChatClient) -> None:
    ack = await client.say("lobby", "still here")
    assert ack["type"] == "ack"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_frame"),
        ('{"type": "dance"}', "bad_frame"),
        ('{"type": "say", "room": "lobby", "text": "no id"}', "bad_frame"),
        ('{"type": "say", "room": "lobby", "text": 5, "client_id": "x"}', "bad_frame"),
        ('{"type": "say", "room": "lobby", "text": "\\ud800", "client_id": "x"}', "bad_frame"),
        ('{"type": "join", "room": "lobby", "name": "a", "since": "yesterday"}', "bad_frame"),
        ('{"type": "join", "room": "Lobby!", "name": "alice"}', "bad_room"),
        ('{"type": "join", "room": "lobby", "name": ""}', "bad_name"),
        ('{"type": "join", "room": "lobby", "name": "x\\u0000y"}', "bad_name"),
        ('{"type": "join", "room": "lobby", "name": "' + "n" * 33 + '"}', "bad_name"),
        ('{"type": "say", "room": "elsewhere", "text": "hi", "client_id": "x"}', "not_joined"),
        ('{"type": "leave", "room": "elsewhere"}', "not_joined"),
    ],
)
async def test_bad_frame_gets_error_and_connection_stays_open(alice, raw, code):
    await alice.ws.send_str(raw)

    error = await alice.expect("error")

    assert error["code"] == code
    assert error["message"]
    await still_works(alice)


async def test_text_over_max_chars_is_too_large_but_keeps_the_connection(make_node):
    node = await make_node("app1", max_text_chars=10)
    alice = await node.connect()
    await alice.join("lobby", "alice")

    error = await alice.say("lobby", "x" * 11, "long")

    assert (error["code"], error["client_id"]) == ("too_large", "long")
    await still_works(alice)


async def test_frame_over_max_bytes_gets_error_then_close_and_others_go_on(make_node):
    node = await make_node("app1", max_frame_bytes=1000)
    alice, bob = await node.connect(), await node.connect()
    await alice.join("lobby", "alice")
    await bob.join("lobby", "bob")

    await alice.ws.send_str(json.dumps({"type": "say", "room": "lobby", "text": "é" * 600}))

    assert (await alice.expect("error"))["code"] == "too_large"
    closing = await alice.ws.receive(timeout=5)
    assert closing.type is aiohttp.WSMsgType.CLOSE
    assert closing.data == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    await still_works(bob)


async def test_binary_frame_is_bad_frame(alice):
    await alice.ws.send_bytes(b"\xff\xfe")
    assert (await alice.expect("error"))["code"] == "bad_frame"
    await still_works(alice)


async def answers(client: ChatClient, client_ids: list[str]) -> list[dict]:
    """The ack or error frame for each client_id, in the order of client_ids; other frames
    stay in the inbox."""
    found: dict[str, dict] = {}
    while True:
        for frame in client.inbox:
            if frame["type"] in ("ack", "error") and frame.get("client_id") in client_ids:
                found[frame["client_id"]] = frame
        client.inbox = [frame for frame in client.inbox if frame not in found.values()]
        if len(found) == len(client_ids):
            return [found[client_id] for client_id in client_ids]
        client.inbox.append(await client.receive())


async def test_rate_limit_refuses_excess_frames_then_recovers(make_node):
    # One token a second: the node takes the whole burst below within milliseconds, so only
    # a stall of a second could refill the bucket before the burst has spent it.
    node = await make_node("app1", rate_per_sec=1, rate_burst=3)
    alice = await node.connect()
    await alice.join("lobby", "alice")  # uses one token
    burst = [f"c{n}" for n in range(4)]
    # Sent without waiting for answers: the round trip's duration cannot refill the bucket.
    for client_id in burst:
        await alice.send({"type": "say", "room": "lobby", "text": "hi", "client_id": client_id})

    got = await answers(alice, burst)

    assert [a["type"] for a in got] == ["ack", "ack", "error", "error"]
    assert [a["code"] for a in got[2:]] == ["rate_limited", "rate_limited"]
    await asyncio.sleep(1.1)  # 1/s refills one token
    await still_works(alice)


async def test_wait_not_satisfied_is_unavailable_not_ack(make_node):
    # No replica exists, so WAIT 1 can never be satisfied.
    node = await make_node("app1", ack_replicas=1, ack_timeout_ms=100)
    alice = await node.connect()
    await alice.join("lobby", "alice")

    error = await alice.say("lobby", "unreplicated", "w1")

    assert (error["code"], error["client_id"]) == ("unavailable", "w1")
    assert "replica" in error["message"]


async def test_foreign_origin_is_refused_and_same_origin_accepted(make_node):
    node = await make_node("app1")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await node.client.ws_connect("/ws", headers={"Origin": "http://evil.example"})
    assert refused.value.status == 403
    host = f"{node.client.host}:{node.client.port}"
    same = await node.connect(headers={"Origin": f"http://{host}"})
    await same.join("lobby", "alice")


async def test_allowed_origins_list_is_honoured(make_node):
    node = await make_node("app1", allowed_origins=("https://chat.example",))
    ok = await node.connect(headers={"Origin": "https://chat.example"})
    await ok.join("lobby", "alice")
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await node.client.ws_connect("/ws", headers={"Origin": "https://other.example"})
