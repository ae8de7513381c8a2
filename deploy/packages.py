"""The Debian packages each role installs: the one list, for the deploy and for baked images.

The lab's host image and the Vagrant box preinstall all of them (services disabled), so on
their hosts every install step of the deploy finds its packages present and costs no apt
update. Shell scripts read the list from here:

    python -m deploy.packages        # every package, one per line

No pyinfra import: image builders on the control machine import this module without it.
"""

from __future__ import annotations

# role (the deploy module that installs them) -> its packages
PACKAGES: dict[str, list[str]] = {
    # Every host's firewall: nft loads the ruleset in one transaction.
    "firewall": ["nftables"],
    # Debian ships Sentinel as its own package, with its own unit.
    "redis": ["redis-server", "redis-sentinel"],
    # The app runs in a venv made by the host's own Python, from the shipped wheelhouse.
    "apps": ["python3-venv"],
    # socat: the deploy drains app nodes through HAProxy's runtime API (a local socket).
    "haproxy": ["haproxy", "socat"],
    "keepalived": ["keepalived"],
}


def all_packages() -> list[str]:
    """Every role's packages, each once, in role order."""
    return list(dict.fromkeys(package for packages in PACKAGES.values() for package in packages))


if __name__ == "__main__":
    print("\n".join(all_packages()))
