"""`datchat-lab status`: one row per host, with the VIP holder and Redis roles once deployed."""

from __future__ import annotations

from .hosts import container_states
from .inventory import LabHost, LabSpec
from .podman import podman


def _inside(spec: LabSpec, host: LabHost, *command: str) -> str:
    result = podman("exec", spec.container(host), *command, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def holds_vip(spec: LabSpec, host: LabHost) -> bool:
    return bool(spec.vip) and f" {spec.vip}/" in _inside(spec, host, "ip", "-o", "-4", "addr")


def redis_role(spec: LabSpec, host: LabHost) -> str:
    """master/replica from redis-server's INFO, or '-' before the deploy installed it."""
    output = _inside(
        spec,
        host,
        "sh",
        "-c",
        ". /etc/redis/datchat-credentials 2>/dev/null && REDISCLI_AUTH=$REDIS_PASSWORD "
        f"redis-cli -h {host.address} --no-auth-warning info replication 2>/dev/null",
    )
    for line in output.splitlines():
        if line.startswith("role:"):
            return "replica" if line.split(":", 1)[1].strip() == "slave" else "master"
    return "-"


def rows(spec: LabSpec) -> list[list[str]]:
    states = container_states(spec)
    table = []
    for host in spec.hosts:
        state = states.get(host.name)
        status = state.status if state else "absent"
        role = "-"
        if status == "running":
            if host.in_group("lbs"):
                role = "VIP holder" if holds_vip(spec, host) else "standby"
            elif host.in_group("redis"):
                role = redis_role(spec, host)
        table.append([host.name, ",".join(host.groups), host.address, status, role])
    return table


def print_status(spec: LabSpec) -> None:
    header = ["host", "groups", "address", "container", "role"]
    table = [header, *rows(spec)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    if spec.vip:
        print(f"\nVIP {spec.vip}  chat: http://{spec.vip}/")
