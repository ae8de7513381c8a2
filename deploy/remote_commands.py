"""Commands a deploy callback runs on any host of the inventory while the deploy executes: the
drain of an app node runs on the LBs, Redis's rollout on every redis host."""

from __future__ import annotations

from pyinfra.api import Host
from pyinfra.api.exceptions import DeployError


def run_on(target: Host, command: str) -> tuple[bool, str]:
    """(exit status 0, stdout + stderr), with the host's own sudo setting."""
    # A deploy limited to some hosts (`--limit apps`) has not connected to the others.
    target.connect(reason="for a command of the rollout", raise_exceptions=True)
    ok, output = target.run_shell_command(command, _sudo=bool(target.data.get("_sudo")))
    return ok, output.stdout + output.stderr


def run_checked(target: Host, command: str, what: str) -> str:
    ok, output = run_on(target, command)
    if not ok:
        raise DeployError(f"host {target.name}: {what} failed: {output}")
    return output
