"""Redis replication, Sentinel agreement, HAProxy backends and the VIP, as deployed."""

from __future__ import annotations

import pytest

from cluster.probes import backend_states, holds_vip, redis_info, sentinel_view

from .conftest import CLUSTER, names, on_host


@pytest.fixture(scope="module")
def roles() -> dict[str, dict]:
    return {node.name: redis_info(CLUSTER, node) for node in CLUSTER.group("redis")}


@pytest.mark.needs_groups("redis")
def test_exactly_one_redis_master(roles):
    assert [name for name, info in roles.items() if info.get("role") == "master"] != []
    assert len([name for name, info in roles.items() if info.get("role") == "master"]) == 1


@pytest.mark.needs_groups("redis")
def test_every_other_redis_is_a_linked_replica_of_the_master(roles):
    master = next(name for name, info in roles.items() if info.get("role") == "master")
    for name, info in roles.items():
        if name != master:
            assert info.get("role") == "slave", name
            assert info.get("master_host") == CLUSTER.node(master).address, name
            assert info.get("master_link_status") == "up", name
    assert int(roles[master]["connected_slaves"]) == len(roles) - 1


@pytest.mark.parametrize("host", names("redis"))
def test_sentinel_agrees_on_the_master_and_sees_everyone(host, roles):
    master = next(name for name, info in roles.items() if info.get("role") == "master")
    view = sentinel_view(CLUSTER, CLUSTER.node(host))
    others = len(roles) - 1
    assert view["ip"] == CLUSTER.node(master).address
    assert int(view["num-other-sentinels"]) == others
    assert int(view["num-slaves"]) == others
    assert int(view["quorum"]) == CLUSTER.node(host).data["sentinel_quorum"]


@pytest.mark.parametrize("host", names("lbs"))
def test_haproxy_config_is_valid(host):
    assert on_host(host).run("haproxy -c -q -f /etc/haproxy/haproxy.cfg").rc == 0


@pytest.mark.parametrize("host", names("lbs"))
def test_every_app_backend_is_up(host):
    states = backend_states(CLUSTER, CLUSTER.node(host))
    assert states == {name: "UP" for name in names("apps")}


@pytest.mark.parametrize("host", names("lbs"))
def test_keepalived_config_is_valid(host):
    check = "keepalived --config-test -f /etc/keepalived/keepalived.conf"
    assert on_host(host).run(check).rc == 0


@pytest.mark.needs_groups("lbs")
def test_vip_is_on_exactly_one_lb():
    holders = [node.name for node in CLUSTER.group("lbs") if holds_vip(CLUSTER, node)]
    assert len(holders) == 1, holders


@pytest.mark.needs_groups("lbs")
def test_vip_holder_is_the_first_lb_when_all_are_healthy():
    # Priorities follow inventory order; with preemption the first LB holds the VIP.
    first = CLUSTER.group("lbs")[0]
    assert holds_vip(CLUSTER, first)
