"""SIGTERM: clients are told "going away" (1001) and the process exits within seconds."""

from __future__ import annotations

import asyncio
import signal

import aiohttp

from .node_process import NodeProcess


async def test_sigterm_closes_websockets_with_1001_and_exits(tmp_path, redis_url):
    node = await NodeProcess(tmp_path, "app9", redis_url).start()
    try:
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"{node.url}ws")
            await ws.send_json({"type": "join", "room": "lobby", "name": "alice", "since": None})
            await ws.receive(timeout=5)

            node.signal(signal.SIGTERM)

            while True:
                message = await ws.receive(timeout=5)
                if message.type is not aiohttp.WSMsgType.TEXT:
                    break
            assert message.type is aiohttp.WSMsgType.CLOSE
            assert message.data == aiohttp.WSCloseCode.GOING_AWAY
            assert await asyncio.wait_for(node.process.wait(), 5) == 0
    finally:
        await node.kill()
