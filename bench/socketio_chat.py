"""The chat a user would otherwise write: python-socketio on aiohttp, scaled by AsyncRedisManager.

Same behaviour as ours for the benchmark: join a room (acked), say to a room (acked), every
member of the room gets the message from whichever node they are on. No history, no WAIT.
"""

from __future__ import annotations

import argparse
import time

import socketio
from aiohttp import web


def make_app(redis_url: str) -> web.Application:
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=socketio.AsyncRedisManager(redis_url),
        cors_allowed_origins="*",
    )

    @sio.event
    async def join(sid: str, room: str) -> bool:
        await sio.enter_room(sid, room)
        return True

    @sio.event
    async def say(sid: str, data: dict) -> dict:
        message = {**data, "ts": int(time.time() * 1000)}
        await sio.emit("message", message, room=data["room"])
        return {"ok": True}

    app = web.Application()
    sio.attach(app)
    app.router.add_get("/healthz", lambda _request: web.Response(text="ok"))
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="python-socketio chat for the fan-out benchmark")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop, as ours does")
    args = parser.parse_args()
    loop = None
    if args.uvloop:
        import uvloop

        loop = uvloop.new_event_loop()
    web.run_app(
        make_app(args.redis_url), host="127.0.0.1", port=args.port, access_log=None, loop=loop
    )


if __name__ == "__main__":
    main()
