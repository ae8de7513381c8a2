"""tests/infra: the deployed cluster checked over SSH with testinfra.

DATCHAT_INVENTORY picks the cluster (default: the local lab); the same tests run against a
Vagrant lab or real hosts. The cluster must be deployed (`make lab` does it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import testinfra

from cluster.model import Cluster
from cluster.paths import ROOT

INVENTORY = os.environ.get("DATCHAT_INVENTORY", str(ROOT / "inventories" / "lab.py"))
CLUSTER = Cluster(INVENTORY)


def names(group: str) -> list[str]:
    return [node.name for node in CLUSTER.group(group)]


HERE = Path(__file__).resolve().parent


def _absent_role(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("needs_groups")
    if marker is not None and not all(names(group) for group in marker.args):
        return True
    # A test parametrized over the hosts of a group this inventory does not have.
    return any(
        mark.name == "skip" and "got empty parameter set" in mark.kwargs.get("reason", "")
        for mark in item.iter_markers()
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A cluster of one component (a Molecule scenario) runs only the tests of its roles: the
    others are deselected, visibly, not skipped. Any other cluster (the lab, Vagrant, real
    hosts) runs every test: one that would be deselected there is an error."""
    absent = [item for item in items if HERE in item.path.parents and _absent_role(item)]
    if not absent:
        return
    if not CLUSTER.nodes[0].data.get("partial_cluster", False):
        raise pytest.UsageError(
            f"{INVENTORY} is a whole site (no partial_cluster), yet these tests found no host "
            "to run on: " + ", ".join(item.nodeid for item in absent)
        )
    config.hook.pytest_deselected(items=absent)
    items[:] = [item for item in items if item not in absent]


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    return CLUSTER


_hosts: dict[str, object] = {}


def on_host(name: str):
    if name not in _hosts:
        node = CLUSTER.node(name)
        _hosts[name] = testinfra.get_host(
            f"ssh://{name}", ssh_config=str(CLUSTER.ssh_config), sudo=node.sudo
        )
    return _hosts[name]


def run_deploy(*options: str, inventory: str = INVENTORY) -> subprocess.CompletedProcess:
    """Run the site deploy with extra pyinfra options (--data, --limit); do not judge it."""
    pyinfra = Path(sys.executable).with_name("pyinfra")
    return subprocess.run(
        [str(pyinfra), "-y", *options, inventory, "deploy/site.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def deploy(inventory: str = INVENTORY) -> dict:
    """Run the site deploy; return pyinfra's JSON results (totals, changed ops per host)."""
    result = run_deploy("--json", inventory=inventory)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)["results"]


def changed_operations(results: dict) -> list[str]:
    return [
        f"{op['name']} on {', '.join(op['success'])}"
        for op in results["operations"]
        if op["success"]
    ]
