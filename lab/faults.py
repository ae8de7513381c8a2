"""Fault primitives for drills: power off, freeze, and cut the network between hosts.

Host-level faults (stop, kill, pause) are Podman operations on the lab's containers. Network
cuts happen inside the hosts with iptables over SSH, so they work the same on VMs and real
servers. Every fault is undone by heal().
"""

from __future__ import annotations

from . import netcut, ssh
from .errors import LabError
from .hosts import container_states
from .inventory import LabHost, LabSpec
from .podman import podman


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

    def _run(self, host_name: str, command: str) -> str:
        return ssh.run(self.spec, self.spec.host(host_name), command).stdout

    def cut(self, side_a: str | LabHost, side_b: str | LabHost) -> None:
        """Drop all traffic between every host of side_a and every host of side_b, both ways."""
        try:
            netcut.cut(
                self._run,
                {h.name: h.address for h in self.hosts(side_a)},
                {h.name: h.address for h in self.hosts(side_b)},
            )
        except ValueError as error:
            raise LabError(str(error)) from None

    def cuts(self, target: str | LabHost) -> list[str]:
        """The addresses a host currently drops traffic from."""
        return [
            address
            for host in self.hosts(target)
            for address in netcut.cut_sources(self._run, host.name)
        ]

    def heal(self) -> None:
        """Undo every fault: power on, unfreeze, then remove every cut, on every host."""
        states = container_states(self.spec)
        for host in self.spec.hosts:
            state = states[host.name].status if host.name in states else None
            if state == "paused":
                self.unpause(host)
            elif state in ("exited", "stopped", "created"):
                self.start(host)
        netcut.heal(self._run, [host.name for host in self.spec.hosts if host.name in states])
