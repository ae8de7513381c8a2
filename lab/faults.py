"""Fault primitives for drills: power off, freeze, and cut the network between hosts.

Host-level faults (stop, kill, pause) are Podman operations on the lab's containers. Network
cuts happen inside the hosts with iptables over SSH, so they work the same on VMs and real
servers. Every fault is undone by heal().
"""

from __future__ import annotations

from . import ssh
from .errors import LabError
from .hosts import container_states
from .inventory import LabHost, LabSpec
from .podman import podman

CUT_CHAIN = "DATCHAT_CUT"


class Faults:
    def __init__(self, spec: LabSpec) -> None:
        self.spec = spec

    def hosts(self, target: str | LabHost) -> list[LabHost]:
        """A host name or a group name (lbs, apps, redis) to the hosts it means."""
        if isinstance(target, LabHost):
            return [target]
        group = self.spec.group(target)
        return group if group else [self.spec.host(target)]

    def kill(self, target: str | LabHost) -> None:
        """Power off: SIGKILL the whole host, no clean shutdown of anything in it."""
        for host in self.hosts(target):
            podman("kill", "--signal", "KILL", self.spec.container(host))

    def stop(self, target: str | LabHost) -> None:
        """A clean shutdown of the whole host (systemd stops its services)."""
        for host in self.hosts(target):
            podman("stop", "--time", "10", self.spec.container(host))

    def start(self, target: str | LabHost) -> None:
        for host in self.hosts(target):
            podman("start", self.spec.container(host))
        for host in self.hosts(target):
            ssh.wait_for_ssh(self.spec, host)

    def pause(self, target: str | LabHost) -> None:
        """Freeze every process of the host (cgroup freezer): alive but silent."""
        for host in self.hosts(target):
            podman("pause", self.spec.container(host))

    def unpause(self, target: str | LabHost) -> None:
        for host in self.hosts(target):
            podman("unpause", self.spec.container(host))

    def cut(self, side_a: str | LabHost, side_b: str | LabHost) -> None:
        """Drop all traffic between every host of side_a and every host of side_b, both ways."""
        a_hosts, b_hosts = self.hosts(side_a), self.hosts(side_b)
        if {h.name for h in a_hosts} & {h.name for h in b_hosts}:
            raise LabError("cut: a host cannot be on both sides")
        for hosts, peers in ((a_hosts, b_hosts), (b_hosts, a_hosts)):
            for host in hosts:
                rules = [
                    f"iptables -w -A {CUT_CHAIN} -{flag} {peer.address} -j DROP"
                    for peer in peers
                    for flag in ("s", "d")
                ]
                ssh.run(self.spec, host, " && ".join([self._chain_ready(), *rules]))

    def cuts(self, target: str | LabHost) -> list[str]:
        """The addresses a host currently drops traffic from."""
        found = []
        for host in self.hosts(target):
            listing = ssh.run(self.spec, host, f"iptables -w -S {CUT_CHAIN} || true").stdout
            found += [line.split()[3] for line in listing.splitlines() if " -s " in line]
        return found

    def heal(self) -> None:
        """Undo every fault: power on, unfreeze, then remove every cut, on every host."""
        states = container_states(self.spec)
        for host in self.spec.hosts:
            state = states[host.name].status if host.name in states else None
            if state == "paused":
                self.unpause(host)
            elif state in ("exited", "stopped", "created"):
                self.start(host)
        for host in self.spec.hosts:
            if host.name in states:
                ssh.run(self.spec, host, f"iptables -w -F {CUT_CHAIN} 2>/dev/null || true")

    @staticmethod
    def _chain_ready() -> str:
        # Idempotent: create the chain and hook it first in INPUT and OUTPUT once.
        return (
            f"(iptables -w -N {CUT_CHAIN} 2>/dev/null || true)"
            f" && (iptables -w -C INPUT -j {CUT_CHAIN} 2>/dev/null"
            f" || iptables -w -I INPUT -j {CUT_CHAIN})"
            f" && (iptables -w -C OUTPUT -j {CUT_CHAIN} 2>/dev/null"
            f" || iptables -w -I OUTPUT -j {CUT_CHAIN})"
        )
