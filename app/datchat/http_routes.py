"""Plain HTTP: the page, health for HAProxy, metrics for Prometheus, history for tools."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from .keys import DRAINING, HISTORY, HUB, LINK, LISTENER, METRICS, READINESS, SETTINGS
from .protocol import ROOM_PATTERN, STREAM_ID_PATTERN

STATIC = Path(__file__).parent / "static"
# Well inside HAProxy's check timeout (its check interval, 500 ms in the lab): a check that
# waited longer on a frozen Redis failed, and HAProxy cut every websocket the grace was there
# to keep (redis-master-freeze: 8 of 8 clients dropped). A healthy Redis answers in ms; a slow
# answer only counts as a moment without Redis, which the grace covers.
READY_PING_TIMEOUT_S = 0.25
MAX_HISTORY_LIMIT = 1000


def content_security_policy(host: str) -> str:
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src 'self' ws://{host} wss://{host}; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


async def page(request: web.Request) -> web.StreamResponse:
    response = web.FileResponse(STATIC / "index.html")
    response.headers["Content-Security-Policy"] = content_security_policy(request.host)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"node": request.app[SETTINGS].node_name, "status": "alive"})


async def readyz(request: web.Request) -> web.Response:
    """200 while this node can store AND deliver, or could within ready_grace_s (readiness.py):
    HAProxy routes by this answer."""
    app = request.app
    try:
        redis_ok = await asyncio.wait_for(app[LINK].ping(), READY_PING_TIMEOUT_S)
    except TimeoutError:
        redis_ok = False
    healthy = redis_ok and app[LISTENER].healthy
    body = {
        "node": app[SETTINGS].node_name,
        "redis": "ok" if redis_ok else "down",
        "listener": "ok" if app[LISTENER].healthy else "down",
    }
    if app[DRAINING].is_set():
        body["draining"] = True
    readiness = app[READINESS]
    ready = readiness.ready(healthy, app[DRAINING].is_set())
    if not healthy:
        unhealthy_for = readiness.unhealthy_for_s()
        body["unhealthy_for_s"] = None if unhealthy_for is None else round(unhealthy_for, 2)
    return web.json_response(body, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    text = request.app[METRICS].render(len(hub.sessions), len(hub.rooms))
    return web.Response(text=text, content_type="text/plain", charset="utf-8")


async def room_history(request: web.Request) -> web.Response:
    room = request.match_info["room"]
    since = request.query.get("since") or "0-0"
    if not ROOM_PATTERN.match(room):
        raise web.HTTPBadRequest(text="room must match [a-z0-9-]{1,32}")
    if not STREAM_ID_PATTERN.match(since):
        raise web.HTTPBadRequest(text="since must be a message id like 1700000000000-0")
    try:
        limit = int(request.query.get("limit", MAX_HISTORY_LIMIT))
    except ValueError:
        raise web.HTTPBadRequest(text="limit must be a whole number") from None
    if not 1 <= limit <= MAX_HISTORY_LIMIT:
        raise web.HTTPBadRequest(text=f"limit must be 1-{MAX_HISTORY_LIMIT}")
    entries = await request.app[HISTORY].after(room, since, limit)
    body = "[" + ",".join(frame for _, frame in entries) + "]"
    return web.Response(text=body, content_type="application/json")


def add_http_routes(app: web.Application) -> None:
    app.router.add_get("/", page)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/rooms/{room}/history", room_history)
    app.router.add_static("/static/", STATIC)
