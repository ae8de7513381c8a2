"""Who may do what on Redis and Sentinel: one ACL user per job, each with its own password.

The rules are in redis/users.acl.j2 and redis/sentinel-users.acl.j2, loaded as each server's
`aclfile`: `ACL LOAD` applies a change without a restart, and neither Redis's nor Sentinel's
CONFIG REWRITE (after a failover) touches the file. The files hold only SHA-256 hashes; the
passwords that must be sent (a replica's, Sentinel's) are in redis.conf and sentinel.conf.
No pyinfra import: the unit tests render the same files for their real Redis processes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from deploy.defaults import REDIS_CREDENTIALS_FILE

TEMPLATES = Path(__file__).resolve().parents[1] / "redis"
REDIS_ACL_TEMPLATE = TEMPLATES / "users.acl.j2"
SENTINEL_ACL_TEMPLATE = TEMPLATES / "sentinel-users.acl.j2"
REDIS_ACL_FILE = "/etc/redis/users.acl"
SENTINEL_ACL_FILE = "/etc/redis/sentinel-users.acl"

# The users' names. Each one's password is the secret "<server>_<role>_password".
APP_USER = "datchat"  # on Redis and on Sentinel: the chat app
REPLICA_USER = "replica"  # on Redis: a replica syncing from its master (masteruser)
SENTINEL_USER = "sentinel"  # on Redis: the Sentinels watching and reconfiguring it
# On Redis and on Sentinel: root's redis-cli on the redis hosts (the deploy's and the probes'
# questions go through it); on Sentinel also the Sentinels' peers (sentinel-user).
ADMIN_USER = "admin"


def acl_hash(password: str) -> str:
    """The form an ACL file keeps a password in: '#' and its SHA-256, so the file holds none."""
    return "#" + hashlib.sha256(password.encode()).hexdigest()


def acl_context(secrets: dict[str, str]) -> dict[str, Any]:
    """What redis/*.acl.j2, redis.conf's and sentinel.conf's templates need about users."""
    return {
        "app_user": APP_USER,
        "replica_user": REPLICA_USER,
        "sentinel_user": SENTINEL_USER,
        "admin_user": ADMIN_USER,
        "redis_acl_file": REDIS_ACL_FILE,
        "sentinel_acl_file": SENTINEL_ACL_FILE,
        "redis_app_hash": acl_hash(secrets["redis_app_password"]),
        "redis_replica_hash": acl_hash(secrets["redis_replica_password"]),
        "redis_sentinel_hash": acl_hash(secrets["redis_sentinel_password"]),
        "redis_admin_hash": acl_hash(secrets["redis_admin_password"]),
        "sentinel_app_hash": acl_hash(secrets["sentinel_app_password"]),
        "sentinel_admin_hash": acl_hash(secrets["sentinel_admin_password"]),
        "redis_replica_password": secrets["redis_replica_password"],
        "redis_sentinel_password": secrets["redis_sentinel_password"],
        "redis_admin_password": secrets["redis_admin_password"],
        "sentinel_admin_password": secrets["sentinel_admin_password"],
    }


def admin_cli(server: str, address: str, port: int) -> str:
    """root's redis-cli on a redis host, logged in as the admin user of `server` ("REDIS" or
    "SENTINEL") from the host's credentials file, so no password crosses a command line.
    A file from before the ACL users names no user: its password is the default user's."""
    return (
        f'. {REDIS_CREDENTIALS_FILE} && REDISCLI_AUTH="${server}_PASSWORD" '
        f'redis-cli --no-auth-warning --user "${{{server}_USER:-default}}" -h {address} -p {port}'
    )
