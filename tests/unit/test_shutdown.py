"""SIGTERM: clients are told "going away" (1001) and the process exits within seconds."""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp

from .redis_processes import free_port


async def test_sigterm_closes_websockets_with_1001_and_exits(tmp_path, redis_url):
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f'node_name = "app9"\nlisten = "127.0.0.1:{port}"\n[redis]\nurl = "{redis_url}"\n'
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "datchat", "--config", str(config)
    )
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
            ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws")
            await ws.send_json({"type": "join", "room": "lobby", "name": "alice", "since": None})
            await ws.receive(timeout=5)

            process.send_signal(signal.SIGTERM)

            while True:
                message = await ws.receive(timeout=5)
                if message.type is not aiohttp.WSMsgType.TEXT:
                    break
            assert message.type is aiohttp.WSMsgType.CLOSE
            assert message.data == aiohttp.WSCloseCode.GOING_AWAY
            assert await asyncio.wait_for(process.wait(), 5) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
