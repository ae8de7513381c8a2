"""How a node learns that the master moved: Sentinel's +switch-master announcement, heard at
once (the poll is only the fallback), and history reads that refuse a replica's answer."""

from __future__ import annotations

import asyncio

import pytest

from datchat import master_watch
from datchat.config import RedisSettings
from datchat.history import History, NotMasterError
from datchat.keys import LINK, METRICS
from datchat.redis_link import RedisLink
from datchat.redis_names import stream_key

from .redis_processes import HOST

pytestmark = pytest.mark.failover

SWITCH_TIMEOUT_S = 30.0


async def test_a_node_follows_a_failover_it_hears_announced_without_polling(
    cluster, make_node, monkeypatch
):
    # Polled once at start, then never within the test: only the announcement can move it.
    monkeypatch.setattr(master_watch, "MASTER_CHECK_S", 3600)
    node = await make_node("app1", redis=cluster.settings())
    link = node.app[LINK]
    old = (HOST, cluster.master.port)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while link.master != old:
        assert loop.time() < deadline, f"the node never looked at the master: {link.master}"
        await asyncio.sleep(0.05)

    with cluster.sentinels[0].client() as sentinel:
        sentinel.execute_command("SENTINEL", "FAILOVER", "datchat")
    deadline = loop.time() + SWITCH_TIMEOUT_S
    while link.master == old:
        assert loop.time() < deadline, f"the node still follows {old} {SWITCH_TIMEOUT_S} s on"
        await asyncio.sleep(0.1)
    assert link.master == (HOST, cluster.master_port())
    assert node.app[METRICS].failovers_seen == 1


async def test_history_read_from_a_replica_is_refused(cluster):
    master = History(RedisLink(RedisSettings(url=cluster.master.app_url())), 100, 0, 0)
    replica = History(RedisLink(RedisSettings(url=cluster.replicas[0].app_url())), 100, 0, 0)
    try:
        stored = await master.store("lobby", "alice", "hello", "c1")
        assert [sid for sid, _ in await master.after("lobby", "0-0", 10)] == [stored]
        for read in (
            replica.after("lobby", "0-0", 10),
            replica.latest("lobby", 10),
            replica.latest_id("lobby"),
            replica.since("lobby", "0-0"),
        ):
            with pytest.raises(NotMasterError, match="is a slave"):
                await read
    finally:
        await master.link.close()
        await replica.link.close()


async def test_a_say_in_flight_when_the_node_moves_is_stored_on_the_new_master(cluster):
    # The say waits on the old master (its writes paused, as in a planned switch) when the
    # node moves: it must be retried on the new master, not on the address it had.
    link = RedisLink(cluster.settings())
    history = History(link, 100, ack_replicas=1, ack_timeout_ms=3000)
    old = (HOST, cluster.master.port)
    try:
        await link.follow_master(await link.master_address())
        assert link.master == old
        await history.store("lobby", "alice", "before", "c0")
        with cluster.master.client() as admin:
            admin.execute_command("CLIENT", "PAUSE", "20000", "WRITE")
        say = asyncio.create_task(history.store("lobby", "alice", "during", "c1"))
        await asyncio.sleep(0.3)
        assert not say.done(), "the say was not held by the paused master"

        with cluster.sentinels[0].client() as sentinel:
            sentinel.execute_command("SENTINEL", "FAILOVER", "datchat")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SWITCH_TIMEOUT_S
        while (new := await link.master_address()) == old:
            assert loop.time() < deadline, "Sentinel never named a new master"
            await asyncio.sleep(0.1)
        await link.follow_master(new)

        stream_id = await asyncio.wait_for(say, 5)
        (promoted,) = [server for server in cluster.servers() if (HOST, server.port) == new]
        with promoted.client() as master:
            assert master.xrange(stream_key("lobby"), min=stream_id, max=stream_id)
    finally:
        with cluster.master.client() as admin:
            admin.execute_command("CLIENT", "UNPAUSE")
        await link.close()
