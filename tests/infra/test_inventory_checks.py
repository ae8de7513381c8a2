"""A wrong inventory is refused before any host is touched, with the host and key named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cluster.paths import ROOT

from .conftest import CLUSTER


def host_entry(name: str, address: str, **extra: object) -> str:
    node = CLUSTER.node(name)
    data = {
        "ssh_hostname": node.data["ssh_hostname"],
        "ssh_user": node.data.get("ssh_user", "root"),
        "ssh_key": node.data.get("ssh_key"),
        "ssh_known_hosts_file": node.data.get("ssh_known_hosts_file"),
        "ssh_strict_host_key_checking": node.data.get("ssh_strict_host_key_checking"),
        # A deploy that gets as far as reading facts (the lock-out check) reads root's files
        # on hosts where the SSH user is not root.
        "_sudo": node.data.get("_sudo"),
        "private_address": address,
        "secrets_file": node.data.get("secrets_file"),
        "admin_ssh_networks": node.data.get("admin_ssh_networks"),
        **extra,
    }
    data = {key: value for key, value in data.items() if value is not None}
    return f"({name!r}, {data!r})"


def run_deploy(
    tmp_path: Path, groups: dict[str, list[str]], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    inventory = tmp_path / "broken.py"
    inventory.write_text(
        "\n".join(f"{group} = [{', '.join(hosts)}]" for group, hosts in groups.items()) + "\n"
    )
    return subprocess.run(
        [str(Path(sys.executable).with_name("pyinfra")), "-y", str(inventory), "deploy/site.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


def lb(name: str, vip: str, **extra: object) -> str:
    return host_entry(name, CLUSTER.node(name).address, keepalived_vip=vip, **extra)


def same(name: str) -> str:
    return host_entry(name, CLUSTER.node(name).address)


REDIS = [same(node.name) for node in CLUSTER.group("redis")]
APPS = [same(node.name) for node in CLUSTER.group("apps")]
LB = CLUSTER.group("lbs")[0].name
# The first redis host: its sentinel_quorum is the one the checks read.
REDIS1 = CLUSTER.group("redis")[0]


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        pytest.param(
            {"lbs": [lb(LB, CLUSTER.vip)], "redis": REDIS},
            "group 'lbs' needs group 'apps' (its backends), which is missing or empty",
            id="missing-group",
        ),
        pytest.param(
            {"lbs": [lb(LB, "10.99.0.100")], "apps": APPS, "redis": REDIS},
            f"host {LB}: keepalived_vip 10.99.0.100 is outside",
            id="vip-outside-subnet",
        ),
        pytest.param(
            {
                "lbs": [lb(LB, CLUSTER.vip)],
                "apps": [
                    host_entry(CLUSTER.group("apps")[0].name, CLUSTER.group("redis")[0].address)
                ],
                "redis": REDIS,
            },
            f"private_address {CLUSTER.group('redis')[0].address} is also host",
            id="two-hosts-one-address",
        ),
        pytest.param(
            {
                "apps": APPS,
                "redis": [
                    host_entry(node.name, node.address, sentinel_quorum=1)
                    for node in CLUSTER.group("redis")[:1]
                ],
            },
            "redis_min_replicas_to_write 1 is more than the 0 replica(s)",
            id="replicas-that-do-not-exist",
        ),
        pytest.param(
            {"lbs": [lb(LB, CLUSTER.vip, haproxy_check_fall="2")], "apps": APPS, "redis": REDIS},
            f"host {LB}: haproxy_check_fall must be int (like its default 2), got str '2'",
            id="wrong-type",
        ),
        pytest.param(
            {
                "apps": APPS,
                "redis": [
                    host_entry(REDIS1.name, REDIS1.address, sentinel_quorum=True),
                    *REDIS[1:],
                ],
            },
            f"host {REDIS1.name}: sentinel_quorum must be int (like its default 2), got bool True",
            id="bool-is-not-int",
        ),
        pytest.param(
            {
                "apps": [
                    host_entry(node.name, node.address, app_source="/nonexistent/app")
                    for node in CLUSTER.group("apps")
                ],
                "redis": REDIS,
            },
            f"host {CLUSTER.group('apps')[0].name}: app_source '/nonexistent/app' is not the "
            "app's source tree",
            id="app-source-not-a-tree",
        ),
        pytest.param(
            {"lbs": [lb(LB, CLUSTER.vip, admin_ssh_networks=[])], "apps": APPS, "redis": REDIS},
            f"host {LB}: admin_ssh_networks is empty, so the firewall would admit SSH from nowhere",
            id="no-admin-network",
        ),
        pytest.param(
            {
                "lbs": [lb(LB, CLUSTER.vip, admin_http_networks=["192.168.57.0/33"])],
                "apps": APPS,
                "redis": REDIS,
            },
            f"host {LB}: admin_http_networks holds '192.168.57.0/33', which is not an address",
            id="not-a-network",
        ),
        pytest.param(
            {
                "lbs": [lb(LB, CLUSTER.vip, admin_ssh_networks=["192.0.2.0/24"])],
                "apps": APPS,
                "redis": REDIS,
            },
            f"host {LB}: admin_ssh_networks ['192.0.2.0/24'] does not include",
            id="deploy-would-lock-itself-out",
        ),
    ],
)
def test_wrong_inventory_fails_before_any_operation(tmp_path, groups, expected):
    result = run_deploy(tmp_path, groups)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert expected in output
    assert "Starting operation" not in output


@pytest.mark.parametrize("value", ["short", "a space in a long secret", "x" * 129])
def test_a_bad_secret_in_the_environment_fails_before_any_operation(tmp_path, value):
    groups = {"lbs": [lb(LB, CLUSTER.vip)], "apps": APPS, "redis": REDIS}
    result = run_deploy(tmp_path, groups, env={"DATCHAT_REDIS_APP_PASSWORD": value})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "DATCHAT_REDIS_APP_PASSWORD: a secret must be 16-128 characters" in output
    assert value not in output  # the message names the variable, never the secret
    assert "Starting operation" not in output
