"""A test-side websocket chat client that keeps frames it was not waiting for."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aiohttp

RECEIVE_TIMEOUT = 10


class ChatClient:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.inbox: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(frame))

    async def receive(self, timeout: float = RECEIVE_TIMEOUT) -> dict[str, Any]:
        message = await self.ws.receive(timeout=timeout)
        if message.type is not aiohttp.WSMsgType.TEXT:
            raise ConnectionError(f"expected a text frame, got {message.type!r} {message.data!r}")
        return json.loads(message.data)

    async def expect(self, kind: str, timeout: float = RECEIVE_TIMEOUT, **match: Any) -> dict:
        """The first frame of this type (and fields), kept or yet to come; others are kept."""
        for index, frame in enumerate(self.inbox):
            if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                return self.inbox.pop(index)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.receive(timeout=max(0.01, deadline - loop.time()))
            if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame
            self.inbox.append(frame)

    async def join(self, room: str, name: str, since: str | None = None) -> dict:
        await self.send({"type": "join", "room": room, "name": name, "since": since})
        return await self.expect("joined", room=room)

    async def say(self, room: str, text: str, client_id: str | None = None) -> dict:
        """Say text; return the ack (or the error frame for this client_id)."""
        client_id = client_id or uuid.uuid4().hex
        await self.send({"type": "say", "room": room, "text": text, "client_id": client_id})
        answer = await self.answer(client_id)
        if answer is None:
            raise TimeoutError(f"no ack or error for {client_id} in {RECEIVE_TIMEOUT} s")
        return answer

    async def answer(self, client_id: str, timeout: float = RECEIVE_TIMEOUT) -> dict | None:
        """The ack or error frame for client_id, or None if none came within timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for index, frame in enumerate(self.inbox):
                if frame["type"] in ("ack", "error") and frame.get("client_id") == client_id:
                    return self.inbox.pop(index)
            if deadline - loop.time() <= 0:
                return None
            try:
                self.inbox.append(await self.receive(timeout=deadline - loop.time()))
            except TimeoutError:
                return None

    def messages(self) -> list[dict]:
        """Message frames received so far (and kept), removed from the inbox."""
        found = [frame for frame in self.inbox if frame["type"] == "message"]
        self.inbox = [frame for frame in self.inbox if frame["type"] != "message"]
        return found

    async def drain(self, quiet: float = 0.3) -> None:
        """Read until nothing arrives for `quiet` seconds."""
        while True:
            try:
                self.inbox.append(await self.receive(timeout=quiet))
            except TimeoutError:
                return
