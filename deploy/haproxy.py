"""HAProxy on every host of group `lbs`: the VIP's frontend, all app nodes as backends."""

from __future__ import annotations

from pyinfra import host, inventory
from pyinfra.api import deploy
from pyinfra.operations import apt, files, systemd

from deploy.apps import DEFAULTS as APP_DEFAULTS
from deploy.services import keep_running
from deploy.staged_config import install_checked

DEFAULTS = {
    "haproxy_frontend_port": 80,
    "haproxy_stats_port": 8404,
    "haproxy_maxconn": 20000,
    # Idle limit of an upgraded websocket; the app's heartbeat (20 s) keeps live ones busy.
    "haproxy_timeout_tunnel": "1h",
    # Health checks of /readyz: a node is out after fall x inter ms (lab drills: 500 ms).
    "haproxy_check_inter_ms": 1000,
    "haproxy_check_fall": 2,
    "haproxy_check_rise": 2,
    # Extra haproxy.cfg sections appended as is, e.g. a TLS frontend.
    "haproxy_extra_config": "",
}


@deploy("HAProxy", data_defaults=DEFAULTS)
def install_haproxy(secrets: dict[str, str]) -> None:
    data = host.data
    if data.get("lab_containers"):
        # Before the package: its postinst starts the unit, which fails in a container.
        dropin = files.put(
            name="Let Debian's haproxy unit run in a lab container",
            src="haproxy/lab-dropin.conf",
            dest="/etc/systemd/system/haproxy.service.d/lab-container.conf",
            mode="644",
        )
        systemd.daemon_reload(name="Reload systemd for the drop-in", _if=dropin.did_change)
    apt.packages(name="Install HAProxy", packages=["haproxy"], update=True, cache_time=3600)
    backends = [
        {
            "name": app.name,
            "address": app.data.private_address,
            "port": app.data.get("app_port", APP_DEFAULTS["app_port"]),
        }
        for app in inventory.get_group("apps")
    ]
    installed = install_checked(
        "HAProxy",
        src="haproxy/haproxy.cfg.j2",
        dest="/etc/haproxy/haproxy.cfg",
        check="haproxy -c -q -f {path}",
        mode="640",
        **{key: data.get(key) for key in DEFAULTS},
        keepalived_vip=data.keepalived_vip,
        address=data.private_address,
        apps=backends,
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
