"""The lab's own SSH key pair and known_hosts file, kept in the lab's state folder (0600)."""

from __future__ import annotations

import os
import subprocess

from cluster.lab_site import LabSite


def ensure_key(site: LabSite) -> None:
    """Make the key pair once per lab; every host trusts it at creation."""
    site.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not site.ssh_key.exists():
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{site.name}-control",
             "-f", str(site.ssh_key)],
            check=True,
        )  # fmt: skip
    os.chmod(site.ssh_key, 0o600)


def forget_host_key(site: LabSite, address: str) -> None:
    """A recreated host has new host keys: drop the old ones before they cause a mismatch."""
    if site.known_hosts.exists():
        subprocess.run(
            ["ssh-keygen", "-R", address, "-f", str(site.known_hosts)],
            capture_output=True,
            check=False,
        )
