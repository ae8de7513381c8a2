"""The app's systemd unit, as deployed to real hosts and to lab containers, scored by systemd."""

from __future__ import annotations

import subprocess

import pytest
from pyinfra.api.util import get_template

from deploy.redis_users import TEMPLATES

UNIT_TEMPLATE = TEMPLATES.parent / "app" / "deploy" / "datchat.service.j2"


def exposure(tmp_path, lab_containers: bool) -> float:
    """systemd-analyze's overall exposure of the rendered unit (0 safest, 10 unprotected)."""
    unit = tmp_path / "datchat.service"
    unit.write_text(get_template(str(UNIT_TEMPLATE)).render(lab_containers=lab_containers))
    report = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    line = next(line for line in report.stdout.splitlines() if "Overall exposure level" in line)
    return float(line.split(":")[1].split()[0])


def test_the_unit_on_real_hosts_is_hardened_with_namespaces_and_seccomp(tmp_path):
    # 4.1 before namespaces and the extra seccomp filters, 1.1 with them: the bound keeps it so.
    assert exposure(tmp_path, lab_containers=False) <= 1.5


def test_the_lab_flag_drops_only_what_containers_cannot_do(tmp_path):
    real, lab = exposure(tmp_path, False), exposure(tmp_path, True)
    assert real < lab <= 3.5
    text = get_template(str(UNIT_TEMPLATE)).render(lab_containers=True)
    for kept in (
        "NoNewPrivileges=yes",
        "SystemCallFilter=@system-service",
        "RestrictNamespaces=yes",
        "MemoryDenyWriteExecute=yes",
        "CapabilityBoundingSet=",
    ):
        assert kept in text
    assert "ProtectSystem" not in text


@pytest.mark.parametrize("lab_containers", [False, True])
def test_systemd_knows_every_setting_of_the_unit(tmp_path, lab_containers):
    unit = tmp_path / "datchat.service"
    unit.write_text(get_template(str(UNIT_TEMPLATE)).render(lab_containers=lab_containers))
    verify = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    # The one complaint expected here: the app is not installed on this machine.
    complaints = [line for line in verify.stderr.splitlines() if "/opt/datchat/venv" not in line]
    assert complaints == []
