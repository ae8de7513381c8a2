"""The service as a user meets it: the page and a websocket conversation through the VIP."""

from __future__ import annotations

import asyncio
import json
import uuid

import aiohttp
import pytest

from .conftest import CLUSTER, names

pytestmark = pytest.mark.needs_groups("lbs", "apps")
URL = f"http://{CLUSTER.vip}"


async def test_page_is_served_through_the_vip_with_a_csp():
    async with aiohttp.ClientSession() as session, session.get(f"{URL}/") as response:
        assert response.status == 200
        assert "Content-Security-Policy" in response.headers
        assert "dat-chat" in await response.text()


async def join(session, room: str, name: str):
    ws = await session.ws_connect(f"{URL}/ws")
    await ws.send_json({"type": "join", "room": room, "name": name, "since": None})
    while True:
        frame = json.loads((await ws.receive(timeout=10)).data)
        if frame["type"] == "joined":
            return ws, frame["node"]


async def test_message_crosses_between_two_app_nodes_through_the_vip():
    room = f"infra-{uuid.uuid4().hex[:8]}"
    async with aiohttp.ClientSession() as session:
        # leastconn spreads connections: open sockets until two different nodes answered.
        by_node: dict[str, aiohttp.ClientWebSocketResponse] = {}
        opened = []
        for n in range(10):
            ws, node = await join(session, room, f"user{n}")
            opened.append(ws)
            by_node.setdefault(node, ws)
            if len(by_node) == 2:
                break
        assert len(by_node) == 2, f"all connections landed on {list(by_node)}"
        (sender_node, sender), (receiver_node, receiver) = list(by_node.items())
        client_id = uuid.uuid4().hex
        await sender.send_json(
            {"type": "say", "room": room, "text": "across", "client_id": client_id}
        )

        async def first(ws, kind):
            while True:
                frame = json.loads((await ws.receive(timeout=10)).data)
                if frame["type"] == kind and frame.get("client_id") == client_id:
                    return frame

        ack, message = await asyncio.gather(first(sender, "ack"), first(receiver, "message"))
        assert message["id"] == ack["id"]
        assert message["text"] == "across"
        assert sender_node != receiver_node
        assert {sender_node, receiver_node} <= set(names("apps"))
        for ws in opened:
            await ws.close()
