"""The app as a wheelhouse built on the control machine, so app hosts need no PyPI.

It holds the app's wheel and its dependencies at the versions the control machine's venv
has (the ones the tests ran with), for the hosts' Python and platform. It is built once per
version of the app's package, so re-deploys ship the same bytes and change nothing.
"""

from __future__ import annotations

import email.parser
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import tomllib
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
WHEELHOUSES = ROOT / ".state" / "wheelhouse"


def package_files(source: Path) -> list[Path]:
    """What the wheel is made of: the metadata and the package, without build leftovers.

    app/deploy/ is left out on purpose: its templates are rendered by the deploy, not shipped
    in the wheel, so a change there must not rebuild the wheelhouse.
    """
    files = [source / "pyproject.toml"]
    for path in sorted((source / "datchat").rglob("*")):
        parts = path.relative_to(source).parts
        leftover = any(p in ("__pycache__", "build") or p.endswith(".egg-info") for p in parts)
        if path.is_file() and not leftover and path.suffix != ".pyc":
            files.append(path)
    return files


def source_hash(source: Path) -> str:
    digest = hashlib.sha256()
    for path in package_files(source):
        digest.update(str(path.relative_to(source)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _build_app_wheel(source: Path, target: Path, pip: list[str], env: dict[str, str]) -> None:
    """The app's wheel, built from a copy of exactly the hashed files: setuptools would add
    whatever an earlier build left in app/build/ to the wheel."""
    with tempfile.TemporaryDirectory(prefix="datchat-wheel-") as scratch:
        copied = Path(scratch) / "app"
        for path in package_files(source):
            copy = copied / path.relative_to(source)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
        subprocess.run(
            [*pip, "wheel", "--no-deps", "-w", str(target), str(copied)], check=True, env=env
        )


def _pins() -> list[str]:
    """The control venv's versions, as pip constraints (editable installs left out)."""
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in frozen.splitlines() if "==" in line]


# pyinfra prepares hosts concurrently (gevent patches threading, so this lock is
# greenlet-aware): every app host must wait for the one build, not start its own.
_build_lock = threading.Lock()


def _target_environment(python_version: str, platform: str) -> dict[str, str]:
    machine = re.search(r"(x86_64|aarch64|i686|armv7l|ppc64le|s390x)$", platform)
    return {
        "python_version": ".".join(python_version.split(".")[:2]),
        "python_full_version": python_version,
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": machine.group(1) if machine else "x86_64",
        "extra": "",
    }


def _unmet(wheelhouse: Path, environment: dict[str, str]) -> list[str]:
    """Requirements of the wheels here, for the hosts' environment, that no wheel here meets."""
    present = {canonicalize_name(wheel.name.split("-")[0]) for wheel in wheelhouse.glob("*.whl")}
    unmet = set()
    for wheel in wheelhouse.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            metadata = email.parser.Parser().parsestr(archive.read(name).decode())
        for line in metadata.get_all("Requires-Dist") or []:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate(environment):
                continue
            if canonicalize_name(requirement.name) not in present:
                requirement.marker = None
                unmet.add(str(requirement))
    return sorted(unmet)


def build_wheelhouse(python_version: str, platforms: list[str], source: Path = APP) -> Path:
    """`source`: the app's source tree (app/ of this checkout unless the inventory names
    another, a release's, say)."""
    with _build_lock:
        return _build(python_version, platforms, source)


def _build(python_version: str, platforms: list[str], source: Path) -> Path:
    key = f"{source_hash(source)}-py{python_version}-{'+'.join(platforms)}"
    target = WHEELHOUSES / hashlib.sha256(key.encode()).hexdigest()[:16]
    if (target / ".complete").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.whl"):
        stale.unlink()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800"}  # reproducible wheel timestamps
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    _build_app_wheel(source, target, pip, env)
    requirements = tomllib.loads((source / "pyproject.toml").read_text())["project"]["dependencies"]
    constraints = target / "constraints.txt"
    constraints.write_text("\n".join(_pins()) + "\n")
    platform_args = [arg for platform in platforms for arg in ("--platform", platform)]
    # pip evaluates markers for the interpreter running it, not --python-version, so what the
    # hosts' Python needs besides (async-timeout below 3.11.3, say) is added in rounds.
    while requirements:
        subprocess.run(
            [
                *pip, "download", "--only-binary=:all:", "-d", str(target),
                "--python-version", python_version, "--implementation", "cp",
                *platform_args, "-c", str(constraints), *requirements,
            ],
            check=True,
            env=env,
        )  # fmt: skip
        requirements = _unmet(target, _target_environment(python_version, platforms[0]))
    constraints.unlink()
    (target / ".complete").touch()
    return target
