"""Real redis-server and redis-sentinel processes on free loopback ports, for the tests.

Each one runs with the ACL users the deploy writes (redis/*.acl.j2, rendered by pyinfra's own
template code from test passwords): the app's tests then prove that the app needs nothing its
user is not given, and the failover tests that Sentinel and the replicas do their job with theirs.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import redis
from pyinfra.api.util import get_template

from datchat.config import RedisSettings
from deploy.redis_users import (
    ADMIN_USER,
    APP_USER,
    REDIS_ACL_TEMPLATE,
    REPLICA_USER,
    SENTINEL_ACL_TEMPLATE,
    SENTINEL_USER,
    acl_context,
)
from deploy.secrets import SECRET_ENV

HOST = "127.0.0.1"
MASTER_NAME = "datchat"
SECRETS = {key: f"test-{key.replace('_', '-')}" for key in SECRET_ENV}
ACL = acl_context(SECRETS)

# What ACL LOG records that is a refused permission; failed logins ("auth") are not.
DENIALS = ("command", "key", "channel")


def render(template: Path, workdir: Path) -> Path:
    path = workdir / template.name.removesuffix(".j2")
    path.write_text(get_template(str(template)).render(ACL))
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class RedisProcess:
    """One redis-server (or redis-sentinel) in the foreground, killed at stop()."""

    ACL_TEMPLATE = REDIS_ACL_TEMPLATE
    ADMIN_PASSWORD = SECRETS["redis_admin_password"]

    def __init__(self, workdir: Path, name: str, args: list[str] = ()) -> None:
        self.port = free_port()
        self.name = name
        self.workdir = workdir / name
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.args = list(args)
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisProcess:
        with open(self.workdir / "log", "ab") as log:
            self.process = subprocess.Popen(
                [*self.command(), "--port", str(self.port), "--bind", HOST],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
        self.wait_ready()
        return self

    def command(self) -> list[str]:
        return [
            "redis-server", "--save", "", "--appendonly", "no", "--dir", ".",
            "--aclfile", str(render(self.ACL_TEMPLATE, self.workdir)),
            "--masteruser", REPLICA_USER, "--masterauth", SECRETS["redis_replica_password"],
            *self.args,
        ]  # fmt: skip

    def client(self, user: str = ADMIN_USER, password: str | None = None) -> redis.Redis:
        """A client logged in as user (admin by default, who may do anything)."""
        return redis.Redis(
            host=HOST,
            port=self.port,
            username=user,
            password=self.ADMIN_PASSWORD if password is None else password,
            decode_responses=True,
        )

    def app_url(self) -> str:
        """The URL the app reaches this server by, as its own ACL user."""
        password = quote(SECRETS["redis_app_password"], safe="")
        return f"redis://{APP_USER}:{password}@{self.address}/0"

    def denials(self) -> list[dict]:
        """What ACL LOG recorded as refused permissions (empty on a stopped process)."""
        if not self.process or self.process.poll() is not None or self.frozen:
            return []
        with self.client() as client:
            return [entry for entry in client.acl_log() if entry["reason"] in DENIALS]

    def wait_ready(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.client() as client:
                    client.ping()
                return
            except redis.ConnectionError:
                if self.process and self.process.poll() is not None:
                    log = (self.workdir / "log").read_text(errors="replace")
                    raise RuntimeError(f"{self.name} exited: {log[-2000:]}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    stop = kill

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections (the kernel's backlog), nothing answers.

        Returns once the process is stopped; thaw() (or kill()) ends it.
        """
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGSTOP)
            deadline = time.monotonic() + 5
            while not self.frozen:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} did not stop on SIGSTOP")
                time.sleep(0.01)

    @property
    def frozen(self) -> bool:
        """Stopped by a signal (state T in /proc), as freeze() leaves it."""
        if not self.process or self.process.poll() is not None:
            return False
        with open(f"/proc/{self.process.pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "T"

    def thaw(self) -> None:
        """SIGCONT; harmless on a process that is running or gone."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"


class SentinelProcess(RedisProcess):
    ACL_TEMPLATE = SENTINEL_ACL_TEMPLATE
    ADMIN_PASSWORD = SECRETS["sentinel_admin_password"]

    def __init__(self, workdir: Path, name: str, master: RedisProcess) -> None:
        super().__init__(workdir, name)
        self.master = master

    def command(self) -> list[str]:
        # Sentinel rewrites its config file at runtime, so each one gets its own. The users
        # and auth lines are those of redis/sentinel.conf.j2.
        conf = self.workdir / "sentinel.conf"
        conf.write_text(
            f"aclfile {render(self.ACL_TEMPLATE, self.workdir)}\n"
            f"sentinel monitor {MASTER_NAME} {HOST} {self.master.port} 2\n"
            f"sentinel auth-user {MASTER_NAME} {SENTINEL_USER}\n"
            f"sentinel auth-pass {MASTER_NAME} {SECRETS['redis_sentinel_password']}\n"
            f"sentinel sentinel-user {ADMIN_USER}\n"
            f"sentinel sentinel-pass {self.ADMIN_PASSWORD}\n"
            f"sentinel down-after-milliseconds {MASTER_NAME} 1000\n"
            f"sentinel failover-timeout {MASTER_NAME} 5000\n"
        )
        return ["redis-sentinel", str(conf)]

    def master_port(self) -> int:
        with self.client() as client:
            return int(client.sentinel_get_master_addr_by_name(MASTER_NAME)[1])


class SentinelCluster:
    """A master, two replicas and three Sentinels, with the ACL users of the real deployment."""

    def __init__(self, workdir: Path) -> None:
        self.master = RedisProcess(workdir, "master").start()
        self.replicas = [
            RedisProcess(workdir, f"replica{n}", ["--replicaof", HOST, str(self.master.port)])
            .start()
            for n in (1, 2)
        ]  # fmt: skip
        self.sentinels = [
            SentinelProcess(workdir, f"sentinel{n}", self.master).start() for n in range(3)
        ]
        self.wait_for(lambda: all(map(self.replica_link_up, self.replicas)), "replica links up")
        self.wait_for(self.sentinels_see_everything, "Sentinels to see each other")

    def replica_link_up(self, server: RedisProcess) -> bool:
        with server.client() as client:
            return client.info("replication").get("master_link_status") == "up"

    def sentinels_see_everything(self) -> bool:
        for sentinel in self.sentinels:
            with sentinel.client() as client:
                state = client.sentinel_master(MASTER_NAME)
                if state["num-other-sentinels"] < 2 or state["num-slaves"] < 2:
                    return False
        return True

    def master_port(self) -> int:
        return self.sentinels[0].master_port()

    def servers(self) -> list[RedisProcess]:
        return [self.master, *self.replicas]

    def settings(self) -> RedisSettings:
        return RedisSettings(
            sentinels=tuple(s.address for s in self.sentinels),
            master_name=MASTER_NAME,
            username=APP_USER,
            password=SECRETS["redis_app_password"],
            sentinel_username=APP_USER,
            sentinel_password=SECRETS["sentinel_app_password"],
        )

    @staticmethod
    def wait_for(condition, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {what}")
            time.sleep(0.1)

    def denials(self) -> dict[str, list[dict]]:
        """Refused permissions, by process: none, if every user has what its job needs."""
        processes = (self.master, *self.replicas, *self.sentinels)
        return {process.name: found for process in processes if (found := process.denials())}

    def stop(self) -> None:
        for process in (*self.sentinels, *self.replicas, self.master):
            process.kill()
