"""Connections to the Redis master, directly (dev) or through Sentinel (every real deployment)."""

from __future__ import annotations

import asyncio
import functools
import logging

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import (
    MasterNotFoundError,
    Sentinel,
    SentinelConnectionPool,
    SentinelManagedConnection,
)
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import RedisError

from .config import RedisSettings

log = logging.getLogger(__name__)

SOCKET_TIMEOUT = 2.0
CONNECT_TIMEOUT = 1.0
# Each Sentinel's connect and read timeout. A query is retried once at most, and bounded as a
# whole by twice this (QuorumSentinel._ask), so a Sentinel that refuses or stays silent costs at
# most that, once per discovery.
SENTINEL_TIMEOUT = 0.5
# Once a majority has answered, how long the others still have: a healthy Sentinel answers
# within milliseconds, and the one that just led a failover may be among them, the only one
# naming the new master for a moment (the others hear of it through its hello messages).
STRAGGLER_GRACE_S = 0.05


class QuorumSentinel(Sentinel):
    """Sentinel client that believes the most recent failover, and needs only a majority.

    redis-py takes the first Sentinel that answers. A Sentinel cut off with the old master
    (the partition drill) still names the old master; the majority side has promoted a replica
    under a higher config epoch. Asking every Sentinel and taking the highest epoch follows the
    majority as soon as any Sentinel of it is reachable.

    Every Sentinel is asked at once, and the answer is decided once a majority of them
    answered (one of them naming a master) and the others had STRAGGLER_GRACE_S more: a
    Sentinel that is down or frozen does not hold up a discovery (issue 16). Only when no
    majority answers does a discovery wait for the last Sentinel to answer or time out, then
    it takes the best answer it got.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # "host:port" of the Sentinels whose last query failed: logged once, not at every look.
        self.silent: set[str] = set()
        # Queries a discovery decided without; each ends by itself within its timeout.
        self.stragglers: set[asyncio.Task] = set()

    async def discover_master(self, service_name: str) -> tuple[str, int]:
        majority = len(self.sentinels) // 2 + 1
        pending: set[asyncio.Task] = set()
        for sentinel in self.sentinels:
            query = asyncio.create_task(
                self._ask(sentinel, service_name), name=f"sentinel {_name(sentinel)}"
            )
            query.add_done_callback(functools.partial(self._note, _name(sentinel)))
            pending.add(query)
        answered = 0
        best: tuple[int, str, int] | None = None
        errors: list[str] = []
        grace_ends: float | None = None
        loop = asyncio.get_running_loop()
        try:
            while pending:
                if grace_ends is None and answered >= majority and best is not None:
                    grace_ends = loop.time() + STRAGGLER_GRACE_S
                timeout = None if grace_ends is None else grace_ends - loop.time()
                if timeout is not None and timeout <= 0:
                    break
                done, pending = await asyncio.wait(
                    pending, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                for query in done:
                    if query.exception() is not None:
                        errors.append(f"{query.get_name()}: {_describe(query.exception())}")
                        continue
                    answered += 1
                    state, address = query.result()
                    if not state or address is None:
                        continue
                    host, port = address
                    # A Sentinel naming a replica it promoted is past the master's checks.
                    promoted = (host, port) != (state["ip"], int(state["port"]))
                    if not promoted and not self.check_master_state(state, service_name):
                        continue
                    epoch = int(state.get("config-epoch", 0))
                    if best is None or epoch > best[0]:
                        best = (epoch, host, port)
        finally:
            # Not cancelled: on Python 3.11 a cancel that lands while redis-py sends a command
            # is lost in asyncio.wait_for, and waiting for it would cost the socket timeout
            # after all. Left alone, the query ends within its own timeout.
            self.stragglers |= pending
            for query in pending:
                query.add_done_callback(self.stragglers.discard)
        if best is None:
            detail = f": {'; '.join(errors)}" if errors else ""
            raise MasterNotFoundError(f"No Sentinel names a master for {service_name!r}{detail}")
        return best[1], best[2]

    @staticmethod
    async def _ask(sentinel: Redis, service_name: str) -> tuple[dict | None, tuple | None]:
        """(the master's state, the master's address) by this Sentinel.

        Both are needed: while the Sentinel that led a failover reconfigures the replicas
        (a second or more), its SENTINEL MASTERS shows the new config epoch beside the *old*
        master's address (seen in the lab); only GET-MASTER-ADDR-BY-NAME names the promoted
        replica then. Trusting the first, discoveries flipped between the two masters.
        """
        # The socket timeouts bound each connect and read; this bounds the whole query, the
        # connection's handshake (AUTH, CLIENT SETINFO) included.
        async with asyncio.timeout(2 * SENTINEL_TIMEOUT):
            state = (await sentinel.sentinel_masters()).get(service_name)
            address = await sentinel.sentinel_get_master_addr_by_name(service_name)
        if address is None:
            return state, None
        host, port = address
        # Sentinel connections do not decode their answers.
        return state, (host.decode() if isinstance(host, bytes) else host, int(port))

    def _note(self, name: str, query: asyncio.Task) -> None:
        """Log when a Sentinel stops or starts answering; retrieves every query's outcome."""
        if query.cancelled():
            return
        error = query.exception()
        if error is not None and name not in self.silent:
            self.silent.add(name)
            log.warning(
                "Sentinel %s gave no answer (%s); deciding without it", name, _describe(error)
            )
        elif error is None and name in self.silent:
            self.silent.discard(name)
            log.warning("Sentinel %s answers again", name)

    async def aclose_queries(self) -> None:
        for query in self.stragglers:
            query.cancel()
        await asyncio.gather(*self.stragglers, return_exceptions=True)


class FollowingConnection(SentinelManagedConnection):
    """A command connection that reconnects only to the master this node follows.

    redis-py reconnects a connection that broke under a command (the command's retry) through
    connect_check_health, which dials the address the connection had and bypasses Sentinel
    (redis/redis-py#3874, open). follow_master breaks every connection to a former master,
    so each say in flight then went straight back to it: after a partition it waited out its
    WAIT there and failed, 1.2 s after the node had moved (seen in the partition drill).
    """

    async def connect_check_health(
        self, check_health: bool = True, retry_socket_connect: bool = True
    ) -> None:
        followed = self.connection_pool.master_address
        if not self.is_connected and followed is not None:
            self.host, self.port = followed
        await super().connect_check_health(
            check_health=check_health, retry_socket_connect=retry_socket_connect
        )


class FollowingPool(SentinelConnectionPool):
    """Hands out only connections to the master this node currently follows.

    A connection can end up on a deposed master when it reconnects in the middle of a
    failover (the Sentinels still disagree for a moment); one still attached to the old
    master is reconnected before use instead of being reused for good.
    """

    def __init__(self, service_name, sentinel_manager, **kwargs) -> None:
        kwargs.setdefault("connection_class", FollowingConnection)
        super().__init__(service_name, sentinel_manager, **kwargs)

    async def get_connection(self, *args, **kwargs):
        connection = await super().get_connection(*args, **kwargs)
        wanted = self.master_address
        if wanted is not None and (connection.host, int(connection.port)) != tuple(wanted):
            await connection.disconnect()
            await connection.connect()
        return connection


class RedisLink:
    """The command client, a factory for pub/sub clients, and who the master is now."""

    def __init__(self, settings: RedisSettings) -> None:
        self.settings = settings
        self.sentinel: QuorumSentinel | None = None
        # The master this node last followed (Sentinel mode), see follow_master.
        self.master: tuple[str, int] | None = None
        # Commands retry briefly: a say that cannot be stored soon should answer
        # "unavailable" so the client can retry, not hang through a whole failover.
        command_retry = Retry(ExponentialBackoff(cap=0.2, base=0.05), 2)
        if settings.sentinels:
            addresses = [_host_port(address) for address in settings.sentinels]
            self.sentinel = QuorumSentinel(
                addresses,
                sentinel_kwargs={
                    "username": settings.sentinel_username or None,
                    "password": settings.sentinel_password or None,
                    "socket_timeout": SENTINEL_TIMEOUT,
                    "socket_connect_timeout": SENTINEL_TIMEOUT,
                    # redis-py's default retries a Sentinel query 10 times with backoff: a
                    # Sentinel that is down or frozen then held every discovery for 3-10 s.
                    # One retry at once: the Sentinel that just led a failover drops its
                    # clients' connections as it ends it (seen in the lab), and without its
                    # answer a discovery takes the others' stale one. _ask bounds the query.
                    "retry": Retry(NoBackoff(), 1),
                },
                username=settings.username or None,
                password=settings.password or None,
                socket_timeout=SOCKET_TIMEOUT,
                socket_connect_timeout=CONNECT_TIMEOUT,
                decode_responses=True,
            )
            self.client: Redis = self.sentinel.master_for(
                settings.master_name, connection_pool_class=FollowingPool, retry=command_retry
            )
        else:
            self.client = Redis.from_url(
                settings.url,
                username=settings.username or None,
                password=settings.password or None,
                socket_timeout=SOCKET_TIMEOUT,
                socket_connect_timeout=CONNECT_TIMEOUT,
                decode_responses=True,
                retry=command_retry,
            )

    def pubsub_client(self) -> Redis:
        """A fresh client for the listener that never reconnects behind its back.

        redis-py's pub/sub silently reconnects and resubscribes; the listener must see every
        disconnect itself, because after one it has to replay the gap from the stream.
        """
        no_retry = Retry(NoBackoff(), 0)
        if self.sentinel is not None:
            return self.sentinel.master_for(self.settings.master_name, retry=no_retry)
        return Redis.from_url(
            self.settings.url,
            username=self.settings.username or None,
            password=self.settings.password or None,
            socket_connect_timeout=CONNECT_TIMEOUT,
            decode_responses=True,
            retry=no_retry,
        )

    async def master_address(self) -> tuple[str, int] | None:
        """Where the master is now, by the Sentinels; None when using a direct URL."""
        if self.sentinel is None:
            return None
        return await self.sentinel.discover_master(self.settings.master_name)

    async def follow_master(self, address: tuple[str, int]) -> None:
        """Drop every command connection to a former master; the next command finds the new one.

        The pool's own bookkeeping is not enough: redis-py re-resolves the master when any
        connection reconnects and then drops only idle connections, so a connection busy at
        that moment (a say waiting in WAIT) goes back into the pool still talking to the old
        master, which keeps answering NOREPLICAS after a partition. Every connection goes.
        """
        previous, self.master = self.master, address
        pool = self.client.connection_pool
        # Set every time: a reconnect during the failover may have re-resolved the old one.
        pool.master_address = address
        if previous is None or previous == address:
            return
        log.warning("Redis master moved from %s:%s to %s:%s", *previous, *address)
        await pool.disconnect(inuse_connections=True)

    async def ping(self) -> bool:
        try:
            return bool(await self.client.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self.client.aclose()
        if self.sentinel is not None:
            await self.sentinel.aclose_queries()
            for sentinel in self.sentinel.sentinels:
                await sentinel.aclose()


def _describe(error: BaseException) -> str:
    # redis-py's repr of its errors leaves out the message ("network:ConnectionError").
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _name(client: Redis) -> str:
    kwargs = client.connection_pool.connection_kwargs
    return f"{kwargs['host']}:{kwargs['port']}"


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)
