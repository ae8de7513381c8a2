"""The processes under test: one redis-server and two chat nodes (ours or python-socketio)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parent.parent
TICKS_PER_S = os.sysconf("SC_CLK_TCK")

OURS_CONFIG = """\
node_name = "{name}"
listen = "{host}:{port}"
event_loop = "{event_loop}"

[redis]
url = "redis://{host}:{redis_port}/0"

[chat]
# The load generator's senders say far more than a person: no rate limit in the benchmark.
rate_per_sec = 1000000.0
rate_burst = 1000000
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Usage:
    cpu_s: float
    rss_bytes: int


def usage(pid: int) -> Usage:
    with open(f"/proc/{pid}/stat") as stat:
        # Fields after the command name (which may hold spaces): utime, stime are 14 and 15.
        fields = stat.read().rpartition(")")[2].split()
    cpu_s = (int(fields[11]) + int(fields[12])) / TICKS_PER_S
    with open(f"/proc/{pid}/status") as status:
        rss_kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return Usage(cpu_s, rss_kb * 1024)


def wait_for(check, what: str, process: subprocess.Popen, log: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited: {log.read_text(errors='replace')[-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready after {timeout} s; log in {log}")
        time.sleep(0.05)


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=1) as response:
        return response.status == 200


def redis_answers(port: int) -> bool:
    with socket.create_connection((HOST, port), timeout=1) as connection:
        connection.sendall(b"PING\r\n")
        return connection.recv(16).startswith(b"+PONG")


class Cluster:
    """redis-server plus two nodes of one implementation, each node on its own port."""

    def __init__(self, implementation: str, workdir: Path, uvloop: bool) -> None:
        self.implementation = implementation
        self.workdir = workdir / implementation
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.uvloop = uvloop
        self.processes: list[subprocess.Popen] = []
        self.redis: subprocess.Popen | None = None
        self.node_ports: list[int] = []
        self.node_pids: list[int] = []

    def _spawn(self, name: str, command: list[str]) -> tuple[subprocess.Popen, Path]:
        log = self.workdir / f"{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
        self.processes.append(process)
        return process, log

    def start(self) -> Cluster:
        redis_port = free_port()
        self.redis, log = self._spawn(
            "redis",
            ["redis-server", "--port", str(redis_port), "--bind", HOST, "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
        )  # fmt: skip
        wait_for(lambda: redis_answers(redis_port), "redis-server", self.redis, log)
        for index in (1, 2):
            port = free_port()
            if self.implementation == "ours":
                config = self.workdir / f"node{index}.toml"
                config.write_text(
                    OURS_CONFIG.format(
                        name=f"bench{index}",
                        host=HOST,
                        port=port,
                        redis_port=redis_port,
                        event_loop="uvloop" if self.uvloop else "asyncio",
                    )
                )
                command = [sys.executable, "-m", "datchat", "--config", str(config)]
                ready = f"http://{HOST}:{port}/readyz"
            else:
                command = [sys.executable, "-m", "bench.socketio_chat", "--port", str(port),
                           "--redis-url", f"redis://{HOST}:{redis_port}/0"]  # fmt: skip
                if self.uvloop:
                    command.append("--uvloop")
                ready = f"http://{HOST}:{port}/healthz"
            process, log = self._spawn(f"node{index}", command)
            wait_for(lambda url=ready: http_ok(url), f"node{index}", process, log)
            self.node_ports.append(port)
            self.node_pids.append(process.pid)
        return self

    def node_usage(self) -> Usage:
        both = [usage(pid) for pid in self.node_pids]
        return Usage(sum(u.cpu_s for u in both), sum(u.rss_bytes for u in both))

    def cpu_s(self) -> tuple[float, float]:
        """CPU seconds used so far by the two nodes together, and by redis-server."""
        assert self.redis is not None
        return self.node_usage().cpu_s, usage(self.redis.pid).cpu_s

    def dropped_too_slow(self) -> int | None:
        """How many sockets our nodes dropped as too slow (None: not our implementation)."""
        if self.implementation != "ours":
            return None
        total = 0
        for port in self.node_ports:
            with urllib.request.urlopen(f"http://{HOST}:{port}/metrics", timeout=5) as response:
                for line in response.read().decode().splitlines():
                    if line.startswith('datchat_errors_total{code="too_slow"}'):
                        total += int(line.split()[-1])
        return total

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
