"""A wrong inventory is refused before any host is touched, with the host and key named."""

from __future__ import annotations

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
        "private_address": address,
        "secrets_file": node.data.get("secrets_file"),
        **extra,
    }
    data = {key: value for key, value in data.items() if value is not None}
    return f"({name!r}, {data!r})"


def run_deploy(tmp_path: Path, groups: dict[str, list[str]]) -> subprocess.CompletedProcess:
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
    ],
)
def test_wrong_inventory_fails_before_any_operation(tmp_path, groups, expected):
    result = run_deploy(tmp_path, groups)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert expected in output
    assert "Starting operation" not in output
