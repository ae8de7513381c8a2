"""The deploy's guards for app nodes: a config the app rejects never goes live, and a node that
does not come back ready stops the rollout, drained, before the next node is touched; the next
deploy finishes it. Deploys are limited to the app hosts (the LBs are reached for the drain)."""

from __future__ import annotations

import re
import urllib.request

import pytest

from deploy.defaults import HAPROXY_ADMIN_SOCKET
from deploy.rolling_restart import UNFINISHED_MARKER

from .conftest import CLUSTER, names, on_host, run_deploy

pytestmark = [pytest.mark.needs_groups("apps", "lbs"), pytest.mark.timeout(900)]

CONFIG = "/etc/datchat/config.toml"
# HAProxy's admin state bit for a drain set through the runtime API (SRV_ADMF_FDRAIN).
FORCED_DRAIN = 0x08


def main_pid(app: str) -> str:
    return on_host(app).check_output("systemctl show -p MainPID --value datchat")


def server_state(lb: str, app: str) -> tuple[int, int]:
    """(operational state, admin state) of the app's server in this LB's HAProxy."""
    listing = on_host(lb).check_output(
        f"echo 'show servers state' | socat stdio UNIX-CONNECT:{HAPROXY_ADMIN_SOCKET}"
    )
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) > 6 and fields[3] == app:
            return int(fields[5]), int(fields[6])
    raise AssertionError(f"{lb}: no server {app}:\n{listing}")


def page_answers_through_the_vip() -> bool:
    with urllib.request.urlopen(f"http://{CLUSTER.vip}/", timeout=5) as response:
        return response.status == 200


def test_a_config_the_app_rejects_never_goes_live():
    apps = names("apps")
    before = {app: (on_host(app).file(CONFIG).sha256sum, main_pid(app)) for app in apps}
    # A type the inventory checks accept (int), a value the app refuses (at least 1).
    result = run_deploy("--limit", "apps", "--data", "app_rate_burst=0")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "chat.rate_burst: must be at least 1" in output, output[-3000:]
    after = {app: (on_host(app).file(CONFIG).sha256sum, main_pid(app)) for app in apps}
    assert after == before


def test_a_node_that_does_not_come_back_stops_the_rollout_drained_and_the_next_deploy_ends_it():
    apps = names("apps")
    lbs = names("lbs")
    pids = {app: main_pid(app) for app in apps}
    # The node starts, but looks for a Redis master Sentinel does not know: it never answers
    # /readyz with 200. (The Redis hosts are not deployed in this run, so only apps change.)
    stopped = run_deploy(
        "--limit",
        "apps",
        "--data",
        "sentinel_master_name=no-such-master",
        "--data",
        "app_ready_timeout_s=10",
    )
    output = stopped.stdout + stopped.stderr
    assert stopped.returncode != 0
    # pyinfra picks the order of a serial operation's hosts (a set): find the node it took.
    # (pyinfra prints each error twice.)
    not_ready = set(re.findall(r"host (\S+): datchat not ready", output))
    assert len(not_ready) == 1, output[-3000:]
    (first,) = not_ready
    assert "/readyz to answer 200" in output, output[-3000:]
    others = [app for app in apps if app != first]
    assert main_pid(first) != pids[first], f"{first} was not restarted"
    assert {app: main_pid(app) for app in others} == {app: pids[app] for app in others}, (
        "a later node was restarted"
    )
    for lb in lbs:
        assert server_state(lb, first)[1] & FORCED_DRAIN, f"{first} not drained on {lb}"
    assert on_host(first).file(UNFINISHED_MARKER).exists
    assert page_answers_through_the_vip()

    finished = run_deploy("--limit", "apps")
    assert finished.returncode == 0, (finished.stdout + finished.stderr)[-3000:]
    for lb in lbs:
        operational, admin = server_state(lb, first)
        assert operational == 2, (lb, operational)
        assert not admin & FORCED_DRAIN, (lb, admin)
    assert not on_host(first).file(UNFINISHED_MARKER).exists
