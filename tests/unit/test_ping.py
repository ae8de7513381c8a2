"""ping -> pong: how a browser, which cannot send websocket pings, checks a quiet socket."""

from __future__ import annotations


async def test_ping_is_answered_before_and_after_a_join(make_node):
    node = await make_node("app1")
    alice = await node.connect()

    await alice.send({"type": "ping"})
    assert await alice.expect("pong") == {"type": "pong"}

    await alice.join("lobby", "alice")
    await alice.send({"type": "ping", "client_id": "ignored"})
    assert await alice.expect("pong") == {"type": "pong"}
