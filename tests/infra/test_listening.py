"""Each port listens on the address it should, and nowhere else (never 0.0.0.0)."""

from __future__ import annotations

import pytest

from .conftest import CLUSTER, names, on_host


def listeners(host: str, port: int) -> set[str]:
    sockets = on_host(host).socket.get_listening_sockets()
    return {s for s in sockets if s.startswith("tcp://") and s.endswith(f":{port}")}


@pytest.mark.parametrize("host", names("redis"))
@pytest.mark.parametrize("key", ["redis_port", "sentinel_port"])
def test_redis_and_sentinel_listen_on_private_address_and_loopback_only(host, key):
    address, port = CLUSTER.node(host).address, CLUSTER.node(host).data[key]
    assert listeners(host, port) == {f"tcp://{address}:{port}", f"tcp://127.0.0.1:{port}"}


@pytest.mark.parametrize("host", names("apps"))
def test_app_listens_on_its_private_address_only(host):
    address, port = CLUSTER.node(host).address, CLUSTER.node(host).data["app_port"]
    assert listeners(host, port) == {f"tcp://{address}:{port}"}


@pytest.mark.parametrize("host", names("lbs"))
def test_haproxy_binds_the_vip_on_every_lb(host):
    # On the BACKUP too (ip_nonlocal_bind): a VIP move needs no HAProxy restart.
    assert listeners(host, 80) == {f"tcp://{CLUSTER.vip}:80"}


@pytest.mark.parametrize("host", names("lbs"))
def test_stats_page_listens_on_the_private_address_only(host):
    address = CLUSTER.node(host).address
    assert listeners(host, 8404) == {f"tcp://{address}:8404"}
