"""Chat clients for drills: talk through the VIP like browsers and record everything.

Each client joins one room, says `rate` messages a second with fresh client_ids, resends
what was not acked (same client_id, so never stored twice) and, when its connection drops,
reconnects with `since` = the last id it saw, as the page does. A connection that stops
answering (its packets going to an LB that no longer holds the VIP) is given up by a
heartbeat and replaced. The load stops in two steps: first the saying of new messages (the
unacked ones keep going out until acked, as a page keeps a user's), then (once everyone has
caught up, or given up on) the connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp

from datchat.protocol import stream_id_key

# As the page does (static/connection.js): the first retry after a loss goes at once, with
# jitter so a node's clients do not all land in the same millisecond, then backoff doubles.
FIRST_RETRY_JITTER_S = 0.25
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 2.0
RESEND_AFTER_S = 1.0


def retry_delay(failures: int) -> float:
    """Seconds before the next connect, after this many failed ones in a row."""
    if failures <= 1:
        return random.random() * FIRST_RETRY_JITTER_S
    backoff = min(BACKOFF_FIRST_S * 2 ** (failures - 2), BACKOFF_MAX_S)
    return backoff * (0.5 + random.random() / 2)


@dataclass
class Recorder:
    """Everything the clients saw, with times in seconds since the drill started."""

    started: float = field(default_factory=time.monotonic)
    acks: dict[str, tuple[str, str, float]] = field(default_factory=dict)  # cid -> room, id, t
    sent: dict[str, float] = field(default_factory=dict)  # cid -> first send time
    deliveries: dict[int, list[tuple[str, float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # client -> (id, t, latency s)
    duplicates: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    out_of_order: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    disconnects: list[tuple[int, float]] = field(default_factory=list)
    rejoins: list[tuple[int, float, str]] = field(default_factory=list)  # client, t, node
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first_join: dict[int, tuple[str, str]] = field(default_factory=dict)  # client -> room, id

    def now(self) -> float:
        return time.monotonic() - self.started


class DrillClient:
    def __init__(self, index: int, url: str, room: str, rate: float, recorder: Recorder) -> None:
        self.index = index
        self.url = url
        self.room = room
        self.rate = rate
        self.recorder = recorder
        self.last_id: str | None = None
        self.seen: set[str] = set()
        self.pending: dict[str, tuple[str, float]] = {}  # cid -> text, last sent
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.connected = False

    def missing(self, stored: list[str]) -> set[str]:
        """The ids of `stored` (its room's history) this client should have seen and has not."""
        baseline = stream_id_key(self.recorder.first_join.get(self.index, (self.room, "0-0"))[1])
        return {sid for sid in stored if stream_id_key(sid) > baseline} - self.seen

    async def run(
        self,
        session: aiohttp.ClientSession,
        stop_saying: asyncio.Event,
        stop: asyncio.Event,
        answer_within_s: float,
    ) -> None:
        sender = asyncio.create_task(self._say_loop(stop_saying, stop))
        failures = 0
        try:
            while not stop.is_set():
                with contextlib.suppress(
                    aiohttp.ClientError, OSError, TimeoutError, ConnectionError
                ):
                    await self._session(session, stop, answer_within_s)
                failures += 1
                if self.connected:
                    failures = 1
                    self.connected = False
                    if not stop.is_set():  # the end of the drill is not a disconnect
                        self.recorder.disconnects.append((self.index, self.recorder.now()))
                if stop.is_set():
                    break
                await asyncio.sleep(retry_delay(failures))
        finally:
            sender.cancel()
            if self.ws is not None:
                await self.ws.close()

    async def _session(
        self, session: aiohttp.ClientSession, stop: asyncio.Event, answer_within_s: float
    ) -> None:
        # The heartbeat's ping wants its pong within half the period.
        async with session.ws_connect(
            f"{self.url}/ws",
            timeout=aiohttp.ClientWSTimeout(ws_close=2),
            heartbeat=2 * answer_within_s,
        ) as ws:
            self.ws = ws
            await ws.send_json(
                {
                    "type": "join",
                    "room": self.room,
                    "name": f"drill{self.index}",
                    "since": self.last_id,
                }
            )
            stopping = asyncio.create_task(stop.wait())
            try:
                while True:
                    receive = asyncio.create_task(ws.receive())
                    done, _ = await asyncio.wait(
                        {receive, stopping}, return_when=asyncio.FIRST_COMPLETED
                    )
                    if stopping in done:
                        receive.cancel()
                        return
                    message = receive.result()
                    if message.type is not aiohttp.WSMsgType.TEXT:
                        return
                    self._on_frame(json.loads(message.data))
            finally:
                stopping.cancel()
                self.ws = None

    def _on_frame(self, frame: dict) -> None:
        recorder, kind = self.recorder, frame["type"]
        if kind == "joined":
            if self.index not in recorder.first_join:
                # Older messages are not this client's to count; resume from the newest.
                newest = frame["history"][-1]["id"] if frame["history"] else "0-0"
                recorder.first_join[self.index] = (self.room, newest)
                self.last_id = newest
                self.seen.update(message["id"] for message in frame["history"])
            else:
                for message in frame["history"]:
                    self._deliver(message)
            self.connected = True
            recorder.rejoins.append((self.index, recorder.now(), frame["node"]))
        elif kind == "message":
            self._deliver(frame)
        elif kind == "ack":
            client_id = frame["client_id"]
            if client_id in self.pending:
                del self.pending[client_id]
                recorder.acks[client_id] = (self.room, frame["id"], recorder.now())
        elif kind == "error":
            recorder.errors[frame["code"]] += 1

    def _deliver(self, message: dict) -> None:
        recorder, stream_id = self.recorder, message["id"]
        if stream_id in self.seen:
            recorder.duplicates[self.index] += 1
            return
        if self.last_id is not None and stream_id_key(stream_id) < stream_id_key(self.last_id):
            recorder.out_of_order[self.index] += 1
        self.seen.add(stream_id)
        if self.last_id is None or stream_id_key(stream_id) > stream_id_key(self.last_id):
            self.last_id = stream_id
        latency = time.time() - message["ts"] / 1000
        recorder.deliveries[self.index].append((stream_id, recorder.now(), latency))

    def _send_say(self, client_id: str) -> None:
        text, _ = self.pending[client_id]
        self.pending[client_id] = (text, self.recorder.now())
        if self.ws is not None and not self.ws.closed and self.connected:
            frame = {"type": "say", "room": self.room, "text": text, "client_id": client_id}
            task = asyncio.ensure_future(_quietly(self.ws.send_json(frame)))
            _sending.add(task)
            task.add_done_callback(_sending.discard)

    async def _say_loop(self, stop_saying: asyncio.Event, stop: asyncio.Event) -> None:
        interval = 1 / self.rate
        await asyncio.sleep(random.random() * interval)
        while not stop.is_set():
            if not stop_saying.is_set():
                client_id = uuid.uuid4().hex
                self.pending[client_id] = (f"drill message from {self.index}", 0.0)
                self.recorder.sent[client_id] = self.recorder.now()
                self._send_say(client_id)
            # Unacked messages (unavailable, or lost with a connection) go again with the same
            # id, one per tick and oldest first, so a backlog never trips the rate limit.
            now = self.recorder.now()
            for old_id, (_, last_sent) in self.pending.items():
                if now - last_sent > RESEND_AFTER_S:
                    self._send_say(old_id)
                    break
            await asyncio.sleep(interval)


# Strong references to sends in flight (asyncio keeps only weak ones).
_sending: set[asyncio.Task] = set()


async def _quietly(send) -> None:
    # A failed send needs no handling: the receive loop notices the broken connection.
    with contextlib.suppress(aiohttp.ClientError, ConnectionError, RuntimeError):
        await send


def make_clients(
    url: str, clients: int, rooms: int, rate: float, recorder: Recorder
) -> list[DrillClient]:
    drill_rooms = [f"drill-{uuid.uuid4().hex[:6]}-{n}" for n in range(rooms)]
    return [DrillClient(n, url, drill_rooms[n % rooms], rate, recorder) for n in range(clients)]


async def run_load(
    load: list[DrillClient], stop_saying: asyncio.Event, stop: asyncio.Event, answer_within_s: float
) -> None:
    """Run the clients: they say new messages until stop_saying, and resend unacked ones and
    stay connected until stop. A connect, handshake or ping left unanswered for
    answer_within_s counts as a dropped connection."""
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    # No total: a websocket lives for the whole drill; only its handshake is bounded here.
    timeout = aiohttp.ClientTimeout(
        total=None, sock_connect=answer_within_s, sock_read=answer_within_s
    )
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(
            *(client.run(session, stop_saying, stop, answer_within_s) for client in load)
        )
