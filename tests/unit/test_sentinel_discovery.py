"""QuorumSentinel's rule, with scripted Sentinels: a majority decides, the highest epoch wins."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from redis.asyncio.sentinel import MasterNotFoundError
from redis.exceptions import ConnectionError as RedisConnectionError

from datchat.redis_link import SENTINEL_TIMEOUT, QuorumSentinel

SERVICE = "datchat"
OLD, NEW = ("10.0.0.21", 6379), ("10.0.0.22", 6379)


def master(address: tuple[str, int], epoch: int, odown: bool = False) -> dict:
    return {
        "ip": address[0],
        "port": address[1],
        "config-epoch": epoch,
        "is_master": True,
        "is_sdown": odown,
        "is_odown": odown,
        "num-other-sentinels": 2,
    }


class ScriptedSentinel:
    """Answers SENTINEL MASTERS with state after delay, or raises error."""

    def __init__(self, port: int, state=None, delay: float = 0.0, error=None) -> None:
        self.connection_pool = SimpleNamespace(connection_kwargs={"host": "10.0.0.3", "port": port})
        self.state, self.delay, self.error = state, delay, error

    async def sentinel_masters(self) -> dict:
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return {SERVICE: self.state} if self.state else {}

    async def sentinel_get_master_addr_by_name(self, service_name: str):
        if not self.state:
            return None
        return self.state.get("named", (self.state["ip"], self.state["port"]))


async def discover(*sentinels: ScriptedSentinel) -> tuple[tuple[str, int], float]:
    quorum = QuorumSentinel([])
    quorum.sentinels = list(sentinels)
    loop = asyncio.get_running_loop()
    began = loop.time()
    try:
        return await quorum.discover_master(SERVICE), loop.time() - began
    finally:
        await quorum.aclose_queries()


async def test_the_highest_epoch_of_the_majority_wins_whoever_answers_first():
    found, _ = await discover(
        ScriptedSentinel(1, master(OLD, 1)),  # cut off with the old master, answers first
        ScriptedSentinel(2, master(NEW, 2), delay=0.05),
        ScriptedSentinel(3, master(NEW, 2), delay=0.05),
    )
    assert found == NEW


async def test_a_silent_sentinel_does_not_hold_up_a_majority():
    found, took = await discover(
        ScriptedSentinel(1, master(OLD, 1), delay=60),  # frozen: never answers
        ScriptedSentinel(2, master(NEW, 2)),
        ScriptedSentinel(3, master(OLD, 1)),
    )
    assert found == NEW
    assert took < 0.1


async def test_without_a_majority_the_sentinel_that_answers_still_names_the_master():
    found, took = await discover(
        ScriptedSentinel(1, error=RedisConnectionError("refused")),
        ScriptedSentinel(2, master(OLD, 1), delay=60),
        ScriptedSentinel(3, master(OLD, 1)),
    )
    assert found == OLD
    # The frozen one is waited for once, up to its timeout, not retried.
    assert took < 2 * SENTINEL_TIMEOUT + 0.2


async def test_a_majority_naming_no_master_waits_for_the_others():
    # Mid-failover: two see the old master down, the leader already names the new one.
    found, _ = await discover(
        ScriptedSentinel(1, master(OLD, 1, odown=True)),
        ScriptedSentinel(2, master(OLD, 1, odown=True)),
        ScriptedSentinel(3, master(NEW, 2), delay=0.1),
    )
    assert found == NEW


async def test_no_answer_at_all_is_master_not_found_naming_the_errors():
    refused = RedisConnectionError("refused")
    with pytest.raises(MasterNotFoundError, match="refused"):
        await discover(*(ScriptedSentinel(port, error=refused) for port in (1, 2, 3)))


async def test_the_leader_reconfiguring_replicas_names_the_promoted_one_not_its_stale_state():
    # What the leader of a failover answers while it reconfigures the replicas: SENTINEL
    # MASTERS has the new epoch beside the old address; GET-MASTER-ADDR-BY-NAME the new one.
    leader = {**master(OLD, 2), "named": NEW}
    for order in ((0.0, 0.01), (0.01, 0.0)):
        found, _ = await discover(
            ScriptedSentinel(1, leader, delay=order[0]),
            ScriptedSentinel(2, master(NEW, 2), delay=order[1]),
            ScriptedSentinel(3, master(OLD, 1), delay=0.02),
        )
        assert found == NEW, order


async def test_a_sentinel_that_answers_just_after_the_majority_is_heard():
    # The two that answer first have not heard of the failover yet; the leader has.
    found, _ = await discover(
        ScriptedSentinel(1, master(OLD, 1)),
        ScriptedSentinel(2, master(OLD, 1)),
        ScriptedSentinel(3, {**master(OLD, 2), "named": NEW}, delay=0.02),
    )
    assert found == NEW
