"""What may reach a host: the firewall's matrix, computed from the inventory's groups.

Each rule admits one service from the hosts or networks that use it; anything else inbound is
dropped (firewall/nftables.conf.j2). Adding a host to a group and re-deploying opens exactly
what that host's role needs, on the hosts it talks to. No pyinfra import: the unit tests
check the matrix on plain data, and docs/reference/firewall.md lists it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deploy.defaults import setting

VRRP = 112  # IP protocol number


@dataclass(frozen=True)
class Member:
    """An inventory host as the matrix sees it: its name, private address and data."""

    name: str
    address: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Rule:
    why: str
    # Addresses or networks allowed; none admits no one, unless `anyone`.
    sources: tuple[str, ...]
    # "tcp" with ports, "ping" (echo requests) or "vrrp".
    protocol: str
    ports: tuple[int, ...] = ()
    # Only packets to this address (the VIP), else to any of the host's addresses.
    destination: str | None = None
    anyone: bool = False

    def matches(self) -> list[str]:
        """The rule as nft match expressions, one per IP family it concerns; none when no
        source is allowed (a group that uses the service has no hosts yet)."""
        if not self.sources and not self.anyone:
            return []
        families = {ipaddress.ip_address(self.destination).version} if self.destination else {4, 6}
        lines = []
        for family, keyword in ((4, "ip"), (6, "ip6")):
            sources = [
                s for s in self.sources if ipaddress.ip_network(s, strict=False).version == family
            ]
            if family not in families or (self.sources and not sources):
                continue
            match = f"{keyword} saddr {{ {', '.join(sources)} }} " if sources else ""
            if self.destination:
                match += f"{keyword} daddr {self.destination} "
            lines.append(match + self._what(family))
        return list(dict.fromkeys(lines))  # a rule matching on neither family needs one line

    def _what(self, family: int) -> str:
        if self.protocol == "tcp":
            return f"tcp dport {{ {', '.join(map(str, self.ports))} }}"
        if self.protocol == "ping":
            return "icmp type echo-request" if family == 4 else "icmpv6 type echo-request"
        return f"meta l4proto {VRRP}"


def _addresses(members: Sequence[Member], *, besides: str = "") -> tuple[str, ...]:
    return tuple(sorted({m.address for m in members if m.name != besides}))


def ssh_rule(host: Member, port: int) -> Rule:
    """SSH (sshd's `port`) from admin_ssh_networks: the deploy, the drills' probes, operators."""
    networks = tuple(setting(host.data, "admin_ssh_networks"))
    if not networks:  # the inventory checks refuse it first; a rule admitting no one is no help
        raise ValueError(f"host {host.name}: admin_ssh_networks is empty")
    return Rule("SSH: admin_ssh_networks", networks, "tcp", (port,))


def ping_rule(host: Member) -> Rule:
    """Echo requests from the admin networks only: a reachable host, not a scanner's map."""
    return Rule("ping: admin_ssh_networks", tuple(setting(host.data, "admin_ssh_networks")), "ping")


def rules_for(host: Member, groups: Mapping[str, Sequence[Member]]) -> list[Rule]:
    """The services `host` offers by the groups it is in, each with who may use it. SSH is
    not here: the template admits it first, from admin_ssh_networks."""
    member_of = {
        group for group, members in groups.items() if host.name in {m.name for m in members}
    }
    rules: list[Rule] = []
    if "redis" in member_of:
        rules.append(
            Rule(
                "Redis and Sentinel: the app nodes (commands, pub/sub, who is master) and the "
                "redis hosts (replication, the Sentinels' peers)",
                _addresses([*groups.get("apps", ()), *groups.get("redis", ())], besides=host.name),
                "tcp",
                (setting(host.data, "redis_port"), setting(host.data, "sentinel_port")),
            )
        )
    if "apps" in member_of:
        rules.append(
            Rule(
                "the chat on its private address: HAProxy's requests and health checks",
                _addresses(groups.get("lbs", ())),
                "tcp",
                (setting(host.data, "app_port"),),
            )
        )
    if "lbs" in member_of:
        rules.append(
            Rule(
                "the chat through the VIP: anyone",
                (),
                "tcp",
                (setting(host.data, "haproxy_frontend_port"),),
                destination=setting(host.data, "keepalived_vip"),
                anyone=True,
            )
        )
        rules.append(
            Rule(
                "HAProxy's stats page on the private address: admin_http_networks",
                tuple(setting(host.data, "admin_http_networks")),
                "tcp",
                (setting(host.data, "haproxy_stats_port"),),
                destination=host.address,
            )
        )
        peers = _addresses(groups.get("lbs", ()), besides=host.name)
        rules.append(Rule("VRRP adverts: the peer LBs only", peers, "vrrp"))
    return rules
