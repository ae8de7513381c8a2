"""Secrets, generated once per inventory into a git-ignored file (0600), or from the environment."""

from __future__ import annotations

import json
import os
import secrets
import threading
from pathlib import Path

# secret key -> environment variable that overrides it (and then is never written to disk)
SECRET_ENV = {
    "redis_password": "DATCHAT_REDIS_PASSWORD",
    "sentinel_password": "DATCHAT_SENTINEL_PASSWORD",
    "haproxy_stats_password": "DATCHAT_STATS_PASSWORD",
}


# pyinfra prepares hosts concurrently: one generation, or hosts would get different passwords.
_lock = threading.Lock()


def load_secrets(path: Path) -> dict[str, str]:
    """Every secret: from the environment, else from the file, else generated into the file."""
    with _lock:
        return _load(path)


def _load(path: Path) -> dict[str, str]:
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [
        key for key, env in SECRET_ENV.items() if key not in stored and env not in os.environ
    ]
    if missing:
        for key in missing:
            # Hex only: these land in redis.conf, haproxy.cfg and TOML unquoted-safe.
            stored[key] = secrets.token_hex(24)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        staging = path.with_suffix(".tmp")
        staging.touch(mode=0o600)
        os.chmod(staging, 0o600)
        staging.write_text(json.dumps(stored, indent=2) + "\n")
        staging.replace(path)
    return {key: os.environ.get(env) or stored[key] for key, env in SECRET_ENV.items()}
