"""The host firewall as deployed: each port answers the groups that use it, and no other host.

Every "does not answer" sits next to its positive control, the same port reached from a host
that may reach it, so a stopped service cannot pass for a firewall. All probes run at once,
each with a 2 s timeout: a dropped packet costs the timeout, and there are many of them.
"""

from __future__ import annotations

import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from cluster.probes import holds_vip

from .conftest import CLUSTER, names, on_host

pytestmark = pytest.mark.needs_groups("lbs", "apps", "redis")

CONTROL = "control machine"
# Prints how a TCP connection from the host it runs on ends: open, dropped (no answer: the
# firewall) or refused (an answer: nothing listens).
PROBE = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), 2).close()
    print("open")
except socket.timeout:
    print("dropped")
except OSError:
    print("refused")
"""


def first(group: str) -> str:
    return names(group)[0] if names(group) else ""


def port(host: str, key: str) -> int:
    return CLUSTER.node(host).data[key]


# (what, from, to, port key): each target is probed from a host that must not reach it and
# from one that must.
MATRIX = [
    ("redis", first("lbs"), first("apps"), first("redis"), "redis_port"),
    ("sentinel", first("lbs"), first("apps"), first("redis"), "sentinel_port"),
    ("app", first("redis"), first("lbs"), first("apps"), "app_port"),
    ("stats", first("apps"), CONTROL, first("lbs"), "haproxy_stats_port"),
    ("ssh", first("redis"), CONTROL, first("apps"), "ssh_port"),
]


def probe(source: str, target: str, port_key: str) -> str:
    node = CLUSTER.node(target)
    number = int(node.data.get(port_key) or 22)
    if source == CONTROL:
        try:
            socket.create_connection((node.address, number), 2).close()
            return "open"
        except TimeoutError:
            return "dropped"
        except OSError:
            return "refused"
    return on_host(source).check_output(f"python3 -c '{PROBE}' {node.address} {number}")


@pytest.fixture(scope="module")
def outcomes() -> dict[tuple[str, str, str], str]:
    wanted = {
        (source, target, port_key)
        for _, denied, allowed, target, port_key in MATRIX
        for source in (denied, allowed)
    }
    # One SSH connection per source first, one at a time: the probes then share them. Ten
    # handshakes at once timed out on emulated VMs ("timed out during banner exchange").
    for source in sorted({source for source, _, _ in wanted} - {CONTROL}):
        on_host(source).check_output("true")
    with ThreadPoolExecutor(len(wanted)) as pool:
        futures = {key: pool.submit(probe, *key) for key in wanted}
    return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize(
    ("what", "denied", "allowed", "target", "port_key"), MATRIX, ids=[row[0] for row in MATRIX]
)
def test_a_port_answers_its_users_and_no_other_host(
    outcomes, what, denied, allowed, target, port_key
):
    assert outcomes[(allowed, target, port_key)] == "open", f"{what} on {target} from {allowed}"
    assert outcomes[(denied, target, port_key)] == "dropped", f"{what} on {target} from {denied}"


# A valid VRRPv2 advert for the lab's router id at priority 254, sent five times with the
# host's own python3 (raw socket, protocol 112, TTL 255 as VRRP wants).
# A VRRPv3 advert (RFC 5798), as keepalived sends them: the interval in centiseconds, and a
# checksum over an IPv4 pseudo-header, so that without the firewall keepalived would take it.
FORGE = """
import socket, struct, sys
vip, source, target = sys.argv[1], sys.argv[2], sys.argv[3]
router_id, centiseconds = int(sys.argv[4]), round(float(sys.argv[5]) * 100)
def checksum(data):
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    return ~(total + (total >> 16)) & 0xFFFF
body = struct.pack("!BBBBHH", 0x31, router_id, 254, 1, centiseconds, 0) + socket.inet_aton(vip)
addresses = socket.inet_aton(source) + socket.inet_aton(target)
pseudo = addresses + struct.pack("!BBH", 0, 112, len(body))
body = body[:6] + struct.pack("!H", checksum(pseudo + body)) + body[8:]
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
for _ in range(5):
    sock.sendto(body, (target, 0))
"""


def vip_holder():
    holders = [node for node in CLUSTER.group("lbs") if holds_vip(CLUSTER, node)]
    assert len(holders) == 1, [node.name for node in holders]
    return holders[0]


def counter(host: str, name: str) -> int:
    listing = on_host(host).check_output(f"nft list counter inet datchat_firewall {name}")
    return int(listing.split("packets ")[1].split()[0])


def test_a_vrrp_advert_from_a_host_that_is_no_peer_lb_is_dropped():
    """A forged advert (priority 254, far above the LBs') from an app host to the VIP holder:
    the firewall's VRRP counter must count it (it arrived) and the holder must keep the VIP."""
    holder = vip_holder()
    before = counter(holder.name, "vrrp_refused")
    data = holder.data
    forger = CLUSTER.node(first("apps"))
    on_host(forger.name).check_output(
        f"python3 -c '{FORGE}' {CLUSTER.vip} {forger.address} {holder.address} "
        f"{data['keepalived_router_id']} {data['keepalived_advert_int']}"
    )
    deadline = time.monotonic() + 10
    while counter(holder.name, "vrrp_refused") < before + 5:
        assert time.monotonic() < deadline, "the forged adverts never reached the firewall"
        time.sleep(0.2)
    time.sleep(3)  # a taken advert would have made the holder BACKUP within one interval
    assert vip_holder().name == holder.name


# Connects out to the control machine, then waits for a line from it: replies to an outgoing
# connection come in on an ephemeral port, which only `ct state established` admits.
CALL_HOME = """
import socket, sys
peer = socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)
peer.settimeout(15)
peer.sendall(b"hello\\n")
print("got", peer.makefile().readline().strip(), flush=True)
"""


def test_reloading_the_rules_keeps_established_connections():
    """A connection open across a reload of the whole ruleset (the deploy's own case, the
    table replaced in one transaction) keeps flowing both ways."""
    host = first("apps")
    home = CLUSTER.node(host).data["admin_ssh_networks"][0].split("/")[0]
    with socket.create_server((home, 0)) as server:
        server.settimeout(15)
        command = ["ssh", "-F", str(CLUSTER.ssh_config), host,
                   f"python3 -c '{CALL_HOME}' {home} {server.getsockname()[1]}"]  # fmt: skip
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as caller:
            try:
                connection, _ = server.accept()
                with connection:
                    assert connection.makefile().readline().strip() == "hello"
                    on_host(host).check_output("systemctl reload datchat-firewall")
                    connection.sendall(b"after-reload\n")
                    assert caller.stdout.readline().strip() == "got after-reload"
                assert caller.wait(30) == 0
            finally:
                caller.kill()
    assert on_host(host).service("datchat-firewall").is_running
