"""The whole site: `pyinfra -y inventories/lab.py deploy/site.py` (or any inventory).

Every host gets the firewall; roles follow inventory groups: redis (Redis + Sentinel), apps
(the chat), lbs (HAProxy + keepalived). Everything is checked before any host is touched.
"""

from pathlib import Path

from pyinfra import host, inventory
from pyinfra.api.exceptions import DeployError

from deploy import apps, base, firewall, haproxy, keepalived, redis
from deploy.defaults import setting
from deploy.inventory_checks import check_inventory
from deploy.secrets import load_secrets
from deploy.wheelhouse import APP as APP_SOURCE
from deploy.wheelhouse import build_wheelhouse

check_inventory(inventory)
if not host.data.get("secrets_file"):
    raise DeployError(f"host {host.name}: missing 'secrets_file' (where generated secrets live)")
secrets = load_secrets(Path(host.data.secrets_file))

base.prepare_host()
# Before the roles: no service of theirs is ever reachable without it.
firewall.install_firewall()
if "redis" in host.groups:
    redis.install_redis(secrets=secrets)
if "apps" in host.groups:
    wheelhouse = build_wheelhouse(
        setting(host, "app_python_version"),
        setting(host, "app_wheel_platforms"),
        Path(setting(host, "app_source") or APP_SOURCE),
    )
    apps.install_app(secrets=secrets, wheelhouse=wheelhouse)
if "lbs" in host.groups:
    haproxy.install_haproxy(secrets=secrets)
    keepalived.install_keepalived()
