"""The app node on its own: ready, serving the page, and a websocket round trip through it."""

from __future__ import annotations

import json
import os
import urllib.request
import uuid

import aiohttp

from cluster.model import Cluster

CLUSTER = Cluster(os.environ["DATCHAT_INVENTORY"])
APP = CLUSTER.group("apps")[0]
URL = f"http://{APP.address}:{APP.data['app_port']}"


def test_app_is_ready_against_its_redis():
    with urllib.request.urlopen(f"{URL}/readyz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read())["node"] == APP.name


async def test_websocket_round_trip():
    room, client_id = f"molecule-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    async with aiohttp.ClientSession() as session, session.ws_connect(f"{URL}/ws") as ws:
        await ws.send_json({"type": "join", "room": room, "name": "molecule"})
        frames = [json.loads((await ws.receive(timeout=10)).data)]
        assert frames[0]["type"] == "joined"
        await ws.send_json({"type": "say", "room": room, "text": "hello", "client_id": client_id})
        kinds: dict[str, dict] = {}
        while not {"ack", "message"} <= kinds.keys():
            frame = json.loads((await ws.receive(timeout=10)).data)
            assert frame["type"] != "error", frame
            kinds.setdefault(frame["type"], frame)
        assert kinds["ack"]["client_id"] == client_id
        assert kinds["message"]["text"] == "hello"
        assert kinds["message"]["id"] == kinds["ack"]["id"]
