"""A role's apt packages, installed with an `apt-get update` only when one of them is missing."""

from __future__ import annotations

from pyinfra import host
from pyinfra.facts.deb import DebPackages
from pyinfra.operations import apt

from deploy.packages import PACKAGES

# After an update, another role's install on the same host within this time skips its own.
APT_CACHE_S = 3600


def install_role_packages(role: str, name: str):
    """Install PACKAGES[role]; on a host that has them all (a baked image), nothing runs.

    pyinfra 3.10's apt.packages runs `apt-get update` whenever update=True, before it looks
    at what is installed: cache_time skips it only within the hour after pyinfra's own last
    update. So the update is asked for only when dpkg lacks a package of the role.
    """
    packages = PACKAGES[role]
    installed = host.get_fact(DebPackages)
    missing = [package for package in packages if package not in installed]
    return apt.packages(
        name=name,
        packages=packages,
        update=bool(missing),
        cache_time=APT_CACHE_S,
    )
