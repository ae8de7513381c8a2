"""keepalived on every host of group `lbs`: one VRRP instance holding the VIP."""

from __future__ import annotations

from pyinfra import host, inventory
from pyinfra.api import deploy
from pyinfra.api.exceptions import DeployError
from pyinfra.operations import files

from deploy.apt_install import install_role_packages
from deploy.defaults import KEEPALIVED_DEFAULTS, setting
from deploy.facts import InterfaceOf
from deploy.services import keep_running
from deploy.staged_config import install_checked


@deploy("keepalived", data_defaults=KEEPALIVED_DEFAULTS)
def install_keepalived() -> None:
    data = host.data
    lbs = inventory.get_group("lbs")
    position = [lb.name for lb in lbs].index(host.name)
    priority = data.keepalived_priority_top - position * data.keepalived_priority_step
    interface = host.get_fact(InterfaceOf, address=data.private_address)
    if interface is None:
        raise DeployError(f"host {host.name}: no interface carries {data.private_address}")

    install_role_packages("keepalived", "Install keepalived")
    lab_containers = setting(host, "lab_containers")
    scripts = ("check_haproxy.sh", "notify.sh") if lab_containers else ("notify.sh",)
    for script in scripts:
        files.put(
            name=f"Install keepalived's {script}",
            src=f"keepalived/{script}",
            dest=f"/etc/keepalived/{script}",
            user="root",
            group="root",
            mode="755",
        )
    installed = install_checked(
        "keepalived",
        src="keepalived/keepalived.conf.j2",
        dest="/etc/keepalived/keepalived.conf",
        check="keepalived --config-test -f {path}",
        mode="640",
        **{key: data.get(key) for key in KEEPALIVED_DEFAULTS},
        keepalived_vip=data.keepalived_vip,
        lab_containers=lab_containers,
        host_name=host.name,
        address=data.private_address,
        interface=interface,
        priority=priority,
        peers=[lb.data.private_address for lb in lbs if lb.name != host.name],
    )
    keep_running(
        "keepalived",
        "keepalived",
        apply_when=installed.did_change,
        reason="for the new config",
        reload=True,
    )
