"""Restart the app nodes one at a time, drained from every LB first, so users do not notice.

pyinfra runs the callback host by host (`_serial`). For each node: drain it on every LB through
HAProxy's runtime API (no new connections go to it), restart it (SIGTERM: it closes its
websockets with 1001 and the clients resume on the other nodes), wait until its own /readyz
answers 200 and every LB's health check sees it running, then enable it again. A node that
does not come back stops the rollout before the next node is touched: it stays drained, the
others keep serving, and the deploy fails naming the node and what it saw. A marker file on
the node records an unfinished rollout, so the next deploy restarts and enables it even when
nothing else changed on it.
"""

from __future__ import annotations

from pyinfra import host, inventory
from pyinfra.api import Host
from pyinfra.api.exceptions import DeployError
from pyinfra.facts.files import File
from pyinfra.facts.systemd import SystemdStatus
from pyinfra.operations import python

from deploy.defaults import HAPROXY_ADMIN_SOCKET, HAPROXY_BACKEND, setting
from deploy.polling import poll_until
from deploy.remote_commands import run_checked, run_on

# HAProxy's operational state "running" in `show servers state` (SRV_ST_RUNNING).
SERVER_RUNNING = "2"
POLL_S = 0.5
# Exits 0 only on a 2xx answer (urllib raises on 503), within 2 s.
READY_PROBE = "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)"
# Present from the drain until the node is enabled again.
UNFINISHED_MARKER = "/var/lib/datchat/rollout-unfinished"

# Nodes whose restart failed in this run: the next node must not be restarted after one.
_stopped_rollout: list[str] = []


def restart_drained(service: str, *, apply_when) -> None:
    unfinished = host.get_fact(File, path=UNFINISHED_MARKER)
    # Facts are read before the deploy runs: a node that was not running then (a first
    # deploy) has just been started with the new version and config, and serves nobody yet.
    unit = f"{service}.service"
    was_running = bool(host.get_fact(SystemdStatus, services=[unit]).get(unit))
    python.call(
        name=f"Restart {service} drained from every LB, one node at a time",
        function=_restart_this_node,
        service=service,
        _serial=True,
        _if=lambda: bool(unfinished) or (was_running and apply_when()),
    )


def _runtime_api(lb: Host, command: str) -> str:
    return run_checked(
        lb,
        f"echo '{command}' | socat stdio UNIX-CONNECT:{HAPROXY_ADMIN_SOCKET}",
        f"HAProxy's runtime API `{command}`",
    )


def _lbs_with_haproxy() -> list[Host]:
    """The LBs whose HAProxy runs already: none on a first deploy (apps come before LBs), nor
    on an inventory without LBs (Molecule's app scenario)."""
    lbs = inventory.get_group("lbs", default=[])
    return [lb for lb in lbs if run_on(lb, f"test -S {HAPROXY_ADMIN_SOCKET}")[0]]


def _set_state(lbs: list[Host], state: str) -> None:
    for lb in lbs:
        answer = _runtime_api(lb, f"set server {HAPROXY_BACKEND}/{host.name} state {state}")
        if answer.strip():
            raise DeployError(f"host {lb.name}: HAProxy refused to {state} {host.name}: {answer}")


def _running_on(lb: Host) -> bool:
    """Whether this LB's health checks see this node running (drained or not)."""
    for line in _runtime_api(lb, f"show servers state {HAPROXY_BACKEND}").splitlines():
        fields = line.split()
        # be_id be_name srv_id srv_name srv_addr srv_op_state ...
        if len(fields) > 5 and fields[3] == host.name:
            return fields[5] == SERVER_RUNNING
    raise DeployError(f"host {lb.name}: HAProxy has no server {host.name} in {HAPROXY_BACKEND}")


def _wait_until_ready(service: str, lbs: list[Host], timeout_s: float) -> None:
    url = f"http://{host.data.private_address}:{setting(host, 'app_port')}/readyz"
    probe = f"python3 -c '{READY_PROBE}' {url}"
    waiting_for = f"{url} to answer 200"

    def ready() -> bool:
        nonlocal waiting_for
        if not run_on(host, probe)[0]:
            return False
        not_up = [lb.name for lb in lbs if not _running_on(lb)]
        waiting_for = f"HAProxy on {', '.join(not_up)} to see it UP"
        return not not_up

    if poll_until(ready, timeout_s, POLL_S) is not None:
        return
    _, journal = run_on(host, f"journalctl -u {service} -n 5 --no-pager -o cat")
    raise DeployError(
        f"host {host.name}: {service} not ready {timeout_s:.0f} s after its restart (waited for "
        f"{waiting_for}); it stays drained, the other nodes keep serving, the deploy stops "
        f"here. Its last log lines:\n{journal}"
    )


def _restart_this_node(service: str) -> None:
    if _stopped_rollout:
        raise DeployError(
            f"host {host.name}: not restarted, because {', '.join(_stopped_rollout)} did not "
            "come back ready: fix that node first, then deploy again"
        )
    try:
        lbs = _lbs_with_haproxy()
        marker_dir = UNFINISHED_MARKER.rpartition("/")[0]
        run_checked(host, f"mkdir -p {marker_dir} && touch {UNFINISHED_MARKER}", "the marker")
        _set_state(lbs, "drain")
        run_checked(host, f"systemctl restart {service}", f"`systemctl restart {service}`")
        _wait_until_ready(service, lbs, float(setting(host, "app_ready_timeout_s")))
        _set_state(lbs, "ready")
    except DeployError:
        _stopped_rollout.append(host.name)
        raise
    run_on(host, f"rm -f {UNFINISHED_MARKER}")
