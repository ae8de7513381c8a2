"""What every host gets before its role: kernel settings for its role."""

from __future__ import annotations

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.operations import server


@deploy("Base host settings")
def prepare_host() -> None:
    # Lab containers get their sysctls when created (their /proc/sys is read-only).
    if host.data.get("lab_containers"):
        return
    for key, value in (host.data.get("host_sysctls") or {}).items():
        server.sysctl(name=f"Set {key} = {value}", key=key, value=value, persist=True)
