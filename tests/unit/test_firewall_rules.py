"""The firewall's matrix, from inventory groups: each port open to the groups that use it only."""

from __future__ import annotations

import pytest
from pyinfra.api.util import get_template

from deploy.firewall_rules import VRRP, Member, ping_rule, rules_for, ssh_rule
from deploy.redis_users import TEMPLATES

FIREWALL_TEMPLATE = TEMPLATES.parent / "firewall" / "nftables.conf.j2"
ADMIN = {"admin_ssh_networks": ["192.0.2.1/32"], "admin_http_networks": ["192.0.2.2/32"]}
VIP = "10.0.0.100"


def site(apps: int = 2) -> dict[str, list[Member]]:
    def member(name: str, address: str, **data) -> Member:
        return Member(name, address, {**ADMIN, **data})

    return {
        "lbs": [member(f"lb{n}", f"10.0.0.1{n}", keepalived_vip=VIP) for n in (1, 2)],
        "apps": [member(f"app{n}", f"10.0.0.2{n}") for n in range(1, apps + 1)],
        "redis": [member(f"redis{n}", f"10.0.0.3{n}") for n in (1, 2, 3)],
    }


def by_port(rules) -> dict:
    """What each rule admits: its sources, or "anyone"; rules that admit no one are left out."""
    return {
        (rule.protocol, rule.ports, rule.destination): "anyone"
        if rule.anyone
        else set(rule.sources)
        for rule in rules
        if rule.matches()
    }


def test_redis_and_sentinel_admit_the_apps_and_the_other_redis_hosts_only():
    groups = site()
    rules = by_port(rules_for(groups["redis"][0], groups))
    assert rules == {
        ("tcp", (6379, 26379), None): {"10.0.0.21", "10.0.0.22", "10.0.0.32", "10.0.0.33"}
    }


def test_an_app_node_admits_the_lbs_only():
    groups = site()
    assert by_port(rules_for(groups["apps"][0], groups)) == {
        ("tcp", (8080,), None): {"10.0.0.11", "10.0.0.12"}
    }


def test_an_lb_serves_the_vip_to_anyone_stats_to_admins_and_vrrp_to_its_peer():
    groups = site()
    assert by_port(rules_for(groups["lbs"][0], groups)) == {
        ("tcp", (80,), VIP): "anyone",
        ("tcp", (8404,), "10.0.0.11"): {"192.0.2.2/32"},
        ("vrrp", (), None): {"10.0.0.12"},
    }


def test_a_new_app_node_opens_what_it_needs_and_nothing_else():
    before, after = site(apps=2), site(apps=3)
    changed = {
        host.name: by_port(rules_for(host, after))
        for group in after.values()
        for host in group
        if host.name in {h.name for g in before.values() for h in g}
        and by_port(rules_for(host, after)) != by_port(rules_for(host, before))
    }
    # Only the redis hosts change, each admitting app3 to Redis and Sentinel.
    assert set(changed) == {"redis1", "redis2", "redis3"}
    for rules in changed.values():
        assert "10.0.0.23" in rules[("tcp", (6379, 26379), None)]
    assert by_port(rules_for(after["apps"][2], after)) == {
        ("tcp", (8080,), None): {"10.0.0.11", "10.0.0.12"}
    }


def test_a_service_whose_users_have_no_hosts_admits_no_one():
    groups = {"apps": site()["apps"], "redis": site()["redis"]}  # no LBs: nobody may use app port
    assert rules_for(groups["apps"][0], groups)[0].matches() == []
    lone = {"redis": site()["redis"][:1]}  # no apps, no peers: nobody may use Redis
    assert rules_for(lone["redis"][0], lone)[0].matches() == []


def test_ssh_without_admin_networks_is_refused_rather_than_opened_to_anyone():
    with pytest.raises(ValueError, match="admin_ssh_networks is empty"):
        ssh_rule(Member("app1", "10.0.0.21", {"admin_ssh_networks": []}), 22)


def test_the_ruleset_admits_ssh_first_and_drops_the_rest():
    groups = site()
    lb = groups["lbs"][0]
    text = get_template(str(FIREWALL_TEMPLATE)).render(
        ssh=ssh_rule(lb, 22), ping=ping_rule(lb), rules=rules_for(lb, groups), vrrp=VRRP
    )
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    chain = lines[lines.index("type filter hook input priority filter; policy drop;") + 1 :]
    assert chain[0] == "ip saddr { 192.0.2.1/32 } tcp dport { 22 } accept"
    assert f"ip daddr {VIP} tcp dport {{ 80 }} accept" in chain
    assert "ip saddr { 10.0.0.12 } meta l4proto 112 accept" in chain
    assert "ip6 saddr" not in text  # no IPv6 source was given: none is admitted
    assert chain[-4:] == [
        "meta l4proto 112 counter name vrrp_refused drop",
        "counter name refused",
        "}",
        "}",
    ]
