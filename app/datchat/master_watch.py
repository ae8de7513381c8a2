"""Follow Sentinel: when the master moves, move the commands and the listener with it.

The node hears every Sentinel's `+switch-master` announcement and looks at once; a poll every
MASTER_CHECK_S is the fallback for an announcement lost with its Sentinel. Without this a node
can stay attached to a deposed master that is still reachable (a partition), storing nothing
and hearing nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from .listener import Listener
from .metrics import Metrics
from .redis_link import RedisLink

log = logging.getLogger(__name__)

# The announcements are what moves a node in time: the failover's leader announces at its end,
# but the other Sentinels switch (and announce) as soon as its hello names the promoted replica,
# tens of ms after the promotion (lab logs). The poll only covers an announcement lost with its
# Sentinel; polling twice a second cost an emulated VM's app node half its CPU, idle.
MASTER_CHECK_S = 2.0
SWITCH_CHANNEL = "+switch-master"
# How long a subscription waits for a message before it pings its Sentinel (the ping's send
# fails only once TCP gives up on a vanished Sentinel; the poll covers the meantime), and how
# long after a lost Sentinel it subscribes again.
LISTEN_S = 5.0
RESUBSCRIBE_S = 1.0


async def hear_switches(sentinel: Redis, heard: asyncio.Event) -> None:
    """Set `heard` whenever this Sentinel announces a new master."""
    while True:
        pubsub = sentinel.pubsub()
        try:
            await pubsub.subscribe(SWITCH_CHANNEL)
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=LISTEN_S)
                if message is None:
                    await pubsub.ping()
                elif message["type"] == "message":
                    heard.set()
        except (RedisError, OSError, TimeoutError) as error:
            log.info("no %s from a Sentinel for now: %r", SWITCH_CHANNEL, error)
        finally:
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()
        await asyncio.sleep(RESUBSCRIBE_S)


async def watch_master(link: RedisLink, listener: Listener, metrics: Metrics) -> None:
    if link.sentinel is None:
        return
    heard = asyncio.Event()
    hearing = [
        asyncio.create_task(hear_switches(sentinel, heard), name="sentinel-switches")
        for sentinel in link.sentinel.sentinels
    ]
    try:
        while True:
            heard.clear()
            await _look(link, listener, metrics)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(MASTER_CHECK_S):
                    await heard.wait()
    finally:
        for task in hearing:
            task.cancel()
        await asyncio.gather(*hearing, return_exceptions=True)


async def _look(link: RedisLink, listener: Listener, metrics: Metrics) -> None:
    try:
        master = await link.master_address()
    except (RedisError, OSError) as error:
        log.info("no Sentinel answered: %s", error)
        return
    if master is None:
        return
    moved = link.master is not None and master != link.master
    if moved:
        metrics.failovers_seen += 1
    await link.follow_master(master)
    if listener.connected_to is not None and listener.connected_to != master:
        log.warning("listener is on %s:%s, master is %s:%s", *listener.connected_to, *master)
        await listener.disconnect()
    elif moved:
        # A listener that lost the old master is waiting out its backoff: try the new one
        # now, or the node stays not ready for up to that backoff after the failover.
        listener.retry_now()
