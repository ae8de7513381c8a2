"""HAProxy on every host of group `lbs`: the VIP's frontend, all app nodes as backends."""

from __future__ import annotations

from pyinfra import host, inventory
from pyinfra.api import deploy
from pyinfra.operations import files, systemd

from deploy.apt_install import install_role_packages
from deploy.defaults import HAPROXY_ADMIN_SOCKET, HAPROXY_BACKEND, HAPROXY_DEFAULTS, setting
from deploy.services import keep_running
from deploy.staged_config import install_checked


@deploy("HAProxy", data_defaults=HAPROXY_DEFAULTS)
def install_haproxy(secrets: dict[str, str]) -> None:
    data = host.data
    if setting(host, "lab_containers"):
        # Before the package: its postinst starts the unit, which fails in a container.
        dropin = files.put(
            name="Let Debian's haproxy unit run in a lab container",
            src="haproxy/lab-dropin.conf",
            dest="/etc/systemd/system/haproxy.service.d/lab-container.conf",
            mode="644",
        )
        systemd.daemon_reload(name="Reload systemd for the drop-in", _if=dropin.did_change)
    install_role_packages("haproxy", "Install HAProxy")
    backends = [
        {
            "name": app.name,
            "address": app.data.private_address,
            "port": setting(app, "app_port"),
        }
        for app in inventory.get_group("apps")
    ]
    installed = install_checked(
        "HAProxy",
        src="haproxy/haproxy.cfg.j2",
        dest="/etc/haproxy/haproxy.cfg",
        check="haproxy -c -q -f {path}",
        mode="640",
        **{key: data.get(key) for key in HAPROXY_DEFAULTS},
        keepalived_vip=data.keepalived_vip,
        address=data.private_address,
        apps=backends,
        admin_socket=HAPROXY_ADMIN_SOCKET,
        backend_name=HAPROXY_BACKEND,
        haproxy_stats_password=secrets["haproxy_stats_password"],
    )
    # A reload keeps established websockets on the old process until they end.
    keep_running(
        "haproxy",
        "HAProxy",
        apply_when=installed.did_change,
        reason="for the new config",
        reload=True,
    )
