"""A small lab (three hosts) brought up once for the module, and torn down after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab import hosts
from lab.faults import Faults
from lab.inventory import load_lab

SMALL = Path(__file__).parent / "inventories" / "small.py"


@pytest.fixture(scope="session")
def small_spec():
    return load_lab(SMALL)


@pytest.fixture(scope="module")
def small_lab(small_spec):
    hosts.up(small_spec, progress=lambda line: None)
    yield small_spec
    Faults(small_spec).heal()
    hosts.down(small_spec, progress=lambda line: None)
