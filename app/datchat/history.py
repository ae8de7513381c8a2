"""Room history in Redis streams: store-and-publish in one atomic step, reads by id."""

from __future__ import annotations

import time

from redis.exceptions import NoScriptError, RedisError

from .protocol import MESSAGE_ID_END, MESSAGE_PREFIX, message_body, message_frame, stream_id_key
from .redis_link import RedisLink
from .redis_names import BODY_FIELD, PAYLOAD_SEPARATOR, channel, said_key, stream_key

# One script, so that a stored message is always published and a published one always stored;
# pub/sub order then equals stream order, which is what lets listeners de-duplicate by id.
# A repeated client_id (a client retrying after "unavailable") returns the first id instead of
# storing the message twice. It publishes the payload "<id>\n<message frame>" from parts that
# redis_names and protocol own (ARGV[6] and ARGV[7] go around the id inside the frame).
STORE_AND_PUBLISH = """
local seen = redis.call('GET', KEYS[2])
if seen then return {seen, 0} end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[2], ARGV[3])
redis.call('SET', KEYS[2], id, 'EX', ARGV[4])
redis.call('PUBLISH', ARGV[5], id .. ARGV[6] .. id .. ARGV[7] .. ARGV[3])
return {id, 1}
"""

# How long a client_id is remembered for de-duplicating retries.
CLIENT_ID_TTL_S = 600


class StoreError(Exception):
    """The message is not confirmed: Redis is unreachable, refused the write, or WAIT fell short."""


class History:
    def __init__(self, link: RedisLink, history_max: int, ack_replicas: int, ack_timeout_ms: int):
        self.link = link
        self.history_max = history_max
        self.ack_replicas = ack_replicas
        self.ack_timeout_ms = ack_timeout_ms
        self.script = link.client.register_script(STORE_AND_PUBLISH)

    async def store(self, room: str, name: str, text: str, client_id: str) -> str:
        """Store and publish one message; return its id once it is as durable as configured."""
        body = message_body(room, name, text, int(time.time() * 1000), client_id)
        keys = [stream_key(room), said_key(room, client_id)]
        args = [
            self.history_max,
            BODY_FIELD,
            body,
            CLIENT_ID_TTL_S,
            channel(room),
            PAYLOAD_SEPARATOR + MESSAGE_PREFIX,
            MESSAGE_ID_END,
        ]
        try:
            try:
                stream_id, replicas = await self._store_once(keys, args)
            except NoScriptError:
                # A say retried across a failover reaches a master that never loaded the
                # script (its retry does not load it again); a new try does, at once.
                stream_id, replicas = await self._store_once(keys, args)
        except (RedisError, OSError) as error:
            raise StoreError(f"Redis did not store the message: {error}") from error
        if replicas < self.ack_replicas:
            raise StoreError(
                f"stored on {replicas} of {self.ack_replicas} replicas within "
                f"{self.ack_timeout_ms} ms; not confirmed, retry with the same client_id"
            )
        return stream_id

    async def _store_once(self, keys: list[str], args: list) -> tuple[str, int]:
        """(the stream id, how many replicas have it) after one run of the script."""
        if not self.ack_replicas:
            stream_id, _ = await self.script(keys=keys, args=args)
            return stream_id, 0
        # WAIT counts replicas that have the writes of *this* connection: both commands
        # must share one, which a non-transactional pipeline guarantees.
        async with self.link.client.pipeline(transaction=False) as pipe:
            await self.script(keys=keys, args=args, client=pipe)
            pipe.wait(self.ack_replicas, self.ack_timeout_ms)
            (stream_id, _), replicas = await pipe.execute()
        return stream_id, replicas

    async def _from_master(self, add_reads) -> list:
        """The answers of the reads add_reads(pipe) queues, read from a master.

        For a moment during a switch a node can follow a stale Sentinel answer to the former
        master, now a replica that is resyncing or restarting: a write there fails (READONLY),
        but a read answers with what the replica has, and a catch-up or a join that trusted it
        would skip messages for good. So ROLE goes first, on the same connection (a
        non-transactional pipeline), and a replica's answer is refused like an outage.
        """
        async with self.link.client.pipeline(transaction=False) as pipe:
            pipe.execute_command("ROLE")
            add_reads(pipe)
            role, *answers = await pipe.execute()
        if role[0] != "master":
            raise NotMasterError(f"history read refused: the server answering is a {role[0]}")
        return answers

    async def latest(self, room: str, count: int) -> list[tuple[str, str]]:
        """(id, frame) of the newest count messages, oldest first."""
        (entries,) = await self._from_master(
            lambda pipe: pipe.xrevrange(stream_key(room), count=count)
        )
        return [
            (stream_id, message_frame(stream_id, fields[BODY_FIELD]))
            for stream_id, fields in reversed(entries)
        ]

    async def latest_id(self, room: str) -> str:
        (entries,) = await self._from_master(lambda pipe: pipe.xrevrange(stream_key(room), count=1))
        return entries[0][0] if entries else "0-0"

    async def after(self, room: str, since: str, limit: int) -> list[tuple[str, str]]:
        """(id, frame) of up to limit messages with ids greater than since, oldest first."""
        (entries,) = await self._from_master(
            lambda pipe: pipe.xrange(stream_key(room), min=f"({since}", count=limit)
        )
        return _frames(entries)

    async def since(self, room: str, since: str) -> tuple[list[tuple[str, str]], bool]:
        """(id, frame) of exactly the messages after since, and whether trimming removed some."""
        key = stream_key(room)
        entries, exists = await self._from_master(
            lambda pipe: pipe.xrange(key, min=f"({since}", count=self.history_max).exists(key)
        )
        truncated = False
        if exists:
            # The stream "no longer reaches back" to since when entries were trimmed and
            # since is older than the oldest one kept (Redis >= 7 records both).
            (info,) = await self._from_master(lambda pipe: pipe.xinfo_stream(key))
            trimmed = info["entries-added"] > info["length"]
            oldest = info["recorded-first-entry-id"]
            truncated = trimmed and stream_id_key(since) < stream_id_key(oldest)
        return _frames(entries), truncated


class NotMasterError(RedisError):
    """A read reached a replica: its answer may lack what the master has."""


def _frames(entries: list) -> list[tuple[str, str]]:
    return [(id_, message_frame(id_, fields[BODY_FIELD])) for id_, fields in entries]
