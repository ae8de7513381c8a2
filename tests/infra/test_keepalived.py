"""keepalived as deployed: unicast adverts between the LBs only, reloads that keep the VIP, and
a healed LB that comes back as BACKUP."""

from __future__ import annotations

import time

import pytest

from cluster.probes import holds_vip

from .conftest import CLUSTER, names, on_host

pytestmark = pytest.mark.needs_groups("lbs")


@pytest.mark.parametrize("host", names("lbs"))
def test_adverts_go_to_and_come_only_from_the_peer_lbs(host):
    node = CLUSTER.node(host)
    if not node.data["keepalived_unicast"]:
        pytest.fail(f"{host}: keepalived_unicast is off; this inventory should not turn it off")
    config = on_host(host).file("/etc/keepalived/keepalived.conf").content_string
    peers = [CLUSTER.node(name).address for name in names("lbs") if name != host]
    block = config.split("unicast_peer {")[1].split("}")[0].split()
    assert f"unicast_src_ip {node.address}" in config
    assert "check_unicast_src" in config.split()
    assert block == peers


def steady_vip_holder(quiet_s: float = 10, timeout_s: float = 180) -> str:
    """The LB that has held the VIP alone for quiet_s. On emulated VMs a burst of load (the
    inventory tests' deploys just before) can delay keepalived's adverts and move the VIP on
    its own; the reload must be judged from a settled start."""
    deadline = time.monotonic() + timeout_s
    holder, since = None, time.monotonic()
    while True:
        holders = [name for name in names("lbs") if holds_vip(CLUSTER, CLUSTER.node(name))]
        now = time.monotonic()
        if len(holders) != 1 or holders[0] != holder:
            holder, since = (holders[0] if len(holders) == 1 else None), now
        elif now - since >= quiet_s:
            return holder
        assert now < deadline, f"the VIP never settled on one LB for {quiet_s} s: {holders}"
        time.sleep(1)


def test_a_reload_keeps_the_vip_where_it_is():
    """A config reload (what a deploy does after a keepalived change) must not send the
    priority-0 advert of a stop, which would hand the VIP to the BACKUP for a moment."""
    holder = steady_vip_holder()
    others = [name for name in names("lbs") if name != holder]
    # Each host's own clock: VMs' clocks may differ from one another by a little.
    since = {name: on_host(name).check_output("date '+%Y-%m-%d %H:%M:%S'") for name in others}

    on_host(holder).check_output("systemctl reload keepalived")
    time.sleep(4)  # several advert intervals: a BACKUP that took over would have said so

    assert holds_vip(CLUSTER, CLUSTER.node(holder))
    for other in others:
        journal = on_host(other).check_output(
            f"journalctl -u keepalived --since '{since[other]}' -o cat"
        )
        assert "Entering MASTER STATE" not in journal, journal
        assert not holds_vip(CLUSTER, CLUSTER.node(other))


def test_priorities_follow_inventory_order():
    priorities = []
    for name in names("lbs"):
        config = on_host(name).file("/etc/keepalived/keepalived.conf").content_string
        setting = next(line for line in config.splitlines() if line.split()[:1] == ["priority"])
        priorities.append(int(setting.split()[1]))
    assert priorities == sorted(priorities, reverse=True)
    assert len(set(priorities)) == len(priorities)


def vip_moved_from(holder: str, cause: str) -> str:
    """The one LB holding the VIP once it has left holder, within 60 s; cause names the fault."""
    deadline = time.monotonic() + 60
    while True:
        holders = [name for name in names("lbs") if holds_vip(CLUSTER, CLUSTER.node(name))]
        if len(holders) == 1 and holders[0] != holder:
            return holders[0]
        assert time.monotonic() < deadline, f"{cause}: the VIP did not leave {holder}: {holders}"
        time.sleep(0.5)


def restart_keepalived_elsewhere(holder: str) -> str:
    """Stop keepalived on the holder until the VIP has moved, start it again; the new holder."""
    on_host(holder).check_output("systemctl stop keepalived")
    new_holder = vip_moved_from(holder, "keepalived stopped")
    on_host(holder).check_output("systemctl start keepalived")
    return new_holder


def test_a_healed_lb_comes_back_as_backup():
    """nopreempt: the top-priority LB, back after an outage, must not take the VIP back (that
    would cut every websocket a second time). Judged on the top-priority LB, the only one
    that would preempt without it."""
    top = names("lbs")[0]
    holder = steady_vip_holder(quiet_s=5)
    if holder != top:
        holder = restart_keepalived_elsewhere(holder)
        assert holder == top, "with two LBs, the VIP can only have gone to the other one"
    # Its own clock; before the stop, after which only the start logs a BACKUP state.
    since = on_host(top).check_output("date '+%Y-%m-%d %H:%M:%S'")
    new_holder = restart_keepalived_elsewhere(top)
    deadline = time.monotonic() + 60
    while "Entering BACKUP STATE" not in on_host(top).check_output(
        f"journalctl -u keepalived --since '{since}' -o cat"
    ):
        assert time.monotonic() < deadline, f"keepalived on {top} never became BACKUP"
        time.sleep(0.5)
    # Several advert intervals: a preempting LB would have taken the VIP by now.
    time.sleep(6 * float(CLUSTER.node(top).data["keepalived_advert_int"]) + 2)
    assert holds_vip(CLUSTER, CLUSTER.node(new_holder))
    assert not holds_vip(CLUSTER, CLUSTER.node(top))


def test_stopping_haproxy_on_the_holder_moves_the_vip():
    """Only an LB whose HAProxy runs may hold the VIP (keepalived tracks its processes; in lab
    containers a script looks)."""
    holder = steady_vip_holder(quiet_s=5)
    on_host(holder).check_output("systemctl stop haproxy")
    try:
        vip_moved_from(holder, "HAProxy stopped")
    finally:
        on_host(holder).check_output("systemctl start haproxy")
