"""The lab's Podman network: one bridge with the inventory's subnet, labelled as the lab's."""

from __future__ import annotations

from collections.abc import Callable

from cluster.lab_site import LabSite

from .podman import LABEL, exists, podman, podman_json


def subnet_matches(site: LabSite) -> bool | None:
    """Whether the lab's network has the inventory's subnet; None when there is no network."""
    if not exists("network", site.network_name):
        return None
    details = podman_json("network", "inspect", site.network_name)[0]
    return [s["subnet"] for s in details.get("subnets") or []] == [str(site.subnet)]


def create(site: LabSite, progress: Callable[[str], None]) -> None:
    podman(
        "network", "create",
        "--subnet", str(site.subnet),
        "--gateway", site.gateway,
        "--label", f"{LABEL}={site.name}",
        site.network_name,
    )  # fmt: skip
    progress(f"network: {site.network_name} {site.subnet} created")


def remove(site: LabSite, progress: Callable[[str], None]) -> None:
    """Remove the lab's network, and only if this lab made it."""
    if not exists("network", site.network_name):
        return
    details = podman_json("network", "inspect", site.network_name)[0]
    if (details.get("labels") or {}).get(LABEL) == site.name:
        podman("network", "rm", "--force", site.network_name)
        progress(f"network: {site.network_name} removed")
