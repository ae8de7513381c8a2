"""The application factory and the node's lifecycle: Redis, listener, heartbeats, draining."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import WSCloseCode, web
from redis.exceptions import RedisError

from .config import Settings
from .history import History
from .http_routes import add_http_routes
from .hub import Hub
from .keys import (
    CHAT,
    DRAINING,
    HISTORY,
    HUB,
    LINK,
    LISTENER,
    METRICS,
    PRESENCE,
    PRESENCE_UPDATES,
    READINESS,
    SETTINGS,
)
from .listener import Listener
from .master_watch import watch_master
from .metrics import Metrics
from .presence import ALIVE_REFRESH_S, Presence
from .presence_updates import PresenceUpdates
from .readiness import Readiness
from .redis_link import RedisLink
from .websocket import websocket_handler

log = logging.getLogger(__name__)


async def keep_alive(presence: Presence) -> None:
    while True:
        try:
            await presence.heartbeat()
        except (RedisError, OSError) as error:
            log.info("presence heartbeat failed: %s", error)
        await asyncio.sleep(ALIVE_REFRESH_S)


async def redis_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    link = app[LINK] = RedisLink(settings.redis)
    chat = settings.chat
    app[HISTORY] = History(link, chat.history_max, chat.ack_replicas, chat.ack_timeout_ms)
    presence = app[PRESENCE] = Presence(link, settings.node_name)
    updates = app[PRESENCE_UPDATES] = PresenceUpdates(presence, app[HUB])
    listener = app[LISTENER] = Listener(app[HISTORY], presence, app[HUB], app[METRICS])
    tasks = [
        asyncio.create_task(listener.run(), name="listener"),
        asyncio.create_task(keep_alive(presence), name="presence-heartbeat"),
        asyncio.create_task(watch_master(link, listener, app[METRICS]), name="master-watch"),
    ]
    yield
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    unsent = await updates.close()
    with contextlib.suppress(RedisError, OSError):
        await asyncio.wait_for(presence.forget(sorted(unsent | set(app[HUB].rooms))), 2)
    await link.close()


async def close_websockets(app: web.Application) -> None:
    """Draining: /readyz turns 503 and every client is told to go elsewhere (1001)."""
    app[DRAINING].set()
    sessions = list(app[HUB].sessions)
    for session in sessions:
        session.flush()  # queued frames go out before the close frame
    await asyncio.gather(
        *(s.ws.close(code=WSCloseCode.GOING_AWAY, message=b"node shutting down") for s in sessions),
        return_exceptions=True,
    )


def init_app(settings: Settings) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings
    app[CHAT] = settings.chat
    app[METRICS] = Metrics()
    app[HUB] = Hub(app[METRICS])
    app[DRAINING] = asyncio.Event()
    app[READINESS] = Readiness(settings.chat.ready_grace_s)
    app.cleanup_ctx.append(redis_context)
    app.on_shutdown.append(close_websockets)
    app.router.add_get("/ws", websocket_handler)
    add_http_routes(app)
    return app
