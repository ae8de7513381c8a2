"""Any deployed cluster (lab, Vagrant, real hosts) as the control machine sees it.

Built from the same inventory the deploy used: hosts, groups, addresses, the VIP, how to SSH
in, and the deploy's secrets. Drills, `verify` and the infra tests all start here.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import LabError
from .inventory import read_inventory

ROOT = Path(__file__).resolve().parents[1]
SECRET_ENV = {
    "redis_password": "DATCHAT_REDIS_PASSWORD",
    "sentinel_password": "DATCHAT_SENTINEL_PASSWORD",
    "haproxy_stats_password": "DATCHAT_STATS_PASSWORD",
}


@dataclass(frozen=True)
class Node:
    name: str
    address: str
    groups: tuple[str, ...]
    data: dict

    def setting(self, key: str, default):
        return self.data.get(key, default)


class Cluster:
    def __init__(self, inventory: str | Path) -> None:
        self.inventory = Path(inventory)
        entries = read_inventory(self.inventory)
        self.nodes = [
            Node(e["name"], e["data"].get("private_address", ""), tuple(e["groups"]), e["data"])
            for e in entries
        ]
        if not self.nodes:
            raise LabError(f"{self.inventory}: no hosts")
        first = self.nodes[0].data
        self.vip: str | None = first.get("keepalived_vip")
        self.redis_port = first.get("redis_port", 6379)
        self.sentinel_port = first.get("sentinel_port", 26379)
        self.master_name = first.get("sentinel_master_name", "datchat")
        self.app_port = first.get("app_port", 8080)
        # How often a drill looks at the hosts: each look is seven SSH commands, which
        # emulated VMs pay for dearly.
        self.probe_every_s: float = first.get("drill_probe_every_s", 0.5)
        # How long one look at a host (VIP, Redis role, HAProxy's backends) may take before the
        # host counts as not answering.
        self.probe_timeout_s: float = first.get("probe_timeout_s", 10)
        # How long a drill waits, after healing, for the cluster to be whole again.
        self.converge_timeout_s: float = first.get("drill_converge_timeout_s", 90)
        # How long, once the drill's clients stop talking, they may take to receive everything
        # stored (one may be reconnecting then).
        self.catch_up_timeout_s: float = first.get("drill_catch_up_timeout_s", 15)
        self.ssh_config = ROOT / ".state" / "ssh" / f"{self.inventory.stem}.config"
        self.control_dir = _control_dir()
        self._write_ssh_config()

    def group(self, name: str) -> list[Node]:
        return [node for node in self.nodes if name in node.groups]

    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise LabError(f"no host {name!r} in {self.inventory}")

    @property
    def lab_name(self) -> str | None:
        """The Podman lab this inventory describes, if it is one."""
        return self.nodes[0].data.get("lab_name")

    def secrets(self) -> dict[str, str]:
        path = self.nodes[0].data.get("secrets_file")
        stored = json.loads(Path(path).read_text()) if path and Path(path).exists() else {}
        found = {key: os.environ.get(env) or stored.get(key) for key, env in SECRET_ENV.items()}
        missing = [key for key, value in found.items() if not value]
        if missing:
            raise LabError(f"{self.inventory}: no secrets yet ({', '.join(missing)}): deploy first")
        return found

    def _write_ssh_config(self) -> None:
        lines = []
        for node in self.nodes:
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
                "  ConnectTimeout 5",
                "  BatchMode yes",
                "  LogLevel ERROR",
                # One connection per host, reused: a drill samples every host twice a second,
                # and a fresh key exchange each time is what an emulated VM cannot afford.
                "  ControlMaster auto",
                f"  ControlPath {self.control_dir}/%C",
                "  ControlPersist 60",
                # A powered-off host must not hold commands on its dead connection for long.
                "  ServerAliveInterval 2",
                "  ServerAliveCountMax 3",
                "",
            ]
        self.ssh_config.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.ssh_config.write_text("\n".join(lines))
        os.chmod(self.ssh_config, 0o600)

    def sudo(self, node: Node) -> str:
        return "" if node.data.get("ssh_user", "root") == "root" else "sudo "

    def run(self, node: Node, command: str, timeout: float = 30) -> subprocess.CompletedProcess:
        """Run a shell command on a host over SSH (as root, through sudo when needed)."""
        try:
            return subprocess.run(
                [
                    "ssh",
                    "-F",
                    str(self.ssh_config),
                    node.name,
                    f"{self.sudo(node)}sh -c {_quote(command)}",
                ],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess([], 124, "", f"timed out after {timeout} s")


def _control_dir() -> Path:
    """Where SSH keeps its shared connections' sockets. A socket path must stay under about
    100 bytes (with the 40 of %C and ssh's temporary suffix), so a deep checkout uses /tmp."""
    directory = ROOT / ".state" / "ssh" / "control"
    if len(str(directory)) > 40:
        directory = Path(tempfile.gettempdir()) / f"datchat-ssh-{os.getuid()}"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def _quote(command: str) -> str:
    return "'" + command.replace("'", "'\"'\"'") + "'"
