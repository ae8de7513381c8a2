"""The chat service on every host of group `apps`: a venv from the wheelhouse, a systemd unit."""

from __future__ import annotations

from pathlib import Path

from pyinfra import host, inventory
from pyinfra.api import deploy
from pyinfra.facts.files import File
from pyinfra.operations import files, server, systemd

from deploy.apt_install import install_role_packages
from deploy.defaults import APP_DEFAULTS, setting
from deploy.redis_users import APP_USER
from deploy.rolling_restart import restart_drained
from deploy.staged_config import install_checked

HOME = "/opt/datchat"
WHEELS = f"{HOME}/wheelhouse"
VENV = f"{HOME}/venv"


@deploy("dat-chat app node", data_defaults=APP_DEFAULTS)
def install_app(secrets: dict[str, str], wheelhouse: Path) -> None:
    data = host.data
    redis_hosts = inventory.get_group("redis")
    sentinels = [
        f"{member.data.private_address}:{setting(member, 'sentinel_port')}"
        for member in redis_hosts
    ]

    install_role_packages("apps", "Install Python's venv")
    server.user(
        name="Create the unprivileged datchat user",
        user="datchat",
        system=True,
        home=HOME,
        shell="/usr/sbin/nologin",
        create_home=False,
        # The code under HOME stays root's: the service may read it, never change it.
        ensure_home=False,
    )
    files.directory(name=f"Create {HOME}", path=HOME, user="root", group="root", mode="755")
    wheels = files.sync(
        name="Ship the wheelhouse (app + dependencies, built on the control machine)",
        src=str(wheelhouse),
        dest=WHEELS,
        user="root",
        group="root",
        mode="644",
        delete=True,
        exclude=[".complete"],
    )
    has_venv = host.get_fact(File, path=f"{VENV}/pyvenv.cfg")
    venv = server.shell(
        name="Create the app's venv",
        commands=[f"python3 -m venv {VENV}"],
        _if=lambda: not has_venv,
    )
    install = server.shell(
        name="Install the app from the wheelhouse (no PyPI on hosts)",
        commands=[
            f"{VENV}/bin/pip install --quiet --no-index --find-links {WHEELS} "
            f"--force-reinstall {WHEELS}/*.whl"
        ],
        _if=lambda: wheels.did_change() or venv.did_change(),
    )
    config = install_checked(
        "the app",
        src="app/deploy/config.toml.j2",
        dest="/etc/datchat/config.toml",
        check=f"{VENV}/bin/datchat --check-config {{path}}",
        user="root",
        group="datchat",
        mode="640",
        **{key: data.get(key) for key in APP_DEFAULTS},
        address=data.private_address,
        host_name=host.name,
        sentinels=sentinels,
        sentinel_master_name=setting(redis_hosts[0], "sentinel_master_name"),
        app_user=APP_USER,
        redis_app_password=secrets["redis_app_password"],
        sentinel_app_password=secrets["sentinel_app_password"],
    )
    unit = files.template(
        name="Install the datchat systemd unit",
        src="app/deploy/datchat.service.j2",
        dest="/etc/systemd/system/datchat.service",
        mode="644",
        lab_containers=setting(host, "lab_containers"),
    )
    systemd.daemon_reload(name="Reload systemd for the new unit", _if=unit.did_change)
    systemd.service(
        name="Keep datchat running and enabled", service="datchat", running=True, enabled=True
    )
    # For a new version or config: one node at a time, drained first, so clients always have
    # a node to move to and never meet one that is going down.
    restart_drained(
        "datchat",
        apply_when=lambda: install.did_change() or config.did_change() or unit.did_change(),
    )
