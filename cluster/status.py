"""`datchat-lab status`: one row per host, with the VIP holder and Redis roles once deployed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from .health import ask_each
from .model import Cluster, Node
from .probes import holds_vip, redis_role


def role(cluster: Cluster, node: Node) -> str:
    """What the host does now: VIP holder or standby, master or replica; '-' before the
    deploy or when it does not answer."""
    if node.in_group("lbs"):
        held = holds_vip(cluster, node)
        return "-" if held is None else "VIP holder" if held else "standby"
    if node.in_group("redis"):
        found = redis_role(cluster, node)
        return "-" if found is None else "replica" if found == "slave" else "master"
    return "-"


def rows(cluster: Cluster, substrate: dict[str, str] | None = None) -> list[list[str]]:
    """`substrate`: each host's state where the caller knows it (a lab container's status);
    only hosts said to be running are asked."""
    asked = [
        node for node in cluster.nodes if substrate is None or substrate.get(node.name) == "running"
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        roles = ask_each(pool, lambda node: role(cluster, node), asked)
    return [
        [
            node.name,
            ",".join(node.groups),
            node.address,
            *([substrate.get(node.name, "absent")] if substrate is not None else []),
            roles.get(node.name, "-"),
        ]
        for node in cluster.nodes
    ]


def print_status(cluster: Cluster, substrate: dict[str, str] | None = None) -> None:
    header = [
        "host",
        "groups",
        "address",
        *(["container"] if substrate is not None else []),
        "role",
    ]
    table = [header, *rows(cluster, substrate)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    if cluster.vip:
        print(f"\nVIP {cluster.vip}  chat: http://{cluster.vip}/")
