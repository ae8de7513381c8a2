"""One Sentinel of three out (stopped, or frozen so it accepts but never answers), then the
master killed: the node follows the two remaining Sentinels' failover at once, not after the
lost Sentinel comes back (issue 16)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from datchat.keys import LINK
from datchat.redis_link import SENTINEL_TIMEOUT, RedisLink

from .redis_processes import ADMIN_USER, HOST, MASTER_NAME, SentinelProcess

pytestmark = pytest.mark.failover

# What the issue allows between the remaining Sentinels' +switch-master and the first ack.
RESUME_WITHIN_S = 3.0
# How long the test keeps measuring past that, so a failure says how late the node was.
MEASURE_FOR_S = 20.0
SWITCH_TIMEOUT_S = 40.0
SEND_PAUSE_S = 0.05
UNLIMITED = {"rate_per_sec": 1e6, "rate_burst": 1_000_000}


async def watch_switch(sentinel_port: int) -> float:
    """loop.time() at which this Sentinel announces +switch-master for our master."""
    client = Redis(
        host=HOST,
        port=sentinel_port,
        username=ADMIN_USER,
        password=SentinelProcess.ADMIN_PASSWORD,
    )
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe("+switch-master")
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message and message["data"].decode().startswith(f"{MASTER_NAME} "):
                return asyncio.get_running_loop().time()
    finally:
        await pubsub.aclose()
        await client.aclose()


async def first_ack_after(alice, start: float, until: float, says: list[str]):
    """Say repeatedly (each say waits for its answer) until one is acked; (time, ack) or None.

    says gets one line per say: when it was sent and answered (seconds from start), and how.
    """
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        client_id = uuid.uuid4().hex
        sent_at = loop.time()
        await alice.send({"type": "say", "room": "lobby", "text": "after", "client_id": client_id})
        frame = await alice.answer(client_id, until - loop.time())
        outcome = "no answer" if frame is None else frame.get("code", frame["type"])
        says.append(f"{sent_at - start:.2f}->{loop.time() - start:.2f} {outcome}")
        if frame is not None and frame["type"] == "ack":
            return loop.time(), frame
        await asyncio.sleep(SEND_PAUSE_S)
    return None


async def first_ready_after(node, until: float, last: list[str]) -> float | None:
    """loop.time() of the first /readyz 200, or None by until; last gets the latest body."""
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        response = await node.client.get("/readyz")
        last[:] = [await response.text()]
        if response.status == 200:
            return loop.time()
        await asyncio.sleep(0.1)
    return None


def still_out(sentinel, fault: str) -> bool:
    return sentinel.process.poll() is not None if fault == "stopped" else sentinel.frozen


@pytest.mark.parametrize("fault", ["stopped", "frozen"])
async def test_acks_resume_after_failover_with_one_sentinel_out(cluster, make_node, fault):
    node = await make_node("app1", redis=cluster.settings(), ack_replicas=1, **UNLIMITED)
    alice = await node.connect()
    await alice.join("lobby", "alice")
    for _ in range(3):
        assert (await alice.say("lobby", "steady"))["type"] == "ack"

    lost, *remaining = cluster.sentinels
    old_master = cluster.master.port
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        lost.kill() if fault == "stopped" else lost.freeze()
        # The master is still up: a lost Sentinel alone must not stop the chat either.
        assert (await alice.say("lobby", "one sentinel out"))["type"] == "ack"
        await asyncio.sleep(1.0)  # let the node run a few discoveries with it out
        switches = [asyncio.create_task(watch_switch(s.port)) for s in remaining]
        await asyncio.sleep(0.2)  # subscribed before the kill
        killed_at = loop.time()
        cluster.master.kill()
        done, pending = await asyncio.wait(
            switches, timeout=SWITCH_TIMEOUT_S, return_when="FIRST_COMPLETED"
        )
        for task in pending:
            task.cancel()
        assert done, f"the remaining Sentinels did not fail over within {SWITCH_TIMEOUT_S} s"
        switched_at = min(task.result() for task in done)
        new_master = remaining[0].master_port()
        assert new_master != old_master

        says: list[str] = []
        until = switched_at + MEASURE_FOR_S
        readyz: list[str] = []
        ready_task = asyncio.create_task(first_ready_after(node, until, readyz))
        acked = await first_ack_after(alice, start, until, says)
        out_at_ack = still_out(lost, fault)
        ready_at = await ready_task
    finally:
        lost.thaw()

    timeline = (
        f"{fault}: master killed at {killed_at - start:.2f} s, +switch-master at "
        f"{switched_at - start:.2f} s, first ack after it at "
        f"{'never' if acked is None else f'{acked[0] - start:.2f} s'}, /readyz 200 at "
        f"{f'never ({readyz})' if ready_at is None else f'{ready_at - start:.2f} s'}; "
        f"node follows {node.app[LINK].master}, new master port {new_master}; "
        f"{len(says)} says: {', '.join(says[:5])}{' ...' if len(says) > 5 else ''}"
    )
    print(timeline)
    assert acked is not None, f"no ack within {MEASURE_FOR_S} s of +switch-master; {timeline}"
    assert out_at_ack, "the lost Sentinel came back before the ack; the test proves nothing"
    assert acked[0] - switched_at <= RESUME_WITHIN_S, timeline
    assert ready_at is not None, timeline
    assert ready_at - switched_at <= RESUME_WITHIN_S, timeline
    # The ack is real: the message is in a room's stream on the new master.
    (promoted,) = [server for server in cluster.replicas if server.port == new_master]
    with promoted.client() as client:
        streams = list(client.scan_iter(_type="stream"))
        assert any(client.xrange(key, acked[1]["id"], acked[1]["id"]) for key in streams)


async def test_a_discovery_does_not_wait_for_silent_sentinels(cluster):
    """With a majority answering, a frozen Sentinel costs a discovery nothing; without one,
    the Sentinel that does answer still names the master, within one Sentinel timeout."""
    link = RedisLink(cluster.settings())
    loop = asyncio.get_running_loop()

    async def timed_discovery() -> tuple[float, tuple[str, int]]:
        began = loop.time()
        master = await link.master_address()
        return loop.time() - began, master

    try:
        cluster.sentinels[0].freeze()
        for _ in range(5):
            took, master = await timed_discovery()
            assert master == (HOST, cluster.master.port)
            assert took < SENTINEL_TIMEOUT / 2, f"a discovery waited {took:.2f} s"
        cluster.sentinels[1].kill()
        for _ in range(3):
            took, master = await timed_discovery()
            assert master == (HOST, cluster.master.port)
            assert took < 2 * SENTINEL_TIMEOUT + 0.5, f"a discovery took {took:.2f} s"
    finally:
        cluster.sentinels[0].thaw()
        await link.close()
