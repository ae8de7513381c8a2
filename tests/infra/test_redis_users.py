"""The deployed ACL users: the app's credentials cannot administer Redis or Sentinel, no one logs
in without a user, and the shared password of old is gone.

Every refusal has its positive control in the same test (the same login doing what it may), so
a wrong password or a stopped server cannot pass for a refusal.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from cluster.paths import ROOT
from deploy.redis_users import ADMIN_USER, APP_USER
from deploy.secrets import load_secrets

from .conftest import CLUSTER, names, on_host

pytestmark = pytest.mark.needs_groups("redis")

SECRETS = load_secrets(ROOT / Path(CLUSTER.nodes[0].data["secrets_file"]))
MASTER_NAME = CLUSTER.group("redis")[0].data["sentinel_master_name"] if names("redis") else ""


def cli(host: str, port_key: str, user: str | None, password: str | None, command: str) -> str:
    """redis-cli on a redis host against its own server, logged in as user (None: nobody).

    The password goes through printf, a shell builtin, so it is on no process's command line."""
    node = CLUSTER.node(host)
    target = f"redis-cli --no-auth-warning -h {node.address} -p {node.data[port_key]}"
    if user is not None:
        target = f"printf '%s\\n' {shlex.quote(password)} | {target} --askpass --user {user}"
    answer = on_host(host).run(f"{target} {command}")
    return answer.stdout + answer.stderr


def redis_as_app(host: str, command: str) -> str:
    return cli(host, "redis_port", APP_USER, SECRETS["redis_app_password"], command)


def sentinel_as_app(host: str, command: str) -> str:
    return cli(host, "sentinel_port", APP_USER, SECRETS["sentinel_app_password"], command)


@pytest.mark.parametrize(
    "command",
    ["flushall", "config set maxmemory 1", "acl list", "replicaof 127.0.0.1 1", "shutdown nosave"],
)
def test_the_apps_redis_user_is_refused_administration(command):
    host = names("redis")[0]
    assert "PONG" in redis_as_app(host, "ping")
    assert "NOPERM" in redis_as_app(host, command)
    assert "PONG" in redis_as_app(host, "ping")  # SHUTDOWN was refused, not run


@pytest.mark.parametrize(
    "command",
    [
        f"sentinel failover {MASTER_NAME}",
        f"sentinel set {MASTER_NAME} quorum 1",
        f"sentinel remove {MASTER_NAME}",
        "sentinel monitor rogue 127.0.0.1 1 1",
    ],
)
def test_the_apps_sentinel_user_may_only_ask_who_the_master_is(command):
    host = names("redis")[0]
    master = sentinel_as_app(host, f"sentinel get-master-addr-by-name {MASTER_NAME}").split()
    assert master[0] in {CLUSTER.node(name).address for name in names("redis")}
    assert "NOPERM" in sentinel_as_app(host, command)


@pytest.mark.parametrize("host", names("redis"))
@pytest.mark.parametrize("server", ["redis", "sentinel"])
def test_nobody_logs_in_without_a_user_and_the_shared_password_is_gone(host, server):
    port_key = f"{server}_port"
    admin_password = SECRETS[f"{server}_admin_password"]
    assert "NOAUTH" in cli(host, port_key, None, None, "ping")
    users = cli(host, port_key, ADMIN_USER, admin_password, "acl list")
    assert "user default off" in users
    assert f"user {APP_USER} on" in users
    if server == "redis":
        # requirepass was the one password for everything; it is empty now.
        answer = cli(host, port_key, ADMIN_USER, admin_password, "config get requirepass")
        assert answer.split() == ["requirepass"]
