"""Settings from a TOML file, validated strictly so a typo fails at start, not in production."""

from __future__ import annotations

import socket
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

EVENT_LOOPS = ("uvloop", "asyncio")


class ConfigError(ValueError):
    """A setting is unknown, missing or of the wrong type; the message names the key."""


@dataclass(frozen=True)
class RedisSettings:
    url: str = ""
    sentinels: tuple[str, ...] = ()
    master_name: str = "datchat"
    # The ACL user and password for Redis, and for Sentinel (empty: Redis's default user).
    username: str = ""
    password: str = ""
    sentinel_username: str = ""
    sentinel_password: str = ""


@dataclass(frozen=True)
class ChatSettings:
    history_max: int = 10000
    history_on_join: int = 50
    max_text_chars: int = 2000
    max_frame_bytes: int = 16384
    rate_per_sec: float = 10.0
    rate_burst: int = 20
    ack_replicas: int = 0
    ack_timeout_ms: int = 1000
    # How long /readyz stays 200 after Redis or the listener was last healthy (readiness.py).
    ready_grace_s: float = 0.0
    allowed_origins: tuple[str, ...] = ()
    # A socket whose unsent bytes exceed this is disconnected (code too_slow) so that
    # one reader that stopped reading can never stall the fan-out loop of its room.
    slow_client_bytes: int = 1 << 20
    # The kernel's send buffer per socket (SO_SNDBUF; Linux doubles it). Without a cap, Linux
    # lets one stalled reader hold up to tcp_wmem's 4 MB before slow_client_bytes even starts
    # to count; chat frames need far less to keep a reading client at full speed.
    send_buffer_bytes: int = 1 << 18


@dataclass(frozen=True)
class Settings:
    node_name: str = field(default_factory=socket.gethostname)
    listen: str = "127.0.0.1:8080"
    event_loop: str = "uvloop"
    redis: RedisSettings = RedisSettings(url="redis://127.0.0.1:6379/0")
    chat: ChatSettings = ChatSettings()

    @property
    def listen_host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def listen_port(self) -> int:
        return int(self.listen.rpartition(":")[2])


def _coerce(key: str, value: Any, default: Any) -> Any:
    """Return value converted to the type of default, or raise naming the key."""
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, str):
        ok = isinstance(value, str)
    elif isinstance(default, tuple):
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        value = tuple(value) if ok else value
    else:
        ok = False
    if not ok:
        expected = "list of strings" if isinstance(default, tuple) else type(default).__name__
        raise ConfigError(f"{key}: expected {expected}, got {value!r}")
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        raise ConfigError(f"{key}: must not be negative, got {value!r}")
    return value


def _build(cls: type, table: dict[str, Any], prefix: str) -> Any:
    defaults = cls()
    known = {f.name for f in fields(cls)}
    for key in table:
        if key not in known:
            raise ConfigError(f"{prefix}{key}: unknown setting")
    values = {}
    for f in fields(cls):
        if f.name not in table:
            continue
        default = getattr(defaults, f.name)
        if isinstance(default, RedisSettings | ChatSettings):
            if not isinstance(table[f.name], dict):
                raise ConfigError(f"{prefix}{f.name}: expected a [{f.name}] table")
            values[f.name] = _build(type(default), table[f.name], f"{f.name}.")
        else:
            values[f.name] = _coerce(prefix + f.name, table[f.name], default)
    return cls(**values)


def _check(settings: Settings) -> None:
    redis = settings.redis
    if bool(redis.url) == bool(redis.sentinels):
        raise ConfigError("redis.url / redis.sentinels: set exactly one of them")
    for address in redis.sentinels:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"redis.sentinels: {address!r} is not HOST:PORT")
    if redis.sentinels and not redis.master_name:
        raise ConfigError("redis.master_name: required with redis.sentinels")
    if settings.event_loop not in EVENT_LOOPS:
        raise ConfigError(f"event_loop: must be one of {', '.join(EVENT_LOOPS)}")
    host, _, port = settings.listen.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"listen: {settings.listen!r} is not HOST:PORT")
    for key in ("history_max", "history_on_join", "max_text_chars", "max_frame_bytes"):
        if getattr(settings.chat, key) < 1:
            raise ConfigError(f"chat.{key}: must be at least 1")
    if settings.chat.rate_burst < 1:
        raise ConfigError("chat.rate_burst: must be at least 1")
    if settings.chat.ready_grace_s < 0:
        raise ConfigError("chat.ready_grace_s: must be at least 0")


def parse_settings(table: dict[str, Any]) -> Settings:
    """Build Settings from a parsed TOML table; a [redis] table replaces the dev default URL."""
    settings = _build(Settings, table, "")
    _check(settings)
    return settings


def load_settings(path: str | Path) -> Settings:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from error
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from error
    return parse_settings(table)
