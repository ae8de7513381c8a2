"""Secrets, generated once per inventory into a git-ignored file (0600), or from the environment."""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from pathlib import Path

# secret key -> environment variable that overrides it (and then is never written to disk).
# One password per Redis and Sentinel ACL user (deploy/redis_users.py says who does what).
SECRET_ENV = {
    "redis_app_password": "DATCHAT_REDIS_APP_PASSWORD",
    "redis_replica_password": "DATCHAT_REDIS_REPLICA_PASSWORD",
    "redis_sentinel_password": "DATCHAT_REDIS_SENTINEL_PASSWORD",
    "redis_admin_password": "DATCHAT_REDIS_ADMIN_PASSWORD",
    "sentinel_app_password": "DATCHAT_SENTINEL_APP_PASSWORD",
    "sentinel_admin_password": "DATCHAT_SENTINEL_ADMIN_PASSWORD",
    "haproxy_stats_password": "DATCHAT_STATS_PASSWORD",
}

# Secrets land unquoted in redis.conf and sentinel.conf, quoted in TOML and haproxy.cfg, and in
# a shell-sourced file: a space, quote, '#' or '$' would break one of them, silently or not.
SECRET_CHARS = "A-Z a-z 0-9 . _ ~ + = -"
SECRET_PATTERN = re.compile(r"[A-Za-z0-9._~+=-]{16,128}")
SECRET_OUTSIDE = re.compile(r"[^A-Za-z0-9._~+=-]")


class SecretError(ValueError):
    """A secret from the environment is unusable; the message names the variable, not the value."""


def load_secrets(path: Path) -> dict[str, str]:
    """Every secret: from the environment, else from the file, else generated into the file.

    Environment values are checked first, so a bad one stops the deploy before anything is
    written, here or on a host.
    """
    check_environment()
    with _lock:
        return _load(path)


def check_environment() -> None:
    for env in SECRET_ENV.values():
        value = os.environ.get(env)
        if value is None or SECRET_PATTERN.fullmatch(value):
            continue
        problems = []
        if not 16 <= len(value) <= 128:
            problems.append(f"it has {len(value)}")
        if SECRET_OUTSIDE.search(value):
            problems.append("some are outside that set")
        raise SecretError(
            f"{env}: a secret must be 16-128 characters from {SECRET_CHARS} "
            f"({' and '.join(problems)}); nothing was written"
        )


# pyinfra prepares hosts concurrently: one generation, or hosts would get different passwords.
_lock = threading.Lock()


def _load(path: Path) -> dict[str, str]:
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    for key in SECRET_ENV:
        if key in stored and not SECRET_PATTERN.fullmatch(str(stored[key])):
            raise SecretError(
                f"{path}: {key} must be 16-128 characters from {SECRET_CHARS}: fix it, or "
                "delete the key to have a new one generated"
            )
    missing = [
        key for key, env in SECRET_ENV.items() if key not in stored and env not in os.environ
    ]
    if missing:
        for key in missing:
            stored[key] = secrets.token_hex(24)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        staging = path.with_suffix(".tmp")
        staging.touch(mode=0o600)
        os.chmod(staging, 0o600)
        staging.write_text(json.dumps(stored, indent=2) + "\n")
        staging.replace(path)
    return {key: os.environ.get(env) or stored[key] for key, env in SECRET_ENV.items()}
