"""Checks before `up` creates anything: each failure is one line saying what to do."""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess

from cluster.errors import LabError
from cluster.lab_site import LabSite

from .podman import LABEL, podman, podman_json


def check_root() -> None:
    if os.geteuid() != 0:
        raise LabError("the lab runs rootful Podman: run as root (e.g. `sudo make lab`)")


def check_podman() -> None:
    if shutil.which("podman") is None:
        raise LabError("podman is not installed: run `make lab` or lab/install-host-packages.sh")
    result = podman("info", "--format", "{{.Host.OCIRuntime.Name}}", check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise LabError(f"podman is not usable here ({last}); see ../shared/LAB-NOTES.md")


def _our_network(site: LabSite) -> dict | None:
    for network in podman_json("network", "ls", "--format", "json"):
        if network["name"] == site.network_name:
            return network
    return None


def check_subnet_free(site: LabSite) -> None:
    """The lab's subnet must not be used by another Podman network or a host route."""
    for network in podman_json("network", "ls", "--format", "json"):
        if (network.get("labels") or {}).get(LABEL) == site.name:
            continue
        for subnet in network.get("subnets") or []:
            if ipaddress.ip_network(subnet["subnet"]).overlaps(site.subnet):
                raise LabError(
                    f"subnet {site.subnet} is used by Podman network {network['name']!r}: "
                    f"remove it or change lab_subnet in the inventory's group data"
                )
        if network["name"] == site.network_name:
            raise LabError(
                f"a Podman network named {site.network_name!r} exists but was not made by "
                f"this lab: remove it (podman network rm) or change lab_name"
            )
    ours = _our_network(site)
    bridge = (ours or {}).get("network_interface")
    routes = json.loads(
        subprocess.run(["ip", "-j", "route"], capture_output=True, text=True, check=True).stdout
    )
    for route in routes:
        destination = route.get("dst")
        if destination in (None, "default") or route.get("dev") == bridge:
            continue
        if ipaddress.ip_network(destination, strict=False).overlaps(site.subnet):
            raise LabError(
                f"subnet {site.subnet} overlaps route {destination} on {route.get('dev')}: "
                f"change lab_subnet in the inventory's group data"
            )


def preflight(site: LabSite) -> None:
    check_root()
    check_podman()
    check_subnet_free(site)
