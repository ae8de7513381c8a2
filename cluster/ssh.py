"""SSH from the control machine to the cluster's hosts: the one ssh_config and the one runner.

The deploy, testinfra, the lab, the drills and people (`datchat-lab ssh`) all reach hosts
through the same ssh_config, exactly as they reach real servers.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import LabError
from .paths import STATE

if TYPE_CHECKING:
    from .model import Node

CONNECT_TIMEOUT_S = 5


def write_config(path: Path, nodes: Iterable[Node]) -> None:
    """An ssh_config naming every host, for `ssh -F`, testinfra's --ssh-config and people."""
    control_dir = _control_dir()
    lines = []
    for node in nodes:
        data = node.data
        lines += [f"Host {node.name}", f"  HostName {data.get('ssh_hostname', node.address)}"]
        if data.get("ssh_port"):
            lines.append(f"  Port {data['ssh_port']}")
        lines.append(f"  User {data.get('ssh_user', 'root')}")
        if data.get("ssh_key"):
            lines += [f"  IdentityFile {data['ssh_key']}", "  IdentitiesOnly yes"]
        if data.get("ssh_known_hosts_file"):
            lines.append(f"  UserKnownHostsFile {data['ssh_known_hosts_file']}")
        checking = data.get("ssh_strict_host_key_checking", "accept-new")
        lines += [
            f"  StrictHostKeyChecking {checking}",
            f"  ConnectTimeout {CONNECT_TIMEOUT_S}",
            "  BatchMode yes",
            "  LogLevel ERROR",
            # One connection per host, reused: a drill samples every host twice a second,
            # and a fresh key exchange each time is what an emulated VM cannot afford.
            "  ControlMaster auto",
            f"  ControlPath {control_dir}/%C",
            "  ControlPersist 60",
            # A powered-off host must not hold commands on its dead connection for long.
            "  ServerAliveInterval 2",
            "  ServerAliveCountMax 3",
            "",
        ]
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text("\n".join(lines))
    os.chmod(path, 0o600)


def command(config: Path, host: str, *args: str) -> list[str]:
    """The ssh command line for a host, e.g. for an interactive session."""
    return ["ssh", "-F", str(config), host, *args]


def run(
    config: Path, host: str, shell_command: str, *, sudo: bool, timeout: float = 30
) -> subprocess.CompletedProcess:
    """Run a shell command on a host, as root (through sudo when needed); exit 124 on timeout."""
    remote = f"{'sudo ' if sudo else ''}sh -c {_quote(shell_command)}"
    try:
        return subprocess.run(
            command(config, host, remote),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess([], 124, "", f"timed out after {timeout} s")


def close_shared_connection(config: Path, host: str) -> None:
    """End the host's shared connection: a recreated host must not be reached through the
    connection to the one it replaced."""
    subprocess.run(
        [*command(config, host), "-O", "exit"], capture_output=True, timeout=10, check=False
    )


def wait_for_ssh(config: Path, host: str, *, sudo: bool, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = run(config, host, "true", sudo=sudo, timeout=CONNECT_TIMEOUT_S + 5)
        if result.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise LabError(f"{host}: SSH not reachable after {timeout:.0f} s: {result.stderr}")
        time.sleep(0.5)


def _control_dir() -> Path:
    """Where SSH keeps its shared connections' sockets. A socket path must stay under about
    100 bytes (with the 40 of %C and ssh's temporary suffix), so a deep checkout uses /tmp."""
    directory = STATE / "ssh" / "control"
    if len(str(directory)) > 40:
        directory = Path(tempfile.gettempdir()) / f"datchat-ssh-{os.getuid()}"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"
