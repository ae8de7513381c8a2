"""The one model of a deployed cluster (the Podman lab, Vagrant VMs, real hosts).

Read once from the inventory the deploy uses, through pyinfra's own loader, with the values
actually in effect: each host's data over the deploy's defaults. The lab, `verify`, the
drills, tests/infra and Molecule all start here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from deploy.defaults import DEFAULTS, ROLE_GROUPS

from . import ssh
from .errors import LabError
from .lab_site import LabSite, read_lab_site
from .paths import ROOT, STATE


@dataclass(frozen=True)
class Node:
    name: str
    address: str
    # The role groups (lbs, apps, redis, ...) the host is in.
    groups: tuple[str, ...]
    # The host's data over the deploy's defaults: what the deploy applied to it.
    data: dict

    def in_group(self, group: str) -> bool:
        return group in self.groups

    @property
    def sudo(self) -> bool:
        """Whether commands need sudo: the SSH user is not root (Vagrant's user, say)."""
        return self.data.get("ssh_user", "root") != "root"


def read_inventory(path: Path) -> list[dict]:
    """[{name, groups, data}] for each host, as pyinfra itself reads the file."""
    result = subprocess.run(
        [sys.executable, "-m", "cluster.inventory_dump", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise LabError(f"{path}: pyinfra cannot read this inventory: {last}")
    return json.loads(result.stdout)


class Cluster:
    def __init__(self, inventory: str | Path) -> None:
        self.inventory = Path(inventory)
        if not self.inventory.is_file():
            raise LabError(f"inventory {self.inventory} not found")
        self.nodes = [
            Node(
                entry["name"],
                entry["data"].get("private_address", ""),
                tuple(group for group in entry["groups"] if group in ROLE_GROUPS),
                {**DEFAULTS, **entry["data"]},
            )
            for entry in read_inventory(self.inventory)
        ]
        if not self.nodes:
            raise LabError(f"{self.inventory}: no hosts")
        first = self.nodes[0].data
        self.vip: str | None = first.get("keepalived_vip")
        # Set only where the inventory describes a Podman lab (lab_name and friends).
        self.lab: LabSite | None = read_lab_site(self.inventory, self.nodes, self.vip)
        self.probe_every_s: float = first["drill_probe_every_s"]
        self.probe_timeout_s: float = first["probe_timeout_s"]
        self.converge_timeout_s: float = first["drill_converge_timeout_s"]
        self.catch_up_timeout_s: float = first["drill_catch_up_timeout_s"]
        self.drill_goals: dict[str, dict[str, float]] = first["drill_goals"]
        self.drill_goal_slack: float = first["drill_goal_slack"]
        self.ssh_config = STATE / "ssh" / f"{self.inventory.stem}.config"
        ssh.write_config(self.ssh_config, self.nodes)

    def group(self, name: str) -> list[Node]:
        return [node for node in self.nodes if name in node.groups]

    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        known = ", ".join(node.name for node in self.nodes)
        raise LabError(f"no host {name!r} in {self.inventory} (hosts: {known})")

    def setting(self, group: str, key: str):
        """A setting of a role, as its first host has it (the deploy keeps them alike)."""
        members = self.group(group)
        return (members[0].data if members else DEFAULTS)[key]

    def run(self, node: Node, command: str, timeout: float = 30) -> subprocess.CompletedProcess:
        """Run a shell command on a host over SSH, as root; exit 124 when it timed out."""
        return ssh.run(self.ssh_config, node.name, command, sudo=node.sudo, timeout=timeout)

    def run_checked(self, node: Node, command: str, timeout: float = 60) -> str:
        """Its output, or LabError naming the host, the command and what it said."""
        result = self.run(node, command, timeout=timeout)
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip()
            raise LabError(f"{node.name}: `{command}` failed ({result.returncode}): {detail}")
        return result.stdout
