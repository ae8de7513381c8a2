"""What a node does when Redis goes away and comes back: refuse honestly, then replay the gap."""

from __future__ import annotations

import asyncio

import pytest

from datchat.config import RedisSettings
from datchat.keys import HUB, LISTENER, METRICS

from .conftest import wait_ready
from .redis_processes import APP_USER, RedisProcess

UNLIMITED = {"rate_per_sec": 1e6, "rate_burst": 1_000_000}


@pytest.fixture
def private_redis(tmp_path):
    server = RedisProcess(tmp_path, "private").start()
    yield server
    server.stop()


async def test_node_with_redis_down_is_not_ready_and_refuses_to_ack(make_node, private_redis):
    node = await make_node("app1", redis=RedisSettings(url=private_redis.app_url()))
    alice = await node.connect()
    await alice.join("lobby", "alice")

    private_redis.kill()

    error = await alice.say("lobby", "lost?", "u1")
    assert (error["code"], error["client_id"]) == ("unavailable", "u1")
    readyz = await node.client.get("/readyz")
    assert readyz.status == 503
    assert (await readyz.json())["redis"] == "down"


async def test_a_node_that_was_healthy_stays_ready_while_redis_is_away_within_its_grace(
    make_node, private_redis
):
    # A Redis failover takes every node's Redis away at once: within the grace, HAProxy keeps
    # the nodes and their websockets, and a say is refused honestly all the same.
    node = await make_node(
        "app1", redis=RedisSettings(url=private_redis.app_url()), ready_grace_s=30
    )
    alice = await node.connect()
    await alice.join("lobby", "alice")
    private_redis.kill()
    error = await alice.say("lobby", "lost?", "u1")
    assert error["code"] == "unavailable"
    readyz = await node.client.get("/readyz")
    body = await readyz.json()
    assert (readyz.status, body["redis"]) == (200, "down"), body
    assert 0 <= body["unhealthy_for_s"] < 30


async def test_listener_gap_is_replayed_exactly_once_in_order(make_node, redis_server):
    listener_node = await make_node("app1")
    talker_node = await make_node("app2", **UNLIMITED)
    alice = await listener_node.connect()
    await alice.join("lobby", "alice")
    bob = await talker_node.connect()
    await bob.join("lobby", "bob")
    before = [(await bob.say("lobby", f"before{n}"))["id"] for n in range(3)]

    # Cut only the listeners' pub/sub connections and keep them from coming back until the
    # gap exists: the app's user is off, so new connections cannot log in; established ones
    # stay logged in.
    with redis_server.client() as admin:
        admin.ping()
        admin.execute_command("ACL", "SETUSER", APP_USER, "off")
        admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        try:
            gap = [(await bob.say("lobby", f"gap{n}"))["id"] for n in range(10)]
            readyz = await listener_node.client.get("/readyz")
            assert (await readyz.json())["listener"] == "down"
        finally:
            admin.execute_command("ACL", "SETUSER", APP_USER, "on")
    await wait_ready(listener_node.client)
    after = [(await bob.say("lobby", f"after{n}"))["id"] for n in range(3)]

    await alice.drain(quiet=0.5)
    got = [m["id"] for m in alice.messages()]
    assert got == before + gap + after
    assert listener_node.app[METRICS].replayed >= len(gap)


async def test_room_joined_while_listener_is_down_is_subscribed_on_reconnect(
    make_node, redis_server
):
    node = await make_node("app1")
    other = await make_node("app2")
    listener, hub = node.app[LISTENER], node.app[HUB]
    alice = await node.connect()
    loop = asyncio.get_running_loop()
    with redis_server.client() as admin:
        admin.ping()
        # As in the gap test: the listener is kept out until its user is on again.
        admin.execute_command("ACL", "SETUSER", APP_USER, "off")
        try:
            admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
            deadline = loop.time() + 10
            while listener.healthy:
                assert loop.time() < deadline, "the listener never noticed the outage"
                await asyncio.sleep(0.01)
            await alice.send({"type": "join", "room": "late", "name": "alice", "since": None})
            while "late" not in hub.rooms:
                assert loop.time() < deadline, "the join never reached the node"
                await asyncio.sleep(0.01)

            # The join arrived while the listener was down (and its user being off keeps it so).
            assert not listener.healthy
        finally:
            admin.execute_command("ACL", "SETUSER", APP_USER, "on")
    await alice.expect("joined", room="late")
    assert listener.healthy
    bob = await other.connect()
    await bob.join("late", "bob")

    ack = await bob.say("late", "can you hear me")

    assert (await alice.expect("message"))["id"] == ack["id"]


async def test_a_reconnect_asked_for_while_the_listener_is_busy_still_replays_the_gap(
    make_node, redis_server
):
    """watch_master asks for a reconnect (the master moved) while the listener is not reading,
    e.g. still delivering: redis-py would reconnect and resubscribe on the next read by
    itself, and the messages published meanwhile were never replayed."""
    listener_node = await make_node("app1")
    talker_node = await make_node("app2", **UNLIMITED)
    listener = listener_node.app[LISTENER]
    alice = await listener_node.connect()
    await alice.join("lobby", "alice")
    bob = await talker_node.connect()
    await bob.join("lobby", "bob")
    before = [(await bob.say("lobby", f"before{n}"))["id"] for n in range(3)]
    await alice.drain(quiet=0.3)

    busy, release = asyncio.Event(), asyncio.Event()
    handle = listener._handle

    async def slow_handle(message: dict) -> None:
        if message["type"] == "message" and not release.is_set():
            busy.set()
            await release.wait()
        await handle(message)

    listener._handle = slow_handle
    trigger = (await bob.say("lobby", "trigger"))["id"]
    await asyncio.wait_for(busy.wait(), 5)
    await listener.disconnect()
    gap = [(await bob.say("lobby", f"gap{n}"))["id"] for n in range(5)]
    release.set()
    await wait_ready(listener_node.client)
    after = [(await bob.say("lobby", f"after{n}"))["id"] for n in range(3)]

    await alice.drain(quiet=0.5)
    got = [m["id"] for m in alice.messages()]
    assert got == [*before, trigger, *gap, *after]
