"""Typed aiohttp AppKeys for what the application object carries, in one place.

Not Redis keys: every Redis name is in redis_names.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from .config import ChatSettings, Settings
from .history import History
from .hub import Hub
from .listener import Listener
from .metrics import Metrics
from .presence import Presence
from .presence_updates import PresenceUpdates
from .readiness import Readiness
from .redis_link import RedisLink

SETTINGS = web.AppKey("settings", Settings)
CHAT = web.AppKey("chat", ChatSettings)
METRICS = web.AppKey("metrics", Metrics)
HUB = web.AppKey("hub", Hub)
LINK = web.AppKey("link", RedisLink)
HISTORY = web.AppKey("history", History)
PRESENCE = web.AppKey("presence", Presence)
PRESENCE_UPDATES = web.AppKey("presence_updates", PresenceUpdates)
LISTENER = web.AppKey("listener", Listener)
DRAINING = web.AppKey("draining", asyncio.Event)
READINESS = web.AppKey("readiness", Readiness)
