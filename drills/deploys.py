"""The site deploy run from a drill, as an operator runs it: pyinfra on the inventory, with
data overrides (`--data key=value`) standing in for an edited group_data file."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from cluster.errors import LabError
from cluster.model import Cluster
from cluster.paths import ROOT
from deploy.wheelhouse import APP, package_files

PYINFRA = Path(sys.executable).with_name("pyinfra")
# A whole deploy on emulated VMs took up to 20 minutes in CI.
DEPLOY_TIMEOUT_S = 1800
# A copy of the app's source whose version differs: a deploy of it ships a new wheel.
CHANGED_APP = ROOT / ".state" / "drill-app"
CHANGED_VERSION_LABEL = "+drill"
# Each deploy's whole output, for a look at where its rollout spent the time (the waits log it).
LOG = ROOT / "reports" / "drills" / "deploys.log"


def deploy(cluster: Cluster, overrides: dict[str, str]) -> None:
    data = [arg for key, value in overrides.items() for arg in ("--data", f"{key}={value}")]
    command = [str(PYINFRA), "-y", *data, str(cluster.inventory), "deploy/site.py"]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=DEPLOY_TIMEOUT_S, check=False
    )
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with LOG.open("a") as log:
        log.write(f"== pyinfra {' '.join(data)}: exit {result.returncode}\n")
        log.write(result.stdout + result.stderr)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise LabError(f"deploy {' '.join(data) or '(no overrides)'} failed:\n{tail}")


def changed_app_source() -> tuple[Path, str]:
    """The app's source with its version given a local label (0.1.0 -> 0.1.0+drill), and that
    version: the same code as a new release, so the deploy ships and installs a new wheel."""
    shutil.rmtree(CHANGED_APP, ignore_errors=True)
    for path in package_files(APP):
        copy = CHANGED_APP / path.relative_to(APP)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)
    pyproject = CHANGED_APP / "pyproject.toml"
    text = pyproject.read_text()
    version = re.search(r'^version = "([^"]+)"$', text, re.MULTILINE).group(1)
    changed = version + CHANGED_VERSION_LABEL
    pyproject.write_text(text.replace(f'version = "{version}"', f'version = "{changed}"', 1))
    return CHANGED_APP, changed
