"""Refuse a wrong or incomplete inventory before any host is touched, naming host and key."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from pyinfra.api.exceptions import DeployError

from deploy.defaults import DEFAULTS, ROLE_GROUPS, setting

# A role needs the one it talks to; a part of the site (one component, as the Molecule
# scenarios deploy) is fine as long as that holds.
NEEDS = {"apps": ("redis", "the Sentinels it asks for the master"), "lbs": ("apps", "its backends")}


def _address(host) -> ipaddress.IPv4Address:
    value = host.data.get("private_address")
    if not value:
        raise DeployError(f"host {host.name}: missing 'private_address' (its address for peers)")
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        raise DeployError(f"host {host.name}: private_address {value!r} is not an IP") from None


def _like(value: Any, default: Any) -> bool:
    """Whether value has its default's type: an int may stand for a float, a bool never for
    an int (Python counts True as 1, a setting must not)."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))


def _check_types(host) -> None:
    """A wrong type fails late, in a comparison ("2" > 1) on some host, or renders what was
    not meant (True where Sentinel wants a number)."""
    for key, default in DEFAULTS.items():
        value = host.data.get(key, default)
        if not _like(value, default):
            raise DeployError(
                f"host {host.name}: {key} must be {type(default).__name__} "
                f"(like its default {default!r}), got {type(value).__name__} {value!r}"
            )


def _check_admin_networks(host) -> None:
    for key in ("admin_ssh_networks", "admin_http_networks"):
        for network in setting(host, key):
            try:
                ipaddress.ip_network(network, strict=False)
            except (TypeError, ValueError):
                raise DeployError(
                    f"host {host.name}: {key} holds {network!r}, which is not an address or "
                    "network (e.g. '192.0.2.10/32')"
                ) from None
    if setting(host, "firewall_enabled") and not setting(host, "admin_ssh_networks"):
        raise DeployError(
            f"host {host.name}: admin_ssh_networks is empty, so the firewall would admit SSH "
            "from nowhere: list the networks the deploy and operators connect from"
        )


def check_inventory(inventory) -> None:
    present = {group for group in ROLE_GROUPS if inventory.get_group(group, [])}
    if not present:
        raise DeployError(f"inventory: no host in any of the groups {', '.join(ROLE_GROUPS)}")
    for group, (needed, why) in NEEDS.items():
        if group in present and needed not in present:
            raise DeployError(
                f"inventory: group {group!r} needs group {needed!r} ({why}), "
                "which is missing or empty"
            )
    owners: dict[ipaddress.IPv4Address, str] = {}
    for host in inventory:
        address = _address(host)
        if address in owners:
            raise DeployError(
                f"host {host.name}: private_address {address} is also host {owners[address]}'s"
            )
        owners[address] = host.name
        _check_types(host)
        _check_admin_networks(host)
    redis_hosts = inventory.get_group("redis", [])
    if redis_hosts:
        quorum = setting(redis_hosts[0], "sentinel_quorum")
        if not 0 < quorum <= len(redis_hosts):
            raise DeployError(
                f"host {redis_hosts[0].name}: sentinel_quorum {quorum} needs at least that "
                f"many redis hosts (group redis has {len(redis_hosts)})"
            )
        # Asking for more replicas than exist makes Redis refuse every write, or every ack.
        replicas = len(redis_hosts) - 1
        for key, group in (("redis_min_replicas_to_write", "redis"), ("app_ack_replicas", "apps")):
            for member in inventory.get_group(group, []):
                wanted = setting(member, key)
                if wanted > replicas:
                    raise DeployError(
                        f"host {member.name}: {key} {wanted} is more than the {replicas} "
                        f"replica(s) group redis has"
                    )
    for member in inventory.get_group("apps", []):
        source = setting(member, "app_source")
        if source and not (Path(source) / "pyproject.toml").is_file():
            raise DeployError(
                f"host {member.name}: app_source {source!r} is not the app's source tree "
                "(a directory with pyproject.toml and datchat/)"
            )
    for lb in inventory.get_group("lbs", []):
        vip = lb.data.get("keepalived_vip")
        if not vip:
            raise DeployError(f"host {lb.name}: missing 'keepalived_vip'")
        prefix = setting(lb, "keepalived_vip_prefix")
        network = ipaddress.ip_interface(f"{_address(lb)}/{prefix}").network
        try:
            vip_address = ipaddress.ip_address(vip)
        except ValueError:
            raise DeployError(f"host {lb.name}: keepalived_vip {vip!r} is not an IP") from None
        if vip_address not in network:
            raise DeployError(f"host {lb.name}: keepalived_vip {vip} is outside {network}")
        if vip_address in owners:
            raise DeployError(
                f"host {lb.name}: keepalived_vip {vip} is host {owners[vip_address]}'s address"
            )
