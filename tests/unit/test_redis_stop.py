"""A replica still writing its first AOF after a full resync stops on SIGTERM.

Redis refuses to exit then unless configured to, and never retries; Debian's unit waits for it
without limit, so a deploy's rolling restart hung. The setting comes from the template the
deploy writes (redis/datchat.conf.j2).
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from .redis_processes import HOST, RedisProcess

TEMPLATE = Path(__file__).resolve().parents[2] / "redis" / "datchat.conf.j2"
KEYS = 200
# Microseconds per key while writing the AOF: makes its first rewrite last 20 s.
SLOW_SAVE_US = 100_000


def deployed_sigterm_setting() -> list[str]:
    for line in TEMPLATE.read_text().splitlines():
        if line.startswith("shutdown-on-sigterm "):
            return ["--shutdown-on-sigterm", *line.split()[1:]]
    raise AssertionError(f"{TEMPLATE} sets no shutdown-on-sigterm")


def info(process: RedisProcess) -> dict:
    with process.client() as client:
        return client.info()


@pytest.fixture
def master(tmp_path: Path):
    master = RedisProcess(tmp_path, "master").start()
    with master.client() as client:
        client.mset({f"key{n}": n for n in range(KEYS)})
    yield master
    master.stop()


def test_replica_writing_its_first_aof_exits_on_sigterm(tmp_path: Path, master: RedisProcess):
    replica = RedisProcess(
        tmp_path,
        "replica",
        [
            "--appendonly",
            "yes",
            "--rdb-key-save-delay",
            str(SLOW_SAVE_US),
            "--replicaof",
            HOST,
            str(master.port),
            *deployed_sigterm_setting(),
        ],
    ).start()
    try:
        deadline = time.monotonic() + 15
        while not (
            (state := info(replica)).get("master_link_status") == "up"
            and state.get("aof_rewrite_in_progress") == 1
        ):
            assert time.monotonic() < deadline, f"no first AOF rewrite after the sync: {state}"
            time.sleep(0.05)
        replica.process.send_signal(signal.SIGTERM)
        # Refused, the SIGTERM is not retried: the replica would run on for good.
        try:
            replica.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail("the replica refused SIGTERM while writing its first AOF")
    finally:
        replica.stop()
