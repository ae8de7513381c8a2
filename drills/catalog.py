"""The drill catalog: what each drill breaks, and how it heals.

Faults are injected over SSH inside the hosts, so every drill runs against the local lab,
a Vagrant lab or real hosts; "power off" takes the primitive the host has (drills/faults.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from cluster.errors import LabError
from cluster.model import Cluster, Node
from cluster.probes import backend_states, holds_vip, redis_role, sentinel_tilted
from deploy.apps import VENV

from . import deploys, faults, netcut

KILL_REDIS = "systemctl kill --signal=KILL redis-server; systemctl stop redis-server"
INSTALLED_APP_VERSION = (
    f"{VENV}/bin/python -c 'import importlib.metadata as m; print(m.version(\"datchat\"))'"
)
# A thawed Sentinel runs its timer at once and sees the jump.
TILT_SEEN_WITHIN_S = 5
# How long a drill keeps asking which host to break: emulated VMs under the drill's load can
# miss a probe's timeout (seen in CI: "no LB holds the VIP" seconds after one did).
VICTIM_PATIENCE_S = 60


class DrillContext:
    """What a drill may touch: the cluster, and what it broke (to heal it)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.memory: dict[str, Node] = {}

    def sh(self, node: Node, command: str) -> str:
        return self.cluster.run_checked(node, command)

    def master(self) -> Node:
        def is_master(node: Node) -> bool | None:
            role = redis_role(self.cluster, node)
            return None if role is None else role == "master"

        return self._first("redis", is_master, "Redis master")

    def vip_holder(self) -> Node:
        return self._first("lbs", lambda node: holds_vip(self.cluster, node), "LB holding the VIP")

    def _first(self, group: str, answer: Callable[[Node], bool | None], what: str) -> Node:
        """The first host of the group whose answer is yes (None: it did not answer), asking
        again for a while: a probe can miss its timeout, and a VIP can be between holders."""
        deadline = time.monotonic() + VICTIM_PATIENCE_S
        while True:
            answers = [(node, answer(node)) for node in self.cluster.group(group)]
            for node, yes in answers:
                if yes:
                    return node
            if time.monotonic() > deadline:
                silent = [node.name for node, yes in answers if yes is None]
                raise LabError(
                    f"no {what} to break after {VICTIM_PATIENCE_S} s"
                    + (f"; no answer from {', '.join(silent)}" if silent else "")
                )
            time.sleep(1)


@dataclass(frozen=True)
class Drill:
    name: str
    breaks: str
    inject: Callable[[DrillContext], None]
    heal: Callable[[DrillContext], None]
    # Seconds the fault stays before heal(); long enough for the failover it should cause.
    hold_s: float
    # The fault leaves a working majority (a Sentinel quorum and a replica to promote), so the
    # chat must ack again before the heal, not only after it.
    majority_survives: bool = False
    # How often inject() and heal() restart each app node, and reload the LBs, between them:
    # a client may reconnect once per restart of the node it is on and once per reload, more
    # is a reconnect storm (0: the drill restarts nothing on purpose, no such check).
    node_restarts: int = 0
    lb_reloads: int = 0


def _kill_master(ctx: DrillContext) -> None:
    ctx.memory["victim"] = ctx.master()
    ctx.sh(ctx.memory["victim"], KILL_REDIS)


def _start_victim_redis(ctx: DrillContext) -> None:
    ctx.sh(ctx.memory["victim"], "systemctl start redis-server")


def _freeze_master(ctx: DrillContext) -> None:
    ctx.memory["victim"] = ctx.master()
    ctx.sh(ctx.memory["victim"], "kill -STOP $(pidof redis-server)")


def _thaw_master(ctx: DrillContext) -> None:
    ctx.sh(ctx.memory["victim"], "kill -CONT $(pidof redis-server)")


def _partition_master(ctx: DrillContext) -> None:
    victim = ctx.memory["victim"] = ctx.master()
    others = [n for n in ctx.cluster.group("redis") if n.name != victim.name]
    netcut.cut(
        faults.runner(ctx.cluster),
        {victim.name: victim.address},
        {n.name: n.address for n in others},
    )


def _heal_partition(ctx: DrillContext) -> None:
    netcut.heal(faults.runner(ctx.cluster), [n.name for n in ctx.cluster.group("redis")])


def _power_off_vip_holder(ctx: DrillContext) -> None:
    ctx.memory["victim"] = ctx.vip_holder()
    faults.power_off(ctx.cluster, ctx.memory["victim"])


def _power_on_victim(ctx: DrillContext) -> None:
    faults.power_on(ctx.cluster, ctx.memory["victim"])


def _stop_haproxy_on_vip_holder(ctx: DrillContext) -> None:
    ctx.memory["victim"] = ctx.vip_holder()
    ctx.sh(ctx.memory["victim"], "systemctl stop haproxy")


def _start_victim_haproxy(ctx: DrillContext) -> None:
    ctx.sh(ctx.memory["victim"], "systemctl start haproxy")


def _kill_app_node(ctx: DrillContext) -> None:
    # A crash: systemd (Restart=on-failure) brings the node back, as on a real host.
    ctx.memory["victim"] = ctx.cluster.group("apps")[0]
    ctx.sh(ctx.memory["victim"], "systemctl kill --signal=KILL datchat")


def _ensure_victim_app(ctx: DrillContext) -> None:
    ctx.sh(ctx.memory["victim"], "systemctl start datchat")


def _rolling_restart(ctx: DrillContext) -> None:
    cluster = ctx.cluster
    for app in cluster.group("apps"):
        ctx.sh(app, "systemctl restart datchat")
        deadline = time.monotonic() + 60
        while not all(
            backend_states(cluster, lb).get(app.name, "").startswith("UP")
            for lb in cluster.group("lbs")
        ):
            if time.monotonic() > deadline:
                raise LabError(f"{app.name} never came back UP after its restart")
            time.sleep(0.5)


# What `deploy-under-load` changes besides a new app version (a changed wheel): an app setting
# (every node restarts, drained first, once for both), a Redis setting (replicas restart, then
# the master after a planned switch) and a HAProxy setting (both LBs reload); its heal deploys
# the inventory as it is, which changes them back the same way.
CHANGED_BY_DEPLOY = {
    "app_history_on_join": "49",
    "redis_min_replicas_max_lag": "9",
    "haproxy_timeout_tunnel": "59m",
}


def _deploy_changed_settings(ctx: DrillContext) -> None:
    source, version = deploys.changed_app_source()
    deploys.deploy(ctx.cluster, {**CHANGED_BY_DEPLOY, "app_source": str(source)})
    for app in ctx.cluster.group("apps"):
        running = ctx.sh(app, INSTALLED_APP_VERSION).strip()
        if running != version:
            raise LabError(f"{app.name} runs datchat {running} after the deploy, not {version}")


def _deploy_inventory_as_is(ctx: DrillContext) -> None:
    deploys.deploy(ctx.cluster, {})


def _nothing(ctx: DrillContext) -> None:
    return None


def _lose_a_sentinel_then_the_master(ctx: DrillContext) -> None:
    master = ctx.master()
    bystander = next(n for n in ctx.cluster.group("redis") if n.name != master.name)
    ctx.memory["sentinel"] = bystander
    ctx.sh(bystander, "systemctl stop redis-sentinel")
    ctx.memory["victim"] = master
    ctx.sh(master, KILL_REDIS)


def _restore_sentinel_and_master(ctx: DrillContext) -> None:
    ctx.sh(ctx.memory["sentinel"], "systemctl start redis-sentinel")
    ctx.sh(ctx.memory["victim"], "systemctl start redis-server")


def _freeze_app_node(ctx: DrillContext) -> None:
    # Every process of the unit: a node frozen whole, as by a stalled VM or a long GC pause.
    ctx.memory["victim"] = ctx.cluster.group("apps")[0]
    ctx.sh(ctx.memory["victim"], "systemctl kill --signal=STOP datchat")


def _thaw_app_node(ctx: DrillContext) -> None:
    ctx.sh(ctx.memory["victim"], "systemctl kill --signal=CONT datchat")


def _cut_app_node_from_redis(ctx: DrillContext) -> None:
    victim = ctx.memory["victim"] = ctx.cluster.group("apps")[0]
    netcut.cut(
        faults.runner(ctx.cluster),
        {victim.name: victim.address},
        {n.name: n.address for n in ctx.cluster.group("redis")},
    )


def _heal_app_node_cut(ctx: DrillContext) -> None:
    hosts = [ctx.memory["victim"], *ctx.cluster.group("redis")]
    netcut.heal(faults.runner(ctx.cluster), [n.name for n in hosts])


def _cut_lbs_apart(ctx: DrillContext) -> None:
    # Only the LBs' traffic with each other: the VRRP adverts (and nothing else they need).
    first, second = ctx.cluster.group("lbs")[:2]
    netcut.cut(
        faults.runner(ctx.cluster), {first.name: first.address}, {second.name: second.address}
    )
    ctx.memory["lbs"] = [first, second]


def _heal_lbs_apart(ctx: DrillContext) -> None:
    netcut.heal(faults.runner(ctx.cluster), [n.name for n in ctx.memory["lbs"]])


def _freeze_a_sentinel(ctx: DrillContext) -> None:
    """Stop one Sentinel longer than its TILT trigger (2 s between two of its timer runs),
    on a host that is not the master's: at SIGCONT it sees the jump and enters TILT."""
    master = ctx.master()
    victim = next(n for n in ctx.cluster.group("redis") if n.name != master.name)
    ctx.memory["sentinel"] = victim
    ctx.sh(victim, "systemctl kill --signal=STOP redis-sentinel")


def _thaw_the_sentinel_into_tilt(ctx: DrillContext) -> None:
    victim = ctx.memory["sentinel"]
    ctx.sh(victim, "systemctl kill --signal=CONT redis-sentinel")
    deadline = time.monotonic() + TILT_SEEN_WITHIN_S
    while not sentinel_tilted(ctx.cluster, victim):
        if time.monotonic() > deadline:
            raise LabError(f"{victim.name}'s Sentinel did not enter TILT after its freeze")
        time.sleep(0.2)


CATALOG = {
    drill.name: drill
    for drill in (
        Drill("redis-master-kill", "SIGKILL the master's redis-server; it stays down until heal",
              _kill_master, _start_victim_redis, hold_s=8, majority_survives=True),
        Drill("redis-master-freeze", "SIGSTOP the master longer than down-after, then SIGCONT",
              _freeze_master, _thaw_master, hold_s=6, majority_survives=True),
        Drill("redis-master-partition",
              "cut the master from the other redis hosts; app nodes still reach it",
              _partition_master, _heal_partition, hold_s=14, majority_survives=True),
        Drill("lb-master-kill", "power off the VIP holder", _power_off_vip_holder,
              _power_on_victim, hold_s=6),
        Drill("lb-haproxy-stop", "stop HAProxy on the VIP holder (the track script moves the VIP)",
              _stop_haproxy_on_vip_holder, _start_victim_haproxy, hold_s=8),
        Drill("app-node-kill", "SIGKILL one app node (systemd restarts it)", _kill_app_node,
              _ensure_victim_app, hold_s=4),
        Drill("app-rolling-restart", "restart every app node, one at a time, waiting for UP",
              _rolling_restart, _nothing, hold_s=0),
        Drill("deploy-under-load",
              "deploy changed app, Redis and HAProxy settings (rolling), then the old ones",
              _deploy_changed_settings, _deploy_inventory_as_is, hold_s=2,
              node_restarts=2, lb_reloads=2),
        Drill("soak", "nothing: steady load; a VIP move or a failover is a false alarm",
              _nothing, _nothing, hold_s=0),
        Drill("sentinel-minority-loss", "stop one Sentinel, then kill the master",
              _lose_a_sentinel_then_the_master, _restore_sentinel_and_master, hold_s=8,
              majority_survives=True),
        Drill("app-node-freeze",
              "SIGSTOP one app node longer than the clients' heartbeat timeout, then SIGCONT",
              _freeze_app_node, _thaw_app_node, hold_s=12),
        Drill("app-node-redis-cut",
              "cut one app node from every redis host; HAProxy still reaches it",
              _cut_app_node_from_redis, _heal_app_node_cut, hold_s=22),
        Drill("vrrp-split-brain", "cut the two LBs from each other: both claim the VIP",
              _cut_lbs_apart, _heal_lbs_apart, hold_s=6),
        Drill("sentinel-tilt",
              "SIGSTOP one Sentinel (not the master's host) past its TILT trigger, then SIGCONT",
              _freeze_a_sentinel, _thaw_the_sentinel_into_tilt, hold_s=4),
    )
}  # fmt: skip
