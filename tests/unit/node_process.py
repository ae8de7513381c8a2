"""An app node as a real process (`python -m datchat`), for tests that signal or kill it."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

import aiohttp

from .redis_processes import HOST, free_port


class NodeProcess:
    """`python -m datchat` on a free port: a node that can be SIGKILLed like in the lab."""

    def __init__(self, workdir: Path, name: str, redis_url: str) -> None:
        self.name = name
        self.port = free_port()
        self.config = workdir / f"{name}.toml"
        self.config.write_text(
            f'node_name = "{name}"\nlisten = "{HOST}:{self.port}"\n[redis]\nurl = "{redis_url}"\n'
        )
        self.log = workdir / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def _open_log(self):
        return open(self.log, "ab")  # a local file: blocking this briefly is fine

    async def start(self) -> NodeProcess:
        with self._open_log() as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "datchat", "--config", str(self.config),
                stdout=log, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
        async with aiohttp.ClientSession() as session:
            for _ in range(150):
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with session.get(f"{self.url}readyz") as response:
                        if response.status == 200:
                            return self
                await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.name} never became ready: {self.log.read_text()}")

    def signal(self, number: int) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            # No SIGCONT first: SIGKILL ends a stopped process too, and a thawed one could
            # still handle what waits on its sockets (a frame its test says it never read).
            self.process.kill()
            await self.process.wait()
