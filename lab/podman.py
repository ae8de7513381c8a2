"""Running podman with the lab's settings (runc, ulimits: see lab/containers.conf)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from cluster.errors import LabError

CONTAINERS_CONF = Path(__file__).with_name("containers.conf")
# Every object the lab creates carries this label with the lab's name, so `down` removes
# exactly what the lab made, and `up` recognises its own leftovers.
LABEL = "datchat.lab"


def environment() -> dict[str, str]:
    return {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}


def podman(*args: str, check: bool = True, capture: bool = True) -> subprocess.CompletedProcess:
    if shutil.which("podman") is None:
        raise LabError("podman is not installed: run `make lab` (or lab/install-host-packages.sh)")
    result = subprocess.run(
        ["podman", *args],
        env=environment(),
        capture_output=capture,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        message = (result.stderr or result.stdout or "").strip().splitlines()
        detail = message[-1] if message else f"exit {result.returncode}"
        raise LabError(f"podman {' '.join(args[:2])} failed: {detail}")
    return result


def podman_json(*args: str) -> list[dict]:
    output = podman(*args).stdout.strip()
    return json.loads(output) if output else []


def exists(kind: str, name: str) -> bool:
    return podman(kind, "exists", name, check=False).returncode == 0
