"""A client that stops reading is dropped; the rest of its room does not wait for it."""

from __future__ import annotations

import asyncio

from datchat.keys import HUB, METRICS

UNLIMITED = {"rate_per_sec": 1e6, "rate_burst": 1_000_000}


async def test_reader_that_never_reads_is_dropped_and_others_get_everything(make_node):
    node = await make_node("app1", slow_client_bytes=64 * 1024, **UNLIMITED)
    talker, reader, stalled = await node.connect(), await node.connect(), await node.connect()
    for client, name in ((talker, "talker"), (reader, "reader"), (stalled, "stalled")):
        await client.join("lobby", name)
    # From here on `stalled` never reads: aiohttp stops reading its socket once 64 KiB wait.
    text = "x" * 1900
    count = 4000

    async def messages_read_by(client) -> int:
        received = 0
        while received < count:
            frame = await client.receive()
            received += frame["type"] == "message"
        return received

    reading = [asyncio.create_task(messages_read_by(c)) for c in (reader, talker)]
    for n in range(count):
        await talker.send({"type": "say", "room": "lobby", "text": text, "client_id": f"c{n}"})

    assert await asyncio.wait_for(asyncio.gather(*reading), 60) == [count, count]
    assert node.app[METRICS].errors["too_slow"] == 1
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while len(node.app[HUB].sessions) != 2:
        assert loop.time() < deadline, "the stalled client was never dropped"
        await asyncio.sleep(0.1)
