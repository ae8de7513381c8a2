"""A small lab (three hosts) brought up once for the module, and torn down after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.model import Cluster
from drills.faults import heal_all
from lab import containers

SMALL = Path(__file__).parent / "inventories" / "small.py"


@pytest.fixture(scope="session")
def small_cluster() -> Cluster:
    return Cluster(SMALL)


@pytest.fixture(scope="module")
def small_lab(small_cluster):
    containers.up(small_cluster, progress=lambda line: None)
    yield small_cluster
    heal_all(small_cluster)
    containers.down(small_cluster, progress=lambda line: None)
