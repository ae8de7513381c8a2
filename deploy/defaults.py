"""Every setting's default, by component: the documented interface of the deploy.

An inventory's group data overrides any of these; the deploy's roles, its inventory checks,
the control machine's cluster model and the drills all read the same values from here. No
pyinfra import: the control machine imports this module without it.

    from deploy.defaults import DEFAULTS, setting
    setting(host, "app_port")  # a pyinfra Host, a lab Node, or a plain dict of host data
"""

from __future__ import annotations

from typing import Any

# The inventory groups the deploy gives a role; any other group (pyinfra names one after the
# inventory file) carries data only.
ROLE_GROUPS = ("redis", "apps", "lbs")

# Where the deploy puts what the control machine's probes read on the hosts, and the names
# they look for: written here once, passed to the templates.
# root's redis-cli passwords on each redis host (mode 0600).
REDIS_CREDENTIALS_FILE = "/etc/redis/datchat-credentials"
# HAProxy's runtime API, local to each LB: backend states, and drains during deploys.
HAPROXY_ADMIN_SOCKET = "/run/haproxy/admin.sock"
# The HAProxy backend that holds every app node.
HAPROXY_BACKEND = "apps"

# What every host gets before its role (deploy/base.py).
HOST_DEFAULTS: dict[str, Any] = {
    # Kernel settings set before the role, e.g. {"net.ipv4.ip_nonlocal_bind": "1"} on the LBs.
    "host_sysctls": {},
    # True on Podman lab hosts: their sysctls are set at creation and haproxy needs a drop-in.
    "lab_containers": False,
}

# The host firewall (firewall/nftables.conf.j2, deploy/firewall.py) on every host.
FIREWALL_DEFAULTS: dict[str, Any] = {
    # Inbound is dropped but for what the groups need of each other: the matrix in
    # docs/reference/firewall.md. False leaves the host's firewall alone.
    "firewall_enabled": True,
    # Networks that may SSH to every host: the deploy, the drills, operators. Empty refuses
    # the deploy (the firewall would admit SSH from nowhere), and so does a list without the
    # address this deploy connects from.
    "admin_ssh_networks": [],
    # Networks that may open HAProxy's stats page on each LB's private address.
    "admin_http_networks": [],
}

REDIS_DEFAULTS: dict[str, Any] = {
    # The port Redis listens on, on the host's private address and on localhost.
    "redis_port": 6379,
    # A master followed by fewer replicas stops taking writes, so a partitioned master cannot
    # ack messages the new master will never have.
    "redis_min_replicas_to_write": 1,
    # Seconds without a replica's ack after which it no longer counts for the rule above.
    "redis_min_replicas_max_lag": 10,
    # A deploy's switch of the master pauses writes on it (CLIENT PAUSE) in steps this long,
    # renewed until Sentinel promoted a replica: a deploy that dies mid-switch blocks writes
    # for at most this.
    "redis_switch_pause_ms": 5000,
    # How long a deploy waits for a restarted Redis to be back in sync (and for Sentinel to
    # promote a replica in a switch) before it stops, the hosts not restarted yet untouched.
    "redis_restart_timeout_s": 60.0,
    # Extra redis.conf lines, e.g. "maxmemory 256mb\nmaxmemory-policy noeviction".
    "redis_extra_config": "",
}

SENTINEL_DEFAULTS: dict[str, Any] = {
    # The port Sentinel listens on; the apps ask it who the master is.
    "sentinel_port": 26379,
    # The name the Sentinels monitor the master under, and the apps ask for.
    "sentinel_master_name": "datchat",
    # Sentinels that must agree the master is down before one fails over (at most the redis
    # hosts' count, which the inventory checks enforce).
    "sentinel_quorum": 2,
    # How long the master may be silent before a failover starts; lab drills use 2000.
    "sentinel_down_after_ms": 5000,
    # How long a failover may take before another Sentinel may try it again.
    "sentinel_failover_timeout_ms": 60000,
}

APP_DEFAULTS: dict[str, Any] = {
    # The app's source tree the wheel is built from, on the control machine; empty: app/ of
    # this checkout. deploy-under-load ships a changed version this way.
    "app_source": "",
    # The port the chat listens on, on the host's private address; HAProxy's backends use it.
    "app_port": 8080,
    # Messages a room's stream keeps (approximately): the gap a reconnecting client can get.
    "app_history_max": 10000,
    # Messages sent to a client that joins without the id of the last one it saw.
    "app_history_on_join": 50,
    # A longer text is refused (too_large) and its connection stays open.
    "app_max_text_chars": 2000,
    # A bigger websocket frame closes its connection, so no client makes a node buffer much.
    "app_max_frame_bytes": 16384,
    # Frames per second per connection (a token bucket), so one client cannot flood a room.
    "app_rate_per_sec": 10.0,
    # Frames the token bucket lets through at once above that rate.
    "app_rate_burst": 20,
    # Ack only what a replica also holds: a failover then loses no acked message.
    "app_ack_replicas": 1,
    # How long the wait for those replicas may take before the sender hears "unavailable".
    "app_ack_timeout_ms": 1000,
    # How long a node whose Redis (or pub/sub listener) is gone still answers /readyz 200:
    # longer than a Sentinel failover (sentinel_down_after_ms, then an election, a promotion
    # and the node's move: about 8 s with the defaults), so a failover cuts no websocket; a
    # node cut off from Redis for longer leaves HAProxy's backend.
    "app_ready_grace_s": 15.0,
    # Browser origins allowed besides the page's own, e.g. ["https://chat.example.org"].
    "app_allowed_origins": [],
    # How long a deploy waits for a restarted node to be ready and UP on every LB before it
    # stops, leaving that node drained and the others serving.
    "app_ready_timeout_s": 60.0,
    # The hosts' exact Python (Debian 12: 3.11.2), for the wheelhouse: markers such as
    # python_full_version < "3.11.3" depend on it.
    "app_python_version": "3.11.2",
    # The wheel platforms the hosts accept (Debian 12 on x86_64), for the wheelhouse.
    "app_wheel_platforms": [
        "manylinux_2_17_x86_64",
        "manylinux2014_x86_64",
        "manylinux_2_28_x86_64",
    ],
}

HAPROXY_DEFAULTS: dict[str, Any] = {
    # The port HAProxy serves the chat on, bound on the VIP (on the BACKUP too).
    "haproxy_frontend_port": 80,
    # The stats page's port, bound on each LB's private address only, behind a password.
    "haproxy_stats_port": 8404,
    # Connections HAProxy holds at once; each costs about 2 file descriptors.
    "haproxy_maxconn": 20000,
    # Idle limit of an upgraded websocket; the app's heartbeat (20 s) keeps live ones busy.
    "haproxy_timeout_tunnel": "1h",
    # How long an old HAProxy process keeps its websockets after a reload before it cuts them
    # (their clients reconnect and resume): bounds how many old processes a day of deploys
    # leaves running.
    "haproxy_hard_stop_after": "10m",
    # How often each app node's /readyz is checked: a node is out after fall x inter ms.
    "haproxy_check_inter_ms": 1000,
    # How often the checks run once a client's connect to the node failed, until they agree.
    "haproxy_check_fastinter_ms": 100,
    # Failed checks in a row that take a node out (its websockets are cut, clients move).
    "haproxy_check_fall": 2,
    # Passed checks in a row that bring it back, so a flapping node gets no clients at once.
    "haproxy_check_rise": 2,
    # Extra haproxy.cfg sections appended as is, e.g. a TLS frontend: the one escape hatch.
    "haproxy_extra_config": "",
}

KEEPALIVED_DEFAULTS: dict[str, Any] = {
    # The VIP's prefix length on the LBs' network; the inventory checks want the VIP in it.
    "keepalived_vip_prefix": 24,
    # The VRRP virtual router id: unique per VRRP group on the network segment.
    "keepalived_router_id": 51,
    # Seconds between VRRP adverts (VRRPv3: down to 0.01); a BACKUP takes over after three
    # missed ones, so this decides how long a dead LB holds the VIP. 1 s: a loaded host that
    # stalls a second does not move the VIP.
    "keepalived_advert_int": 1.0,
    # Priorities follow inventory order: the first LB gets top, each next one step less. They
    # decide who wins when both start together; after that the holder keeps the VIP (nopreempt).
    "keepalived_priority_top": 150,
    # The priority gap between LBs next to each other in inventory order.
    "keepalived_priority_step": 50,
    # The HAProxy check script of lab containers (lab_containers; everywhere else keepalived
    # follows HAProxy's processes itself, at once): seconds between runs.
    "keepalived_check_interval": 1,
    # Seconds a check may take before it counts as failed.
    "keepalived_check_timeout": 2,
    # Failed HAProxy checks in a row before the LB goes to FAULT and gives up the VIP.
    "keepalived_check_fall": 2,
    # Passed HAProxy checks in a row before it may hold the VIP again.
    "keepalived_check_rise": 2,
    # Adverts unicast to the other LBs, accepted only from them (check_unicast_src): no other
    # host on the segment can take the VIP, and it works where multicast is dropped (clouds,
    # vagrant-libvirt). False: multicast VRRP, for a segment where only the LBs can send.
    "keepalived_unicast": True,
}

# The control machine's side: read by the cluster model and the drills, never by a host.
CONTROL_DEFAULTS: dict[str, Any] = {
    # How often a drill looks at the hosts: each look is seven SSH commands, which emulated
    # VMs pay for dearly.
    "drill_probe_every_s": 0.5,
    # How long one look at a host (VIP, Redis role, HAProxy's backends) may take before the
    # host counts as not answering.
    "probe_timeout_s": 10.0,
    # How long a drill waits, after healing, for the cluster to be whole again.
    "drill_converge_timeout_s": 90.0,
    # How long, once the drill's clients stop talking, they may take to receive everything
    # stored (one may be reconnecting then).
    "drill_catch_up_timeout_s": 15.0,
    # What each drill may cost the users: drill -> {figure of the report's "outage": seconds}.
    # These are what the production defaults' slower failure detection gives (docs/reference/
    # zero-downtime.md); the lab's profile sets its own, tighter ones.
    "drill_goals": {
        "redis-master-kill": {"longest_no_ack_s": 8.0},
        "redis-master-freeze": {"longest_no_ack_s": 8.0},
        "redis-master-partition": {"longest_no_ack_s": 8.0},
        "sentinel-minority-loss": {"longest_no_ack_s": 8.0},
        "lb-master-kill": {"longest_no_ack_s": 5.0},
        "lb-haproxy-stop": {"longest_no_ack_s": 5.0},
        "app-node-kill": {"all_clients_rejoined_after_s": 2.0},
        "app-rolling-restart": {"longest_no_ack_s": 1.0},
        "deploy-under-load": {"longest_no_ack_s": 2.5},
        "soak": {"longest_no_ack_s": 1.0},
        "app-node-freeze": {"all_clients_rejoined_after_s": 5.0},
        "app-node-redis-cut": {"all_clients_rejoined_after_s": 20.0},
        "vrrp-split-brain": {"longest_no_ack_s": 5.0, "converged_after_heal_s": 8.0},
        "sentinel-tilt": {"longest_no_ack_s": 1.0},
    },
    # A drill's verdict fails only beyond this many times a goal, so that a noisy machine does
    # not fail a good change; every miss of the goal itself is reported.
    "drill_goal_slack": 2.0,
    # True on an inventory of one component (Molecule's scenarios): tests/infra then runs only
    # the tests of the roles present; on a whole site a test without hosts is an error.
    "partial_cluster": False,
}

DEFAULTS: dict[str, Any] = {
    **HOST_DEFAULTS,
    **FIREWALL_DEFAULTS,
    **REDIS_DEFAULTS,
    **SENTINEL_DEFAULTS,
    **APP_DEFAULTS,
    **HAPROXY_DEFAULTS,
    **KEEPALIVED_DEFAULTS,
    **CONTROL_DEFAULTS,
}

# Keys without a default: the inventory must set them. key -> (hosts that need it, meaning)
REQUIRED: dict[str, tuple[str, str]] = {
    "private_address": ("every host", "the address its services bind and its peers use"),
    "secrets_file": ("every host", "where the generated secrets live (mode 0600, git-ignored)"),
    "keepalived_vip": ("lbs", "the virtual IP keepalived moves between the LBs"),
}

# pyinfra's own connection keys: no default here, pyinfra's apply (see its SSH connector).
CONNECTION: dict[str, str] = {
    "ssh_hostname": "how the control machine reaches the host (else: its inventory name)",
    "ssh_port": "the SSH port (else: 22)",
    "ssh_user": "the SSH user (else: the control machine's SSH config or user)",
    "ssh_key": "the private key to log in with",
    "ssh_known_hosts_file": "the known_hosts file to check the host's key against",
    "ssh_strict_host_key_checking": "what to do with an unknown host key: yes, no, accept-new",
    "_sudo": "run every operation with sudo (a non-root ssh_user)",
}

_UNSET = object()


def setting(host_or_data: Any, key: str) -> Any:
    """The host's value of key, else its default; raises KeyError for a key with neither.

    host_or_data is anything with `.data` (a pyinfra Host, the cluster model's Node) or the
    host's data itself (a dict, or pyinfra's host.data): whatever has a `.get` is the data.
    """
    has_get = callable(getattr(type(host_or_data), "get", None))
    data = host_or_data if has_get else host_or_data.data
    value = data.get(key, _UNSET)
    if value is not _UNSET:
        return value
    if key in DEFAULTS:
        return DEFAULTS[key]
    raise KeyError(f"{key!r}: the host does not set it and it has no default")
