"""Every role's services run now and start at boot; the app runs unprivileged."""

from __future__ import annotations

import pytest

from .conftest import names, on_host

SERVICES = [
    *[(host, "redis-server") for host in names("redis")],
    *[(host, "redis-sentinel") for host in names("redis")],
    *[(host, "datchat") for host in names("apps")],
    *[(host, "haproxy") for host in names("lbs")],
    *[(host, "keepalived") for host in names("lbs")],
]


@pytest.mark.parametrize(("host", "service"), SERVICES)
def test_service_is_running(host, service):
    assert on_host(host).service(service).is_running


@pytest.mark.parametrize(("host", "service"), SERVICES)
def test_service_is_enabled(host, service):
    assert on_host(host).service(service).is_enabled


@pytest.mark.parametrize("host", names("apps"))
def test_app_runs_as_its_own_unprivileged_user(host):
    processes = on_host(host).process.filter(comm="datchat")
    assert processes, "no datchat process"
    assert {p.user for p in processes} == {"datchat"}


@pytest.mark.parametrize("host", names("apps"))
def test_app_config_is_not_world_readable(host):
    config = on_host(host).file("/etc/datchat/config.toml")
    assert config.mode == 0o640
    assert (config.user, config.group) == ("root", "datchat")


@pytest.mark.parametrize("host", names("apps"))
def test_app_was_installed_without_pypi(host):
    # The venv holds exactly the wheelhouse the control machine shipped.
    wheelhouse = on_host(host).file("/opt/datchat/wheelhouse")
    assert any(name.startswith("datchat-") for name in wheelhouse.listdir())
