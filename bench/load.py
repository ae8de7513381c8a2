"""The load generator: C clients in R rooms across two nodes, S paced senders, every delivery timed.

Each message's text starts with the load generator's CLOCK_MONOTONIC at send time; the receiver
subtracts it from its own clock at receipt. Both ends are this one process, so no clock skew.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .dialects import Dialect, sent_at_ns
from .servers import HOST
from .ws_client import WebSocketClient

CONNECT_CONCURRENCY = 64
# A never-reading client gets a tiny receive window, so the server's side fills in seconds,
# not minutes, and what happens then (drop it, or buffer without end) shows in the run.
STALLED_RCVBUF = 4096
PACE_TICK_S = 0.002


@dataclass(frozen=True)
class Scenario:
    name: str
    clients: int
    rooms: int
    senders: int
    # Target deliveries per second at each step; the send rate is this over the fan-out.
    steps: tuple[int, ...]
    text_bytes: int = 0
    stalled_every: int = 0  # every n-th client never reads (0: none)
    measure_s: float = 4.0

    def stalled(self, index: int) -> bool:
        # The last or second-to-last client of each block of stalled_every, alternately:
        # clients alternate between nodes, so both nodes get their share.
        every = self.stalled_every
        return every > 1 and index % every == every - 1 - (index // every) % 2


def snapshot(values: array) -> np.ndarray:
    # A copy: a live view would stop the array from growing (BufferError on append).
    return np.frombuffer(values, dtype=np.int64).copy()


class Recorder:
    """Send and receive times, appended from protocol callbacks at full speed."""

    def __init__(self) -> None:
        self.sent_ns = array("q")
        self.sent_fanout = array("q")
        self.received_sent_ns = array("q")
        self.received_ns = array("q")

    def clear(self) -> None:
        self.__init__()


class Client:
    __slots__ = ("dialect", "hello", "index", "joined", "protocol", "reading", "recorder", "room")

    def __init__(self, index: int, room: str, dialect: Dialect, recorder: Recorder) -> None:
        self.index = index
        self.room = room
        self.dialect = dialect
        self.recorder = recorder
        self.reading = True
        self.protocol: WebSocketClient | None = None
        loop = asyncio.get_running_loop()
        self.hello: asyncio.Future[None] = loop.create_future()
        self.joined: asyncio.Future[None] = loop.create_future()

    def on_text(self, frame: bytes) -> None:
        dialect = self.dialect
        if frame.startswith(dialect.message_prefix):
            recorder = self.recorder
            recorder.received_ns.append(time.monotonic_ns())
            recorder.received_sent_ns.append(sent_at_ns(frame))
        elif frame.startswith(dialect.joined_prefix):
            if not self.joined.done():
                self.joined.set_result(None)
        elif dialect.app_ping and frame == dialect.app_ping:
            assert self.protocol is not None
            self.protocol.send_text(dialect.app_pong)
        elif (
            dialect.hello_reply_prefix
            and frame.startswith(dialect.hello_reply_prefix)
            and not self.hello.done()
        ):
            self.hello.set_result(None)

    async def connect(self, port: int, stalled: bool) -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket()
        sock.setblocking(False)
        if stalled:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, STALLED_RCVBUF)
        await loop.sock_connect(sock, (HOST, port))
        _, self.protocol = await loop.create_connection(
            lambda: WebSocketClient(HOST, port, self.dialect.path, self.on_text), sock=sock
        )
        await self.protocol.opened
        if self.dialect.hello:
            self.protocol.send_text(self.dialect.hello)
            await self.hello
        self.protocol.send_text(self.dialect.join(self.room, f"u{self.index}"))
        await self.joined
        if stalled:
            self.reading = False
            assert self.protocol.transport is not None
            self.protocol.transport.pause_reading()


@dataclass
class StepSample:
    """What the load generator saw in one step's measuring window."""

    window_s: float
    expected: int  # deliveries owed for the messages sent in the window
    delivered: int  # deliveries of those messages received before the drain ended
    delivered_in_window: int  # deliveries received during the window (throughput)
    latencies_ms: np.ndarray  # of the deliveries of messages sent in the window
    load_cpu_s: float
    server_cpu_s: float  # both nodes
    redis_cpu_s: float
    sent: int


class Load:
    def __init__(self, scenario: Scenario, dialect: Dialect, ports: list[int]) -> None:
        self.scenario = scenario
        self.dialect = dialect
        self.ports = ports
        self.recorder = Recorder()
        self.clients: list[Client] = []
        self.senders: list[Client] = []
        self.readers_per_room: dict[str, int] = {}
        self.padding = "x" * scenario.text_bytes

    async def connect_all(self) -> None:
        scenario = self.scenario
        # Room by index // 2, node by index % 2: every room has members on both nodes.
        self.clients = [
            Client(i, f"r{(i // 2) % scenario.rooms}", self.dialect, self.recorder)
            for i in range(scenario.clients)
        ]
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def connect(client: Client) -> None:
            async with gate:
                await asyncio.wait_for(
                    client.connect(self.ports[client.index % 2], scenario.stalled(client.index)),
                    30,
                )

        await asyncio.gather(*(connect(client) for client in self.clients))
        readers = [client for client in self.clients if client.reading]
        for client in readers:
            self.readers_per_room[client.room] = self.readers_per_room.get(client.room, 0) + 1
        spacing = max(1, len(readers) // scenario.senders)
        self.senders = readers[::spacing][: scenario.senders]

    def fanout(self) -> float:
        return sum(self.readers_per_room.values()) / len(self.readers_per_room)

    async def _pace(self, rate: float, stop: asyncio.Event) -> None:
        started = time.monotonic()
        sent = 0
        senders = self.senders
        recorder = self.recorder
        readers = self.readers_per_room
        padding = self.padding
        say = self.dialect.say
        while not stop.is_set():
            due = int((time.monotonic() - started) * rate)
            while sent < due:
                sender = senders[sent % len(senders)]
                now = time.monotonic_ns()
                text = f"{now} {padding}" if padding else str(now)
                assert sender.protocol is not None
                # Unique client ids: ours stores a repeated one only once (retry de-duplication).
                sender.protocol.send_text(say(sender.room, text, f"c{now}"))
                recorder.sent_ns.append(now)
                recorder.sent_fanout.append(readers[sender.room])
                sent += 1
            await asyncio.sleep(PACE_TICK_S)

    async def step(
        self,
        deliveries_per_s: int,
        warmup_s: float,
        drain_s: float,
        server_cpu: Callable[[], tuple[float, float]],
    ) -> StepSample:
        """One step at a fixed rate; server_cpu() gives (nodes', redis's) CPU seconds so far."""
        rate = deliveries_per_s / self.fanout()
        stop = asyncio.Event()
        pacer = asyncio.create_task(self._pace(rate, stop))
        await asyncio.sleep(warmup_s)
        self.recorder.clear()
        cpu_start = sum(os.times()[:2])
        nodes_start, redis_start = server_cpu()
        start_ns = time.monotonic_ns()
        await asyncio.sleep(self.scenario.measure_s)
        end_ns = time.monotonic_ns()
        nodes_end, redis_end = server_cpu()
        load_cpu_s = sum(os.times()[:2]) - cpu_start
        stop.set()
        await pacer
        recorder = self.recorder
        sent_ns = snapshot(recorder.sent_ns)
        in_window = sent_ns <= end_ns
        expected = int(snapshot(recorder.sent_fanout)[in_window].sum())
        # Let the stragglers of the window arrive before judging what was lost.
        deadline = time.monotonic() + drain_s
        while True:
            received_sent = snapshot(recorder.received_sent_ns)
            of_window = (received_sent >= start_ns) & (received_sent <= end_ns)
            if of_window.sum() >= expected or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        received = snapshot(recorder.received_ns)[: len(received_sent)]
        return StepSample(
            window_s=(end_ns - start_ns) / 1e9,
            expected=expected,
            delivered=int(of_window.sum()),
            delivered_in_window=int((received <= end_ns).sum()),
            latencies_ms=(received[of_window] - received_sent[of_window]) / 1e6,
            load_cpu_s=load_cpu_s,
            server_cpu_s=nodes_end - nodes_start,
            redis_cpu_s=redis_end - redis_start,
            sent=int(in_window.sum()),
        )

    async def stalled_dropped(self) -> tuple[int, int]:
        """(stalled clients, how many of them the servers disconnected).

        A paused transport does not notice a reset; reading again surfaces it.
        """
        stalled = [c for c in self.clients if not c.reading and c.protocol is not None]
        for client in stalled:
            assert client.protocol is not None
            assert client.protocol.transport is not None
            if not client.protocol.transport.is_closing():
                client.protocol.transport.resume_reading()
        await asyncio.sleep(1.0)
        return len(stalled), sum(1 for c in stalled if c.protocol and c.protocol.closed.done())

    async def close(self) -> None:
        for client in self.clients:
            if client.protocol is not None:
                client.protocol.close()
        await asyncio.sleep(0.2)
