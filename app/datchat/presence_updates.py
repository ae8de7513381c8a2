"""A room's presence publishes, coalesced: at most one in flight per room and one per
MIN_INTERVAL_S, then one with the latest names for every change made meanwhile.

Each join or leave used to publish the room's whole member list, and every member of the room
on every node received it: N clients joining one room cost N publishes of up to N names and
about N²/2 frames, and a node killed under 1000 clients sent as many back at once (the
reconnect storm). A room that has not published for MIN_INTERVAL_S publishes at once, as
before; the changes made meanwhile are sent by one more publish when the interval ends, with the
names as they are then. Presence stays best effort: a failed publish is logged, and the next
change retries.
"""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import RedisError

from .hub import Hub
from .presence import Presence

log = logging.getLogger(__name__)

# A member list a quarter of a second late is not seen by people; in a storm of joins it bounds
# a room's presence frames to 4 per second per node. (Profile of 2000 joins, bench.joins: half
# of the node's time went to writing presence frames to sockets.)
MIN_INTERVAL_S = 0.25


class PresenceUpdates:
    def __init__(self, presence: Presence, hub: Hub) -> None:
        self.presence = presence
        self.hub = hub
        self.in_flight: set[str] = set()
        self.changed_meanwhile: set[str] = set()
        self.tasks: set[asyncio.Task] = set()

    def changed(self, room_name: str) -> None:
        if room_name in self.in_flight:
            self.changed_meanwhile.add(room_name)
            return
        self.in_flight.add(room_name)
        task = asyncio.create_task(self._publish(room_name), name=f"presence {room_name}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _publish(self, room_name: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                self.changed_meanwhile.discard(room_name)
                room = self.hub.rooms.get(room_name)
                # A room its last member left is gone from the hub: publish that it is empty.
                names = room.names() if room is not None else []
                published = loop.time()
                try:
                    await self.presence.publish(room_name, names)
                except (RedisError, OSError) as error:
                    log.info("presence update for %s failed: %s", room_name, error)
                await asyncio.sleep(published + MIN_INTERVAL_S - loop.time())
                if room_name not in self.changed_meanwhile:
                    return
        finally:
            self.in_flight.discard(room_name)

    async def close(self) -> set[str]:
        """On shutdown: stop what is pending and return the rooms it was for, which
        Presence.forget then empties (their last members have left, so the hub no longer
        lists them, but other nodes still show this node's names there)."""
        unsent = set(self.in_flight)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        return unsent
