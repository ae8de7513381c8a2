"""Two app nodes sharing one Redis: messages, history, resume, presence."""

from __future__ import annotations

import asyncio

from datchat.keys import HUB
from datchat.presence_updates import MIN_INTERVAL_S

# For tests that say more than the default burst allows; rate limiting has its own tests.
UNLIMITED = {"rate_per_sec": 1e6, "rate_burst": 1_000_000}


async def test_message_said_on_one_node_arrives_once_on_the_other(make_node):
    node1, node2 = await make_node("app1"), await make_node("app2")
    alice, bob = await node1.connect(), await node2.connect()
    assert (await alice.join("lobby", "alice"))["node"] == "app1"
    assert (await bob.join("lobby", "bob"))["node"] == "app2"

    ack = await alice.say("lobby", "hi bob", "c-1")

    assert ack["type"] == "ack"
    message = await bob.expect("message")
    assert message == {
        "type": "message",
        "id": ack["id"],
        "room": "lobby",
        "name": "alice",
        "text": "hi bob",
        "ts": message["ts"],
        "client_id": "c-1",
    }
    await bob.drain()
    assert bob.messages() == []  # exactly once


async def test_sender_also_receives_its_own_message(make_node):
    node = await make_node("app1")
    alice = await node.connect()
    await alice.join("lobby", "alice")
    ack = await alice.say("lobby", "echo")
    assert (await alice.expect("message"))["id"] == ack["id"]


async def test_join_without_since_gets_the_newest_history(make_node):
    node = await make_node("app1", history_on_join=3)
    alice = await node.connect()
    await alice.join("lobby", "alice")
    ids = [(await alice.say("lobby", f"m{n}"))["id"] for n in range(5)]

    bob = await node.connect()
    joined = await bob.join("lobby", "bob")

    assert [m["id"] for m in joined["history"]] == ids[-3:]
    assert [m["text"] for m in joined["history"]] == ["m2", "m3", "m4"]
    assert joined["truncated"] is False


async def test_join_with_since_returns_exactly_the_gap(make_node):
    node1, node2 = await make_node("app1"), await make_node("app2")
    alice = await node1.connect()
    await alice.join("lobby", "alice")
    ids = [(await alice.say("lobby", f"m{n}"))["id"] for n in range(6)]

    bob = await node2.connect()
    joined = await bob.join("lobby", "bob", since=ids[2])

    assert [m["id"] for m in joined["history"]] == ids[3:]
    assert joined["truncated"] is False


async def test_since_older_than_the_trimmed_stream_is_flagged_truncated(make_node):
    node = await make_node("app1", history_max=1, **UNLIMITED)
    alice = await node.connect()
    await alice.join("lobby", "alice")
    first = (await alice.say("lobby", "first"))["id"]
    # MAXLEN ~ trims whole stream nodes only, so say enough to fill and drop the first node.
    for n in range(250):
        await alice.say("lobby", f"m{n}", f"c{n}")
    bob = await node.connect()

    joined = await bob.join("lobby", "bob", since=first)

    assert joined["truncated"] is True
    assert all(m["id"] != first for m in joined["history"])


async def test_live_messages_during_a_join_are_neither_lost_nor_doubled(make_node):
    node1, node2 = await make_node("app1", **UNLIMITED), await make_node("app2")
    alice = await node1.connect()
    await alice.join("lobby", "alice")
    bob = await node2.connect()
    # Bob joins while alice talks: every id must reach bob once, via history or live.
    await bob.send({"type": "join", "room": "lobby", "name": "bob", "since": None})
    said = [(await alice.say("lobby", f"m{n}"))["id"] for n in range(30)]
    joined = await bob.expect("joined")
    await bob.drain()
    got = [m["id"] for m in joined["history"]] + [m["id"] for m in bob.messages()]

    assert got == sorted(set(got), key=got.index)  # no duplicates
    assert set(said) <= set(got)


async def test_a_connection_can_be_in_several_rooms(make_node):
    node = await make_node("app1")
    alice, bob = await node.connect(), await node.connect()
    await alice.join("red", "alice")
    await alice.join("blue", "alice")
    await bob.join("blue", "bob")

    await bob.say("blue", "to blue")
    await alice.say("red", "to red")

    assert (await alice.expect("message", room="blue"))["text"] == "to blue"
    await bob.drain()
    assert [m["room"] for m in bob.messages()] == ["blue"]


async def alice_on_app1_and_bob_on_app2_in_the_lobby(make_node):
    """(app1's node, alice, bob) once both have been told the lobby holds the two of them.

    The lists each was sent before that are thrown away: a later expect of ["alice"] must
    not be met by the list alice got when she was alone.
    """
    node1, node2 = await make_node("app1"), await make_node("app2")
    alice, bob = await node1.connect(), await node2.connect()
    await alice.join("lobby", "alice")
    await bob.join("lobby", "bob")
    for client in (alice, bob):
        assert (await client.expect("presence", members=["alice", "bob"]))["room"] == "lobby"
        client.inbox = [frame for frame in client.inbox if frame["type"] != "presence"]
    return node1, alice, bob


async def test_presence_lists_members_on_every_node(make_node):
    _, alice, bob = await alice_on_app1_and_bob_on_app2_in_the_lobby(make_node)

    await bob.send({"type": "leave", "room": "lobby"})
    await alice.expect("presence", members=["alice"])


async def test_presence_drops_a_disconnected_client(make_node):
    _, alice, bob = await alice_on_app1_and_bob_on_app2_in_the_lobby(make_node)

    await bob.ws.close()

    await alice.expect("presence", members=["alice"])


async def test_a_burst_of_joins_sends_few_member_lists_and_the_last_names_everyone(make_node):
    # Each join used to publish the whole member list: 40 joiners cost a watcher 40 frames.
    node1, node2 = await make_node("app1"), await make_node("app2")
    watcher = await node1.connect()
    await watcher.join("lobby", "watcher")
    await watcher.expect("presence", members=["watcher"])
    joiners = [await (node1 if i % 2 else node2).connect() for i in range(40)]
    started = asyncio.get_running_loop().time()
    await asyncio.gather(*(c.join("lobby", f"user{i:02}") for i, c in enumerate(joiners)))
    joining_s = asyncio.get_running_loop().time() - started
    everyone = sorted(["watcher", *(f"user{i:02}" for i in range(40))])

    await watcher.drain(quiet=1.0)  # longer than presence_updates.MIN_INTERVAL_S
    lists = [frame["members"] for frame in watcher.inbox if frame["type"] == "presence"]
    # Each node publishes at once, then at most once per interval while joins go on, then once
    # more; the last list names everyone.
    assert lists, "no member list after the joins"
    assert lists[-1] == everyone, lists
    per_node = joining_s / MIN_INTERVAL_S + 2
    assert len(lists) <= 2 * per_node, (len(lists), joining_s)


async def test_a_node_shut_down_takes_its_names_out_of_presence_at_once(make_node):
    node1, _, bob = await alice_on_app1_and_bob_on_app2_in_the_lobby(make_node)

    await node1.client.close()  # a graceful shutdown: websockets closed, presence forgotten

    # Not after the liveness key's 15 s: the shutdown itself says so.
    await bob.expect("presence", timeout=5, members=["bob"])


async def test_leave_stops_delivery(make_node):
    node = await make_node("app1")
    alice, bob = await node.connect(), await node.connect()
    await alice.join("lobby", "alice")
    await bob.join("lobby", "bob")
    await bob.send({"type": "leave", "room": "lobby"})
    await alice.expect("presence", members=["alice"])

    await alice.say("lobby", "bob is gone")

    await bob.drain()
    assert bob.messages() == []


async def test_a_retried_client_id_is_stored_once(make_node):
    node = await make_node("app1")
    alice = await node.connect()
    await alice.join("lobby", "alice")

    first = await alice.say("lobby", "hello", "same-id")
    again = await alice.say("lobby", "hello", "same-id")

    assert first["id"] == again["id"]
    history = await (await node.client.get("/api/rooms/lobby/history")).json()
    assert [m["id"] for m in history] == [first["id"]]


async def test_ack_waits_for_a_replica(make_node, redis_server, tmp_path):
    from .redis_processes import HOST, RedisProcess

    replica = RedisProcess(tmp_path, "replica", ["--replicaof", HOST, str(redis_server.port)])
    replica.start()
    try:
        node = await make_node("app1", ack_replicas=1, ack_timeout_ms=2000)
        alice = await node.connect()
        await alice.join("lobby", "alice")

        ack = await alice.say("lobby", "replicated")

        assert ack["type"] == "ack"
        with replica.client() as client:
            assert client.xrange("room:lobby:history")[-1][0] == ack["id"]
    finally:
        replica.stop()


async def test_history_api_pages_by_since_and_limit(make_node):
    node = await make_node("app1")
    alice = await node.connect()
    await alice.join("lobby", "alice")
    ids = [(await alice.say("lobby", f"m{n}"))["id"] for n in range(5)]

    response = await node.client.get(
        "/api/rooms/lobby/history", params={"since": ids[1], "limit": 2}
    )

    assert response.status == 200
    assert [m["id"] for m in await response.json()] == ids[2:4]
    bad = await node.client.get("/api/rooms/Not A Room/history")
    assert bad.status == 400


async def test_join_that_outruns_a_lagging_listener_gets_no_doubles(make_node):
    node1, node2 = await make_node("app1", **UNLIMITED), await make_node("app2")
    alice = await node1.connect()
    await alice.join("lobby", "alice")
    carol = await node2.connect()
    await carol.join("lobby", "carol")  # the room is live on node2 before bob joins
    hub, held = node2.app[HUB], []

    def hold(room_name: str, stream_id: str, frame: str) -> bool:
        # node2's listener falls behind the history reads (real lag cannot be made on
        # demand): what it hands the hub is held back until released.
        held.append((room_name, stream_id, frame))
        return True

    hub.deliver_message = hold
    early = [(await alice.say("lobby", f"early{n}"))["id"] for n in range(10)]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while len(held) < len(early):
        assert loop.time() < deadline, f"node2's listener heard {len(held)} of 10"
        await asyncio.sleep(0.01)
    bob = await node2.connect()

    joined = await bob.join("lobby", "bob")

    # The join outran the listener: its history holds what node2 has not delivered yet.
    assert [delivery[1] for delivery in held] == early
    assert set(early) <= {m["id"] for m in joined["history"]}
    del hub.deliver_message  # the class's method again, then the held ones in order
    for delivery in held:
        hub.deliver_message(*delivery)
    late = [(await alice.say("lobby", f"late{n}"))["id"] for n in range(5)]
    await bob.drain(quiet=0.5)
    got = [m["id"] for m in joined["history"]] + [m["id"] for m in bob.messages()]
    assert len(got) == len(set(got)), "a message reached bob twice"
    assert set(early + late) <= set(got)
