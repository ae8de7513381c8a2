"""dat-chat: a distributed websocket chat (aiohttp, Redis pub/sub, Redis stream history)."""

from .app import init_app

__all__ = ["init_app"]
