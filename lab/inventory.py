"""The lab's view of a pyinfra inventory file: hosts, groups, addresses, the VIP.

The inventory is read with pyinfra's own loader, so the lab sees exactly the hosts and data
the deploy will see; nothing about hosts is written twice.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LabError

ROLE_GROUPS = ("lbs", "apps", "redis")


@dataclass(frozen=True)
class LabHost:
    name: str
    address: str
    groups: tuple[str, ...]
    sysctls: dict[str, str] = field(default_factory=dict)

    def in_group(self, group: str) -> bool:
        return group in self.groups


@dataclass(frozen=True)
class LabSpec:
    name: str
    inventory: Path
    subnet: ipaddress.IPv4Network
    vip: str | None
    state_dir: Path
    ssh_user: str
    ssh_key: Path
    known_hosts: Path
    hosts: tuple[LabHost, ...]

    @property
    def gateway(self) -> str:
        return str(next(self.subnet.hosts()))

    @property
    def network_name(self) -> str:
        return self.name

    def container(self, host: LabHost | str) -> str:
        name = host if isinstance(host, str) else host.name
        return f"{self.name}-{name}"

    def host(self, name: str) -> LabHost:
        for host in self.hosts:
            if host.name == name:
                return host
        known = ", ".join(h.name for h in self.hosts)
        raise LabError(f"no host {name!r} in {self.inventory} (hosts: {known})")

    def group(self, group: str) -> list[LabHost]:
        return [host for host in self.hosts if group in host.groups]


def read_inventory(path: Path) -> list[dict]:
    """[{name, groups, data}] for each host, as pyinfra itself reads the file."""
    result = subprocess.run(
        [sys.executable, "-m", "lab.inventory_dump", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise LabError(f"{path}: pyinfra cannot read this inventory: {last}")
    return json.loads(result.stdout)


def _require(data: dict, host: str, key: str, inventory: Path) -> str:
    value = data.get(key)
    if value in (None, ""):
        raise LabError(f"{inventory}: host {host} has no {key!r}; add it to the inventory")
    return value


def load_lab(inventory: str | Path) -> LabSpec:
    """Read and check an inventory for the lab; raise LabError naming the host and key."""
    path = Path(inventory)
    if not path.is_file():
        raise LabError(f"inventory {path} not found")
    pyinfra_hosts = read_inventory(path)
    if not pyinfra_hosts:
        raise LabError(f"{path}: no hosts")
    first, first_name = pyinfra_hosts[0]["data"], pyinfra_hosts[0]["name"]
    name = _require(first, first_name, "lab_name", path)
    try:
        subnet = ipaddress.ip_network(_require(first, first_name, "lab_subnet", path))
    except ValueError as error:
        raise LabError(f"{path}: lab_subnet is not a network: {error}") from None
    hosts: list[LabHost] = []
    seen: dict[str, str] = {}
    for entry in pyinfra_hosts:
        host_name, data = entry["name"], entry["data"]
        address = _require(data, host_name, "private_address", path)
        try:
            in_subnet = ipaddress.ip_address(address) in subnet
        except ValueError:
            raise LabError(
                f"{path}: host {host_name}: private_address {address!r} is not an IP"
            ) from None
        if not in_subnet:
            raise LabError(
                f"{path}: host {host_name}: private_address {address} is outside {subnet}"
            )
        if address in seen:
            raise LabError(
                f"{path}: hosts {seen[address]} and {host_name} share private_address {address}"
            )
        if address == str(next(subnet.hosts())):
            raise LabError(f"{path}: host {host_name}: {address} is the lab network's gateway")
        seen[address] = host_name
        groups = tuple(group for group in entry["groups"] if group in ROLE_GROUPS)
        sysctls = {str(k): str(v) for k, v in (data.get("host_sysctls") or {}).items()}
        hosts.append(LabHost(host_name, address, groups, sysctls))
    vip = first.get("keepalived_vip")
    if vip is not None and (ipaddress.ip_address(vip) not in subnet or vip in seen):
        raise LabError(f"{path}: keepalived_vip {vip} must be a free address in {subnet}")
    state_dir = Path(_require(first, first_name, "lab_state_dir", path))
    return LabSpec(
        name=name,
        inventory=path,
        subnet=subnet,
        vip=vip,
        state_dir=state_dir,
        ssh_user=first.get("ssh_user") or "root",
        ssh_key=Path(_require(first, first_name, "ssh_key", path)),
        known_hosts=Path(_require(first, first_name, "ssh_known_hosts_file", path)),
        hosts=tuple(hosts),
    )
