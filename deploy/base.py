"""What every host gets before its role: kernel settings for its role."""

from __future__ import annotations

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.operations import server

from deploy.defaults import HOST_DEFAULTS


@deploy("Base host settings", data_defaults=HOST_DEFAULTS)
def prepare_host() -> None:
    # Lab containers get their sysctls when created (their /proc/sys is read-only).
    if host.data.lab_containers:
        return
    for key, value in host.data.host_sysctls.items():
        server.sysctl(name=f"Set {key} = {value}", key=key, value=value, persist=True)
