"""The cluster the drills run against, and the goals missed in this run, listed once at the
end (a miss within the verdict's slack passes; one beyond it also fails its drill)."""

from __future__ import annotations

import os

import pytest

from cluster.model import Cluster
from cluster.paths import ROOT

INVENTORY = os.environ.get("DATCHAT_INVENTORY", str(ROOT / "inventories" / "lab.py"))
GOALS_MISSED: list[str] = []


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    return Cluster(INVENTORY)


def pytest_terminal_summary(terminalreporter) -> None:
    if GOALS_MISSED:
        terminalreporter.section("drill goals missed")
        for miss in GOALS_MISSED:
            terminalreporter.line(miss)
