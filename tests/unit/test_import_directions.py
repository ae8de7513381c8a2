"""Imports point one way (DESIGN.md's layout): a package never imports what sits above it.

app/ is what app hosts install (aiohttp and redis only); the deploy runs against any hosts;
the cluster model serves the lab, the drills and the tests; the CLI sits above them all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPO_PACKAGES = {
    "datchat", "datchat_lab", "cluster", "drills", "lab", "deploy", "bench", "tests",
    "inventories", "vagrant", "molecule",
}  # fmt: skip
# package -> the repo's packages it must never import
FORBIDDEN = {
    "app": REPO_PACKAGES - {"datchat"},
    "deploy": {"cluster", "drills", "lab", "datchat_lab", "bench", "tests"},
    "cluster": {"drills", "lab", "datchat_lab", "bench", "tests"},
    "lab": {"drills", "datchat_lab", "bench", "tests"},
    "drills": {"datchat_lab", "bench", "tests"},
    "datchat_lab": {"tests"},
    "bench": {"tests"},
}


def imported_packages(path: Path, source: str | None = None) -> set[str]:
    """The top-level packages a module imports, relative imports resolved from its place."""
    tree = ast.parse(path.read_text() if source is None else source, filename=str(path))
    package_parts = path.relative_to(ROOT).parent.parts
    if package_parts[:1] == ("app",):
        package_parts = package_parts[1:]  # app/datchat/ is the package datchat
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.add((node.module or "").split(".")[0])
            else:
                base = package_parts[: len(package_parts) - node.level + 1]
                found.add(base[0] if base else (node.module or "").split(".")[0])
    return found


def modules(folder: str) -> list[Path]:
    return sorted(
        path
        for path in (ROOT / folder).rglob("*.py")
        if "__pycache__" not in path.parts and ".egg-info" not in str(path)
    )


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_no_import_points_the_wrong_way(folder):
    assert modules(folder), f"{folder}/ has no modules: the rule checks nothing"
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[folder])
        for path in modules(folder)
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_the_check_sees_relative_and_absolute_imports():
    source = "from ..drills import catalog\nimport cluster.model\nfrom . import podman\n"
    assert imported_packages(ROOT / "lab" / "example.py", source) == {"drills", "cluster", "lab"}
