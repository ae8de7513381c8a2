"""The lab's hosts: systemd, SSH with the lab's key, one network, faults that really bite."""

from __future__ import annotations

import stat

import pytest

from cluster.model import Cluster
from drills import netcut
from drills.faults import heal_all, runner
from lab import containers, power
from lab.podman import LABEL, podman, podman_json

pytestmark = pytest.mark.lab

HOSTS = ["lb1", "app1", "redis1"]


def run(cluster: Cluster, name: str, command: str, check: bool = True):
    result = cluster.run(cluster.node(name), command, timeout=60)
    if check:
        assert result.returncode == 0, f"{name}: `{command}`: {result.stderr}"
    return result


@pytest.mark.parametrize("name", HOSTS)
def test_systemd_is_pid_1_and_running(small_lab, name):
    assert run(small_lab, name, "systemctl is-system-running").stdout.strip() == "running"
    assert run(small_lab, name, "cat /proc/1/comm").stdout.strip() == "systemd"


@pytest.mark.parametrize("name", HOSTS)
def test_hostname_and_address_come_from_the_inventory(small_lab, name):
    host = small_lab.node(name)
    assert run(small_lab, name, "hostname").stdout.strip() == name
    assert f" {host.address}/24 " in run(small_lab, name, "ip -o -4 addr show").stdout


def test_ssh_key_is_private_and_per_lab(small_lab):
    mode = stat.S_IMODE(small_lab.lab.ssh_key.stat().st_mode)
    assert mode == 0o600
    assert small_lab.lab.ssh_key.is_relative_to(small_lab.lab.state_dir)


def test_each_host_has_its_own_ssh_host_key(small_lab):
    keys = {run(small_lab, n, "cat /etc/ssh/ssh_host_ed25519_key.pub").stdout for n in HOSTS}
    assert len(keys) == len(HOSTS)


def test_role_sysctls_are_set_at_creation(small_lab):
    sysctl = "sysctl -n net.ipv4.ip_nonlocal_bind"
    assert run(small_lab, "lb1", sysctl).stdout.strip() == "1"
    assert run(small_lab, "app1", sysctl).stdout.strip() == "0"


@pytest.mark.parametrize(("source", "target"), [("app1", "redis1"), ("lb1", "app1")])
def test_hosts_reach_each_other(small_lab, source, target):
    address = small_lab.node(target).address
    assert run(small_lab, source, f"ping -c1 -W2 {address}", check=False).returncode == 0


def test_cut_blocks_both_ways_and_heal_restores(small_lab):
    app, redis = small_lab.node("app1"), small_lab.node("redis1")
    netcut.cut(runner(small_lab), {app.name: app.address}, {redis.name: redis.address})
    try:
        assert run(small_lab, "app1", f"ping -c1 -W1 {redis.address}", check=False).returncode
        assert run(small_lab, "redis1", f"ping -c1 -W1 {app.address}", check=False).returncode
        # Only the cut pair is affected.
        lb = small_lab.node("lb1").address
        assert run(small_lab, "app1", f"ping -c1 -W2 {lb}", check=False).returncode == 0
    finally:
        heal_all(small_lab)
    assert run(small_lab, "app1", f"ping -c1 -W2 {redis.address}", check=False).returncode == 0
    assert netcut.cut_sources(runner(small_lab), "app1") == []


def test_pause_freezes_a_host_and_heal_thaws_it(small_lab):
    address = small_lab.node("redis1").address
    banner = f"timeout 3 bash -c 'exec 3<>/dev/tcp/{address}/22; head -c 4 <&3'"
    assert run(small_lab, "app1", banner).stdout == "SSH-"
    power.pause(small_lab, small_lab.node("redis1"))
    try:
        # The kernel still completes TCP handshakes; a frozen sshd never sends its banner.
        assert run(small_lab, "app1", banner, check=False).stdout != "SSH-"
    finally:
        heal_all(small_lab)
    assert run(small_lab, "redis1", "true").returncode == 0


def test_kill_powers_off_and_heal_powers_on(small_lab):
    power.kill(small_lab, small_lab.node("redis1"))
    state = podman("inspect", "-f", "{{.State.Status}}", small_lab.lab.container("redis1")).stdout
    assert state.strip() in ("exited", "stopped")
    heal_all(small_lab)
    assert run(small_lab, "redis1", "systemctl is-system-running --wait").stdout.strip() in (
        "running",
        "degraded",
    )


def test_up_again_keeps_running_hosts(small_lab):
    before = {e["Id"] for e in podman_json("ps", "--format", "json", "--filter", f"label={LABEL}")}
    containers.up(small_lab, progress=lambda line: None)
    after = {e["Id"] for e in podman_json("ps", "--format", "json", "--filter", f"label={LABEL}")}
    assert after == before


def test_up_replaces_a_stale_container(small_lab):
    podman("stop", "--time", "1", small_lab.lab.container("app1"))
    containers.up(small_lab, progress=lambda line: None)
    assert run(small_lab, "app1", "systemctl is-system-running").stdout.strip() == "running"


def test_down_leaves_nothing_behind(small_lab):
    containers.down(small_lab, progress=lambda line: None)
    labelled = podman_json(
        "ps", "-a", "--format", "json", "--filter", f"label={LABEL}={small_lab.lab.name}"
    )
    assert labelled == []
    assert podman("network", "exists", small_lab.lab.network_name, check=False).returncode != 0
    assert not small_lab.lab.state_dir.exists()
