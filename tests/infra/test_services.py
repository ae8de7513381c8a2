"""Every role's services run now and start at boot; the app runs unprivileged."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from cluster.paths import ROOT

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


# What `python3 -m venv` puts in every venv itself, from Debian's python3-venv.
VENV_BOOTSTRAP = {"pip", "setuptools"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.mark.parametrize("host", names("apps"))
def test_app_was_installed_without_pypi(host):
    """The venv holds exactly the wheelhouse the control machine shipped, at its versions,
    and nothing on the host points pip at an index."""
    target = on_host(host)
    shipped = {
        (canonical(wheel.split("-")[0]), wheel.split("-")[1])
        for wheel in target.file("/opt/datchat/wheelhouse").listdir()
        if wheel.endswith(".whl")
    }
    listing = target.check_output(
        "/opt/datchat/venv/bin/python -m pip list --format=json --disable-pip-version-check"
    )
    installed = {
        (canonical(entry["name"]), entry["version"])
        for entry in json.loads(listing)
        if canonical(entry["name"]) not in VENV_BOOTSTRAP
    }
    app = tomllib.loads((ROOT / "app" / "pyproject.toml").read_text())["project"]
    assert (canonical(app["name"]), app["version"]) in shipped
    assert installed == shipped
    assert target.check_output("/opt/datchat/venv/bin/python -m pip config list") == ""
    assert target.check_output("env | grep -c '^PIP_' || true") == "0"
