"""The drills' clients give up on a connection that stops answering, and connect again.

After a VIP moves, a connection made just before can go on sending to the LB that gave the
address up, where its packets vanish without a reset. That cannot be made on loopback, so
these servers are real but deliberately silent: one never answers the handshake, one goes
quiet after the join and ignores pings.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from drills.load import (
    BACKOFF_MAX_S,
    FIRST_RETRY_JITTER_S,
    Recorder,
    make_clients,
    retry_delay,
    run_load,
)

ANSWER_WITHIN_S = 0.5


class Connections(list):
    """What a server accepted; `second` is set once the client has come back."""

    def __init__(self) -> None:
        super().__init__()
        self.second = asyncio.Event()

    def add(self, connection) -> None:
        self.append(connection)
        if len(self) >= 2:
            self.second.set()


async def run_one_client_until_it_reconnects(url: str, connections: Connections) -> Recorder:
    recorder = Recorder()
    stop = asyncio.Event()
    clients = make_clients(url, clients=1, rooms=1, rate=1, recorder=recorder)
    load = asyncio.create_task(run_load(clients, stop, stop, ANSWER_WITHIN_S))
    try:
        await asyncio.wait_for(connections.second.wait(), 30)
    finally:
        stop.set()
        await load
    return recorder


async def test_a_handshake_never_answered_is_given_up_and_tried_again():
    connections = Connections()

    async def accept_and_say_nothing(reader, writer):
        connections.add(writer)
        await reader.read()

    server = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        await run_one_client_until_it_reconnects(f"http://127.0.0.1:{port}", connections)
        for writer in connections:
            writer.close()
    assert len(connections) >= 2


async def test_a_websocket_that_stops_answering_pings_is_dropped_and_rejoined(aiohttp_server):
    connections = Connections()

    async def join_then_go_quiet(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        connections.add(ws)
        join = await ws.receive_json()
        node = f"quiet{len(connections)}"
        await ws.send_json({"type": "joined", "room": join["room"], "history": [], "node": node})
        # Read (so the client's frames do not pile up) but answer nothing, pings included.
        async for _ in ws:
            pass
        return ws

    app = web.Application()
    app.router.add_get("/ws", join_then_go_quiet)
    server = await aiohttp_server(app)
    url = str(server.make_url("")).rstrip("/")
    recorder = await run_one_client_until_it_reconnects(url, connections)

    # The first connection was a real join, dropped (and counted) before the second came.
    assert recorder.rejoins[0][2] == "quiet1"
    assert len(recorder.disconnects) >= 1


def test_first_retry_goes_at_once_then_backoff_doubles_to_its_cap():
    firsts = [retry_delay(1) for _ in range(200)]
    assert all(0 <= delay < FIRST_RETRY_JITTER_S for delay in firsts)
    assert len(set(firsts)) > 100, "no jitter: a node's clients would all retry together"
    # Each later delay is drawn from [backoff / 2, backoff], backoff doubling up to its cap.
    assert all(0.25 <= retry_delay(2) <= 0.5 for _ in range(50))
    assert all(0.5 <= retry_delay(3) <= 1.0 for _ in range(50))
    assert all(BACKOFF_MAX_S / 2 <= retry_delay(20) <= BACKOFF_MAX_S for _ in range(50))
