"""Real redis-server and redis-sentinel processes on free loopback ports, for the tests."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

import redis

from datchat.config import RedisSettings

HOST = "127.0.0.1"
MASTER_NAME = "datchat"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class RedisProcess:
    """One redis-server (or redis-sentinel) in the foreground, killed at stop()."""

    def __init__(self, workdir: Path, name: str, args: list[str], password: str | None) -> None:
        self.port = free_port()
        self.name = name
        self.password = password
        self.workdir = workdir / name
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.args = args
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
        return ["redis-server", "--save", "", "--appendonly", "no", "--dir", ".", *self.args]

    def client(self) -> redis.Redis:
        return redis.Redis(host=HOST, port=self.port, password=self.password, decode_responses=True)

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
    def __init__(self, workdir: Path, name: str, master: RedisProcess, password: str) -> None:
        super().__init__(workdir, name, [], password)
        self.master = master

    def command(self) -> list[str]:
        # Sentinel rewrites its config file at runtime, so each one gets its own.
        conf = self.workdir / "sentinel.conf"
        conf.write_text(
            f"sentinel monitor {MASTER_NAME} {HOST} {self.master.port} 2\n"
            f"sentinel auth-pass {MASTER_NAME} {self.master.password}\n"
            f"sentinel down-after-milliseconds {MASTER_NAME} 1000\n"
            f"sentinel failover-timeout {MASTER_NAME} 5000\n"
            f"requirepass {self.password}\n"
        )
        return ["redis-sentinel", str(conf)]

    def master_port(self) -> int:
        with self.client() as client:
            return int(client.sentinel_get_master_addr_by_name(MASTER_NAME)[1])


class SentinelCluster:
    """A master, two replicas and three Sentinels, with passwords, as in the real deployment."""

    PASSWORD = "test-redis-secret"
    SENTINEL_PASSWORD = "test-sentinel-secret"

    def __init__(self, workdir: Path) -> None:
        auth = ["--requirepass", self.PASSWORD, "--masterauth", self.PASSWORD]
        self.master = RedisProcess(workdir, "master", auth, self.PASSWORD).start()
        self.replicas = [
            RedisProcess(
                workdir,
                f"replica{n}",
                [*auth, "--replicaof", HOST, str(self.master.port)],
                self.PASSWORD,
            ).start()
            for n in (1, 2)
        ]
        self.sentinels = [
            SentinelProcess(workdir, f"sentinel{n}", self.master, self.SENTINEL_PASSWORD).start()
            for n in range(3)
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
            password=self.PASSWORD,
            sentinel_password=self.SENTINEL_PASSWORD,
        )

    @staticmethod
    def wait_for(condition, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {what}")
            time.sleep(0.1)

    def stop(self) -> None:
        for process in (*self.sentinels, *self.replicas, self.master):
            process.kill()
