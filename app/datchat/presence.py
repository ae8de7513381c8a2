"""Who is in a room, across all app nodes.

Each node instance keeps its local member names in one field of the room's presence hash.
A field whose instance stopped refreshing its liveness key (a killed node) is dropped the
next time anyone's membership changes, so crashed nodes leave no lasting ghosts.
"""

from __future__ import annotations

import json
import uuid

from .protocol import presence_frame_parts
from .redis_link import RedisLink
from .redis_names import (
    ALIVE_KEY_PARTS,
    PRESENCE_PAYLOAD_HEAD,
    channel,
    instance_alive_key,
    presence_key,
)

ALIVE_TTL_S = 15
ALIVE_REFRESH_S = 5

# Updates this instance's names, then publishes the union over live instances as one frame,
# so every node forwards the same list and no node has to query the hash itself.
# Other instances' liveness keys depend on the hash's fields, so they cannot be passed in
# KEYS: the script builds them from the two parts in ARGV[7] and ARGV[8]. That is fine on a
# single master (Sentinel); Redis Cluster would need the keys in one hash slot.
UPDATE_AND_PUBLISH = """
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
local all = redis.call('HGETALL', KEYS[1])
local seen, names = {}, {}
for i = 1, #all, 2 do
  if redis.call('EXISTS', ARGV[7] .. all[i] .. ARGV[8]) == 1 then
    for _, name in ipairs(cjson.decode(all[i + 1])) do
      if not seen[name] then
        seen[name] = true
        names[#names + 1] = name
      end
    end
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end
table.sort(names)
-- cjson writes an empty table as an object, so an empty member list is spelled out.
local members = '[]'
if #names > 0 then members = cjson.encode(names) end
local frame = ARGV[5] .. members .. ARGV[6]
redis.call('PUBLISH', ARGV[3], ARGV[4] .. frame)
return frame
"""


class Presence:
    def __init__(self, link: RedisLink, node_name: str) -> None:
        self.link = link
        # A restarted node gets a new instance id, so its predecessor's names expire with it.
        self.instance = f"{node_name}:{uuid.uuid4().hex[:8]}"
        self.script = link.client.register_script(UPDATE_AND_PUBLISH)

    @property
    def alive_key(self) -> str:
        return instance_alive_key(self.instance)

    async def heartbeat(self) -> None:
        await self.link.client.set(self.alive_key, "1", ex=ALIVE_TTL_S)

    async def publish(self, room: str, local_names: list[str]) -> None:
        """Record this node's members of room and tell every node the new member list."""
        names = json.dumps(sorted(set(local_names)), ensure_ascii=False) if local_names else ""
        before, after = presence_frame_parts(room)
        await self.script(
            keys=[presence_key(room)],
            args=[
                self.instance,
                names,
                channel(room),
                PRESENCE_PAYLOAD_HEAD,
                before,
                after,
                *ALIVE_KEY_PARTS,
            ],
        )

    async def forget(self, rooms: list[str]) -> None:
        """On shutdown: leave every room now instead of when the liveness key expires."""
        await self.link.client.delete(self.alive_key)
        for room in rooms:
            await self.publish(room, [])
