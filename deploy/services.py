"""A role's daemon: always running and enabled; restarted or reloaded only after a change."""

from __future__ import annotations

from collections.abc import Callable

from pyinfra.operations import systemd


def keep_running(
    service: str,
    label: str,
    *,
    apply_when: Callable[[], bool],
    reason: str,
    reload: bool = False,
) -> None:
    systemd.service(
        name=f"Keep {label} running and enabled", service=service, running=True, enabled=True
    )
    systemd.service(
        name=f"{'Reload' if reload else 'Restart'} {label} {reason}",
        service=service,
        restarted=not reload,
        reloaded=reload,
        _if=apply_when,
    )
