"""The node's single pub/sub listener: subscribe per room, replay gaps after every reconnect."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from .history import History
from .hub import Hub, Room
from .metrics import Metrics
from .presence import Presence
from .protocol import stream_id_key
from .redis_names import CONTROL_CHANNEL, PRESENCE_TAG, channel, room_of_channel, split_payload

log = logging.getLogger(__name__)

IDLE_PING_S = 1.0
DEAD_AFTER_S = 3.0
REPLAY_BATCH = 1000
BACKOFF_FIRST_S = 0.1
BACKOFF_MAX_S = 2.0


class Listener:
    def __init__(self, history: History, presence: Presence, hub: Hub, metrics: Metrics) -> None:
        self.history = history
        self.presence = presence
        self.hub = hub
        self.metrics = metrics
        self.client: Redis | None = None
        self.pubsub: PubSub | None = None
        self.subscribed = False
        self.connected_to: tuple[str, int] | None = None
        # Set when the master moved: a listener waiting out its backoff retries at once.
        self.wake = asyncio.Event()
        # Set by disconnect(), checked before every read: see there.
        self.reconnect_wanted = False

    @property
    def healthy(self) -> bool:
        return self.subscribed

    async def subscribe(self, room: Room) -> None:
        """Subscribe a room new on this node; the room turns ready once messages flow."""
        if self.subscribed and self.pubsub is not None:
            try:
                await self.pubsub.subscribe(channel(room.name))
            except Exception as error:  # noqa: BLE001
                # redis-py raises AttributeError, not ConnectionError, on a connection torn
                # down under it. Either way: force the reconnect, which subscribes every room.
                log.info("subscribe to %s failed (%r); reconnecting", room.name, error)
                await self.disconnect()
        # Otherwise the (re)connect subscribes every room in the hub, this one included.

    async def unsubscribe(self, room_name: str) -> None:
        if self.subscribed and self.pubsub is not None:
            # As in subscribe(): a torn connection may raise anything; losing it unsubscribes.
            with contextlib.suppress(Exception):
                await self.pubsub.unsubscribe(channel(room_name))

    def retry_now(self) -> None:
        """End a reconnect backoff early (the master moved: there is something to reach)."""
        self.wake.set()

    async def disconnect(self) -> None:
        """Force a reconnect (the master moved): the pending read fails, the run loop
        reconnects to the new master and replays what it missed.

        With no read pending (the listener busy delivering, or resyncing presence), closing
        the connection is not enough: redis-py's next read would reconnect and resubscribe
        by itself, and what was published meanwhile would be a gap nobody replays (seen in
        the deploy-under-load drill: a room's clients missed 0.4 s of messages). So the wish
        is also recorded, and the listener checks it before every read.
        """
        self.reconnect_wanted = True
        self.wake.set()
        connection = self.pubsub.connection if self.pubsub is not None else None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.disconnect()

    async def run(self) -> None:
        backoff = BACKOFF_FIRST_S
        while True:
            self.wake.clear()
            try:
                await self._serve()
            except Exception as error:  # noqa: BLE001
                # Whatever broke (redis-py raises more than RedisError on torn connections),
                # the listener must come back: a node without it looks alive but is deaf.
                log.warning("pub/sub listener lost Redis: %r", error)
            finally:
                was_up = self.subscribed
                self.subscribed = False
                self.connected_to = None
                # Closing a torn connection can raise too; the loop must survive it.
                with contextlib.suppress(Exception):
                    if self.pubsub is not None:
                        await self.pubsub.aclose()
                with contextlib.suppress(Exception):
                    if self.client is not None:
                        # Each connect makes a client (with Sentinel, a pool): close it.
                        await self.client.aclose()
                self.pubsub = self.client = None
            if was_up:
                backoff = BACKOFF_FIRST_S
            self.metrics.redis_reconnects += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), backoff * (0.5 + random.random()))
            backoff = min(backoff * 2, BACKOFF_MAX_S)

    def _check_connection_wanted(self) -> None:
        if self.reconnect_wanted:
            raise RedisError("reconnect wanted: the master moved")

    async def _serve(self) -> None:
        self.reconnect_wanted = False
        self.client = self.history.link.pubsub_client()
        self.pubsub = pubsub = self.client.pubsub()
        rooms = list(self.hub.rooms.values())
        await pubsub.subscribe(CONTROL_CHANNEL, *(channel(room.name) for room in rooms))
        self.connected_to = (pubsub.connection.host, int(pubsub.connection.port))
        loop = asyncio.get_running_loop()
        pending = {CONTROL_CHANNEL, *(channel(room.name) for room in rooms)}
        deadline = loop.time() + DEAD_AFTER_S
        while pending:
            self._check_connection_wanted()
            message = await pubsub.get_message(timeout=0.5)
            if message is None:
                if loop.time() > deadline:
                    raise RedisError("subscriptions not confirmed in time")
                continue
            if message["type"] == "subscribe":
                pending.discard(message["channel"])
            else:
                await self._handle(message)
        for room in rooms:
            await self._catch_up(room)
        self.subscribed = True
        # Rooms created while we were connecting saw no subscription yet: take them now;
        # from here on, joiners subscribe new rooms themselves.
        known = {room.name for room in rooms}
        late = [name for name in self.hub.rooms if name not in known]
        if late:
            await pubsub.subscribe(*(channel(name) for name in late))
        log.info("pub/sub listener subscribed to %d rooms", len(rooms) + len(late))
        for room in rooms:
            if room.has_members:
                try:
                    await self.presence.publish(room.name, room.names())
                except RedisError as error:
                    # Best effort: a master refusing writes (NOREPLICAS) must not make the
                    # listener, and with it /readyz, go down.
                    log.info("presence resync for %s failed: %s", room.name, error)
        await self._listen(pubsub)

    async def _catch_up(self, room: Room) -> None:
        """Deliver what was stored while this node was not listening, oldest first."""
        last = room.delivered_up_to
        if last is None:
            # A room new on this node: its joiners read history themselves.
            room.start_live_after(stream_id_key(await self.history.latest_id(room.name)))
        else:
            since = "{}-{}".format(*last)
            while True:
                batch = await self.history.after(room.name, since, REPLAY_BATCH)
                for stream_id, frame in batch:
                    if self.hub.deliver_message(room.name, stream_id, frame):
                        self.metrics.replayed += 1
                if len(batch) < REPLAY_BATCH:
                    break
                # Page on by the batch, not by what was delivered: a room whose last member
                # left meanwhile delivers nothing, and would read the same page forever.
                since = batch[-1][0]
        room.mark_ready()

    async def _listen(self, pubsub: PubSub) -> None:
        loop = asyncio.get_running_loop()
        last_heard = loop.time()
        while True:
            self._check_connection_wanted()
            message = await pubsub.get_message(timeout=IDLE_PING_S)
            now = loop.time()
            if message is None:
                if now - last_heard > DEAD_AFTER_S:
                    raise RedisError(f"no answer from Redis for {DEAD_AFTER_S} s")
                await pubsub.ping()
                continue
            last_heard = now
            await self._handle(message)

    async def _handle(self, message: dict) -> None:
        kind = message["type"]
        if kind == "message":
            data: str = message["data"]
            tag, frame = split_payload(data)
            room_name = room_of_channel(message["channel"])
            if tag == PRESENCE_TAG:
                self.hub.deliver_presence(room_name, frame)
            else:
                self.hub.deliver_message(room_name, tag, frame)
        elif kind == "subscribe":
            room = self.hub.rooms.get(room_of_channel(message["channel"]))
            if room is not None and not room.is_ready:
                await self._catch_up(room)
