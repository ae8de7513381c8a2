"""A real Sentinel failover while clients talk: every acked message arrives once, in order."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from datchat.keys import METRICS
from datchat.redis_names import stream_key

pytestmark = pytest.mark.failover

SEND_INTERVAL_S = 0.02
ACKS_AFTER_FAILOVER = 20


async def delivered_ids(client, until_all_of: set[str], timeout: float = 15) -> list[str]:
    """Message ids the client received, reading until it has all of them or time is up.

    After a failover a node's listener may still be reconnecting; the promise is that every
    acked message arrives, so wait for them (bounded), then judge.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    delivered = [m["id"] for m in client.messages()]
    while not until_all_of <= set(delivered) and loop.time() < deadline:
        await client.drain(quiet=0.5)
        delivered += [m["id"] for m in client.messages()]
    await client.drain(quiet=0.5)  # and anything still in flight, to catch doubles
    return delivered + [m["id"] for m in client.messages()]


async def talk_through(cluster, make_node, fault, *, durable: bool = True) -> None:
    settings = cluster.settings()
    node1 = await make_node(
        "app1", redis=settings, ack_replicas=1, rate_per_sec=1000, rate_burst=1000
    )
    node2 = await make_node("app2", redis=settings, ack_replicas=1)
    alice, bob = await node1.connect(), await node2.connect()
    await alice.join("lobby", "alice")
    await bob.join("lobby", "bob")
    old_master = cluster.master_port()
    acked: list[str] = []
    refused = 0
    acked_since_failover = 0

    for _ in range(10):
        acked.append((await alice.say("lobby", "steady"))["id"])
    fault()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while acked_since_failover < ACKS_AFTER_FAILOVER:
        assert loop.time() < deadline, "no acks after the failover within 60 s"
        answer = await alice.say("lobby", "during", uuid.uuid4().hex)
        if answer["type"] == "ack":
            acked.append(answer["id"])
            if cluster.master_port() != old_master:
                acked_since_failover += 1
        else:
            assert answer["code"] == "unavailable"
            refused += 1
        await asyncio.sleep(SEND_INTERVAL_S)

    for client in (alice, bob):
        delivered = await delivered_ids(client, until_all_of=set(acked))
        assert len(delivered) == len(set(delivered)), "a message was delivered twice"
        assert delivered == sorted(delivered, key=lambda i: tuple(map(int, i.split("-"))))
        missing = set(acked) - set(delivered)
        assert not missing, f"{len(missing)} acked messages never delivered"
    # Delivered is not enough: the durable record, on the master that now holds it, must
    # have every acked message too.
    promoted = next(s for s in cluster.servers() if s.port == cluster.master_port())
    with promoted.client() as admin:
        stored = {entry_id for entry_id, _ in admin.xrange(stream_key("lobby"))}
    not_stored = set(acked) - stored
    if durable:
        assert not not_stored, f"{len(not_stored)} acked messages missing from the new stream"
    assert node1.app[METRICS].failovers_seen >= 1
    assert node2.app[METRICS].failovers_seen >= 1


async def test_master_killed_mid_stream(cluster, make_node):
    await talk_through(cluster, make_node, cluster.master.kill)


async def test_sentinel_failover_command_mid_stream(cluster, make_node):
    def failover() -> None:
        with cluster.sentinels[0].client() as sentinel:
            sentinel.execute_command("SENTINEL", "FAILOVER", "datchat")

    # Known loss, not checked here: a plain SENTINEL FAILOVER lets the old master ack through
    # the replica that still follows it until Sentinel reconfigures that one, and the resync
    # then drops those writes (38 acked messages in one CI run). Issue 19's coordinated switch
    # (CLIENT PAUSE WRITE until the chosen replica has the offset) is the cure; the delivery
    # checks above still hold.
    await talk_through(cluster, make_node, failover, durable=False)
