"""SSH from the control machine to lab hosts, with the lab's own key and known_hosts file.

The deploy, testinfra and the fault primitives all reach hosts this way, exactly as they
reach real servers.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from .errors import LabError
from .inventory import LabHost, LabSpec

CONNECT_TIMEOUT_S = 5


def ensure_key(spec: LabSpec) -> None:
    spec.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not spec.ssh_key.exists():
        subprocess.run(
            [
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                f"{spec.name}-control",
                "-f",
                str(spec.ssh_key),
            ],
            check=True,
        )
    os.chmod(spec.ssh_key, 0o600)
    write_ssh_config(spec)


def ssh_config_path(spec: LabSpec) -> Path:
    return spec.state_dir / "ssh_config"


def write_ssh_config(spec: LabSpec) -> None:
    """An ssh_config naming every host, for `ssh -F`, testinfra's --ssh-config and people."""
    lines = []
    for host in spec.hosts:
        lines += [
            f"Host {host.name}",
            f"  HostName {host.address}",
            f"  User {spec.ssh_user}",
            f"  IdentityFile {spec.ssh_key}",
            "  IdentitiesOnly yes",
            f"  UserKnownHostsFile {spec.known_hosts}",
            "  StrictHostKeyChecking accept-new",
            f"  ConnectTimeout {CONNECT_TIMEOUT_S}",
            "  BatchMode yes",
            "  LogLevel ERROR",
            "",
        ]
    path = ssh_config_path(spec)
    path.write_text("\n".join(lines))
    os.chmod(path, 0o600)


def ssh_command(spec: LabSpec, host: LabHost, *command: str) -> list[str]:
    return ["ssh", "-F", str(ssh_config_path(spec)), host.name, *command]


def run(spec: LabSpec, host: LabHost, command: str, check: bool = True, timeout: float = 60):
    try:
        result = subprocess.run(
            ssh_command(spec, host, command),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise LabError(f"{host.name}: `{command}` did not finish in {timeout:.0f} s") from None
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise LabError(f"{host.name}: `{command}` failed ({result.returncode}): {detail}")
    return result


def forget_host_key(spec: LabSpec, host: LabHost) -> None:
    """A recreated host has new host keys: drop the old ones before they cause a mismatch."""
    if spec.known_hosts.exists():
        subprocess.run(
            ["ssh-keygen", "-R", host.address, "-f", str(spec.known_hosts)],
            capture_output=True,
            check=False,
        )


def wait_for_ssh(spec: LabSpec, host: LabHost, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = run(spec, host, "true", check=False, timeout=CONNECT_TIMEOUT_S + 5)
        if result.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise LabError(f"{host.name}: SSH not reachable after {timeout:.0f} s: {result.stderr}")
        time.sleep(0.5)
