"""Redis replication, Sentinel agreement, HAProxy backends and the VIP, as deployed."""

from __future__ import annotations

import time

import pytest

from cluster.probes import backend_states, holds_vip, redis_info, sentinel_view

from .conftest import CLUSTER, names, on_host

# A full resync of the lab's small data set; emulated VMs take seconds.
RESYNC_TIMEOUT_S = 60


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


@pytest.mark.needs_groups("redis")
def test_a_server_restarted_without_its_replicaof_line_comes_back_as_a_replica(roles):
    # A former master restarted after a failover looks like this: Sentinel could not rewrite
    # its file while it was away. Without the start guard it runs as a second master.
    master = next(name for name, info in roles.items() if info.get("role") == "master")
    replica = CLUSTER.node(next(name for name in roles if name != master))
    on_host(replica.name).check_output(
        "systemctl stop redis-server && sed -i '/^replicaof /d' /etc/redis/redis.conf"
        " && systemctl start redis-server"
    )
    info = redis_info(CLUSTER, replica)
    assert (info.get("role"), info.get("master_host")) == ("slave", CLUSTER.node(master).address)
    deadline = time.monotonic() + RESYNC_TIMEOUT_S
    while redis_info(CLUSTER, replica).get("master_link_status") != "up":
        assert time.monotonic() < deadline, f"{replica.name} never synced with {master}"
        time.sleep(0.5)


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
