"""For the page's tests: Chromium, and a loopback TCP proxy that stands in for HAProxy (the
page only ever talks to its own origin, as behind the lab's VIP). Nodes: node_process.py."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from playwright.async_api import expect

from .redis_processes import HOST

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium keeps dialing Google's services, which this machine refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PICTURES = Path(__file__).resolve().parents[2] / "docs" / "pictures"
DESKTOP = {"width": 800, "height": 600}
PHONE = {"width": 390, "height": 760}


async def open_chat(browser, url: str, name: str, **context):
    """A page joined to lobby by keyboard only; page.errors collects uncaught script errors."""
    page = await (await browser.new_context(**context)).new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    await page.goto(url)
    await page.focus("#name")
    await page.keyboard.type(name)
    await page.keyboard.press("Enter")
    await expect(page.locator("#state")).to_have_text("connected")
    await expect(page.locator("#text")).to_be_focused()
    return page


async def say(page, text: str) -> None:
    await page.focus("#text")
    await page.keyboard.type(text)
    await page.keyboard.press("Enter")


def events(page):
    return page.locator("#events li")


class LoopbackProxy:
    """Forwards each connection to the first of `backends` (ports) that accepts it, like
    HAProxy with `option redispatch`; the test sets `backends` where HAProxy's health checks
    would decide. An empty list refuses everyone (no server is up)."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.links: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None
        self.frozen: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    async def start(self) -> LoopbackProxy:
        self.server = await asyncio.start_server(self._accept, HOST, 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, client_r, client_w) -> None:
        for port in list(self.backends):
            try:
                server_r, server_w = await asyncio.open_connection(HOST, port)
            except OSError:
                continue
            self.links.update((client_w, server_w))
            await asyncio.gather(
                self._pipe(client_r, server_w, client_w), self._pipe(server_r, client_w, server_w)
            )
            return
        client_w.close()

    async def _pipe(self, reader, writer, other) -> None:
        try:
            while data := await reader.read(65536):
                if writer in self.frozen:
                    continue  # a vanished LB: bytes go nowhere and nothing is closed
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            for side in (writer, other):
                self.links.discard(side)
                side.close()

    def freeze(self) -> None:
        """Open connections go silent, as through an LB that vanished; new ones work."""
        self.frozen.update(self.links)

    def cut(self) -> None:
        """Drop every open connection without a websocket close (the page sees 1006)."""
        for writer in list(self.links):
            writer.transport.abort()

    async def stop(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
