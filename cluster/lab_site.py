"""The optional fields of an inventory that describes a Podman lab on this machine.

The lab (`lab/`) creates hosts from them; the cluster model only reads and checks them, so an
inventory that is wrong for a lab stops before anything is created, naming the host and key.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import LabError

if TYPE_CHECKING:
    from .model import Node


@dataclass(frozen=True)
class LabSite:
    # Containers, network and state folder are named after it; two labs can coexist.
    name: str
    subnet: ipaddress.IPv4Network
    # The lab's SSH key pair and known_hosts file live here; `down` removes it.
    state_dir: Path
    ssh_key: Path
    known_hosts: Path

    @property
    def gateway(self) -> str:
        return str(next(self.subnet.hosts()))

    @property
    def network_name(self) -> str:
        return self.name

    def container(self, host_name: str) -> str:
        return f"{self.name}-{host_name}"


def _require(data: dict, host: str, key: str, inventory: Path) -> str:
    value = data.get(key)
    if value in (None, ""):
        raise LabError(f"{inventory}: host {host} has no {key!r}; add it to the inventory")
    return value


def read_lab_site(inventory: Path, nodes: list[Node], vip: str | None) -> LabSite | None:
    """The lab's fields, checked against every host; None when the inventory has no lab_name."""
    first = nodes[0]
    if not first.data.get("lab_name"):
        return None
    try:
        subnet = ipaddress.ip_network(_require(first.data, first.name, "lab_subnet", inventory))
    except ValueError as error:
        raise LabError(f"{inventory}: lab_subnet is not a network: {error}") from None
    gateway = str(next(subnet.hosts()))
    seen: dict[str, str] = {}
    for node in nodes:
        address = _require(node.data, node.name, "private_address", inventory)
        try:
            in_subnet = ipaddress.ip_address(address) in subnet
        except ValueError:
            raise LabError(
                f"{inventory}: host {node.name}: private_address {address!r} is not an IP"
            ) from None
        if not in_subnet:
            raise LabError(
                f"{inventory}: host {node.name}: private_address {address} is outside {subnet}"
            )
        if address in seen:
            raise LabError(
                f"{inventory}: hosts {seen[address]} and {node.name} share private_address "
                f"{address}"
            )
        if address == gateway:
            raise LabError(f"{inventory}: host {node.name}: {address} is the lab network's gateway")
        seen[address] = node.name
    if vip is not None and (ipaddress.ip_address(vip) not in subnet or vip in seen):
        raise LabError(f"{inventory}: keepalived_vip {vip} must be a free address in {subnet}")
    return LabSite(
        name=first.data["lab_name"],
        subnet=subnet,
        state_dir=Path(_require(first.data, first.name, "lab_state_dir", inventory)),
        ssh_key=Path(_require(first.data, first.name, "ssh_key", inventory)),
        known_hosts=Path(_require(first.data, first.name, "ssh_known_hosts_file", inventory)),
    )
