"""The deploy's ACL users on a real redis-server and redis-sentinel: each can do its job only.

That the app's user has everything the app needs is proven by every other unit test: they run
the app as that user, and the fixtures fail a test whose server refused it anything. Here: what
each user must NOT be able to do, and that the refusal check itself sees a refusal.
"""

from __future__ import annotations

import pytest
import redis
from redis.exceptions import AuthenticationError, NoPermissionError

from datchat.config import RedisSettings
from datchat.history import History
from datchat.redis_link import RedisLink
from datchat.redis_names import stream_key
from deploy.redis_users import APP_USER, REPLICA_USER, SENTINEL_USER

from .redis_processes import MASTER_NAME, SECRETS, RedisProcess

APP_PASSWORD = SECRETS["redis_app_password"]

# Commands that would let a stolen app credential wreck or take over the store.
FORBIDDEN_TO_THE_APP = [
    ("FLUSHALL",),
    ("CONFIG", "SET", "maxmemory", "1"),
    ("CONFIG", "GET", "*"),
    ("ACL", "LIST"),
    ("ACL", "SETUSER", APP_USER, "+@all"),
    ("REPLICAOF", "127.0.0.1", "1"),
    ("SHUTDOWN", "NOSAVE"),
    ("SCRIPT", "FLUSH"),
    ("CLIENT", "KILL", "TYPE", "normal"),
    ("KEYS", "*"),
    ("MONITOR",),
    ("EVAL", "return 1", "0"),
]


@pytest.fixture
def server(tmp_path):
    server = RedisProcess(tmp_path, "acl").start()
    yield server
    server.stop()


@pytest.mark.parametrize("command", FORBIDDEN_TO_THE_APP, ids=lambda c: " ".join(c[:2]))
def test_the_app_user_is_refused_what_the_app_does_not_need(server, command):
    with server.client(APP_USER, APP_PASSWORD) as app, pytest.raises(NoPermissionError):
        app.execute_command(*command)
    with server.client() as admin:
        assert admin.ping()  # still up: SHUTDOWN was refused, not run


def test_the_app_user_reaches_only_its_own_keys_and_channels(server):
    with server.client(APP_USER, APP_PASSWORD) as app:
        app.set("room:lobby:said:x", "1")
        with pytest.raises(NoPermissionError):
            app.set("session:other", "1")
        with pytest.raises(NoPermissionError):
            app.publish("__sentinel__:hello", "rogue")
        # A script may not reach outside the keys either: the check is per command inside it.
        script = app.register_script("return redis.call('GET', KEYS[1])")
        with pytest.raises(NoPermissionError):
            script(keys=["session:other"])


def test_the_default_user_and_the_other_users_cannot_act_as_the_app(server):
    with (
        redis.Redis(host="127.0.0.1", port=server.port) as anonymous,
        pytest.raises(AuthenticationError),
    ):
        anonymous.ping()
    for password in ("", "anything"):
        with (
            server.client("default", password) as default,
            pytest.raises(AuthenticationError),
        ):
            default.ping()
    with server.client(APP_USER, "not-the-password") as wrong, pytest.raises(AuthenticationError):
        wrong.ping()
    with (
        server.client(REPLICA_USER, SECRETS["redis_replica_password"]) as replica,
        pytest.raises(NoPermissionError),
    ):
        replica.get("room:lobby:history")
    with server.client(SENTINEL_USER, SECRETS["redis_sentinel_password"]) as sentinel:
        with pytest.raises(NoPermissionError):
            sentinel.flushall()
        with pytest.raises(NoPermissionError):
            sentinel.get("room:lobby:said:x")


def test_a_refusal_is_what_the_fixtures_look_for(server):
    assert server.denials() == []
    with server.client(APP_USER, APP_PASSWORD) as app, pytest.raises(NoPermissionError):
        app.flushall()
    assert [entry["object"] for entry in server.denials()] == ["flushall"]


def test_the_app_user_on_sentinel_may_only_ask_who_the_master_is(cluster):
    sentinel = cluster.sentinels[0]
    with sentinel.client(APP_USER, SECRETS["sentinel_app_password"]) as app:
        assert app.sentinel_get_master_addr_by_name(MASTER_NAME)[1] == cluster.master.port
        assert MASTER_NAME in app.sentinel_masters()
        for command in [
            ("SENTINEL", "FAILOVER", MASTER_NAME),
            ("SENTINEL", "SET", MASTER_NAME, "quorum", "1"),
            ("SENTINEL", "REMOVE", MASTER_NAME),
            ("SENTINEL", "MONITOR", "rogue", "127.0.0.1", "1", "1"),
            ("SENTINEL", "RESET", "*"),
            ("ACL", "LIST"),
        ]:
            with pytest.raises(NoPermissionError):
                app.execute_command(*command)
    # The cluster fixture would fail on these refusals: they were the point here.
    for process in (sentinel, *cluster.servers()):
        with process.client() as admin:
            admin.acl_log_reset()


async def test_a_stored_message_survives_a_restart_that_replays_the_aof(tmp_path):
    # The later --appendonly wins. SIGKILL: Redis rebuilds its data from the AOF alone.
    server = RedisProcess(tmp_path, "aof", ["--appendonly", "yes", "--appendfsync", "always"])
    server.start()
    try:
        history = History(RedisLink(RedisSettings(url=server.app_url())), 100, 0, 0)
        try:
            stored = await history.store("lobby", "alice", "kept", "c1")
        finally:
            await history.link.close()
        server.kill()
        server.start()
        with server.client() as admin:
            assert [entry_id for entry_id, _ in admin.xrange(stream_key("lobby"))] == [stored]
    finally:
        server.stop()
