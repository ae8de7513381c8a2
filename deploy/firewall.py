"""The host firewall on every host: nftables, inbound dropped but for what the groups need."""

from __future__ import annotations

import ipaddress

from pyinfra import host, inventory
from pyinfra.api import deploy
from pyinfra.api.exceptions import DeployError
from pyinfra.facts.server import Command
from pyinfra.operations import files, systemd

from deploy.apt_install import install_role_packages
from deploy.defaults import FIREWALL_DEFAULTS, ROLE_GROUPS, setting
from deploy.firewall_rules import VRRP, Member, ping_rule, rules_for, ssh_rule
from deploy.services import keep_running
from deploy.staged_config import install_checked

RULESET = "/etc/nftables.d/datchat-firewall.nft"


def member(pyinfra_host) -> Member:
    return Member(pyinfra_host.name, pyinfra_host.data.private_address, pyinfra_host.data)


def sshd_port() -> int:
    """The port sshd serves this deploy on, refusing (before anything changes) a ruleset
    that would cut the SSH the deploy runs on.

    Read on the host (SSH_CONNECTION: client address and port, server address and port), not
    from ssh_port, which is where the control machine connects: behind a port forward the two
    differ. sudo drops SSH_CONNECTION from the environment, so the fact is asked without it."""
    connection = host.get_fact(Command, command="echo ${SSH_CONNECTION:-}", _sudo=False)
    if not connection:
        # Not over SSH (a local or container connector): nothing to cut.
        return int(host.data.get("ssh_port") or 22)
    client, _, _, port = connection.split()
    networks = setting(host, "admin_ssh_networks")
    if not any(
        ipaddress.ip_address(client) in ipaddress.ip_network(n, strict=False) for n in networks
    ):
        raise DeployError(
            f"host {host.name}: admin_ssh_networks {networks} does not include {client}, the "
            "address this deploy connects from: the firewall would lock it out"
        )
    return int(port)


@deploy("Host firewall", data_defaults=FIREWALL_DEFAULTS)
def install_firewall() -> None:
    if not setting(host, "firewall_enabled"):
        return
    port = sshd_port()
    install_role_packages("firewall", "Install nftables")
    groups = {group: [member(h) for h in inventory.get_group(group, [])] for group in ROLE_GROUPS}
    this = member(host)
    ruleset = install_checked(
        "the firewall",
        src="firewall/nftables.conf.j2",
        dest=RULESET,
        check="nft -c -f {path}",
        mode="600",
        ssh=ssh_rule(this, port),
        ping=ping_rule(this),
        rules=rules_for(this, groups),
        vrrp=VRRP,
    )
    unit = files.template(
        name="Install the datchat-firewall unit",
        src="firewall/datchat-firewall.service.j2",
        dest="/etc/systemd/system/datchat-firewall.service",
        mode="644",
        ruleset=RULESET,
    )
    systemd.daemon_reload(name="Reload systemd for the firewall unit", _if=unit.did_change)
    # A reload loads the file in one transaction: established connections (this deploy's SSH
    # among them) are never cut.
    keep_running(
        "datchat-firewall",
        "the firewall",
        apply_when=ruleset.did_change,
        reason="with the new rules",
        reload=True,
    )
