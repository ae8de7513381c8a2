"""Redis (one master, replicas) and Sentinel on every host of group `redis`."""

from __future__ import annotations

from pyinfra import host, inventory
from pyinfra.api import deploy
from pyinfra.facts.files import FindInFile
from pyinfra.operations import files, server

from deploy.apt_install import install_role_packages
from deploy.defaults import REDIS_CREDENTIALS_FILE, REDIS_DEFAULTS, SENTINEL_DEFAULTS
from deploy.facts import SentinelViews, current_master
from deploy.services import keep_running

# Redis and Sentinel share the role: one set of defaults for both.
ROLE_DEFAULTS = {**REDIS_DEFAULTS, **SENTINEL_DEFAULTS}

SENTINEL_CONF = "/etc/redis/sentinel.conf"


def addresses(group: str) -> list[str]:
    return [member.data.private_address for member in inventory.get_group(group)]


@deploy("Redis and Sentinel", data_defaults=ROLE_DEFAULTS)
def install_redis(secrets: dict[str, str]) -> None:
    data = host.data
    address = data.private_address
    sentinels = addresses("redis")
    views = host.get_fact(
        SentinelViews,
        sentinels=sentinels,
        port=data.sentinel_port,
        master_name=data.sentinel_master_name,
    )
    # Who is master now, by the Sentinels; the first redis host only on the very first deploy.
    master = current_master(views) or sentinels[0]
    common = {
        **{key: data.get(key) for key in ROLE_DEFAULTS},
        "address": address,
        "master_address": master,
        "redis_password": secrets["redis_password"],
        "sentinel_password": secrets["sentinel_password"],
    }

    install_role_packages("redis", "Install redis-server and redis-sentinel")
    files.template(
        name="Give root's redis-cli on this host the passwords",
        src="redis/credentials.j2",
        dest=REDIS_CREDENTIALS_FILE,
        user="root",
        group="root",
        mode="600",
        **common,
    )
    settings = files.template(
        name="Configure Redis (static settings)",
        src="redis/datchat.conf.j2",
        dest="/etc/redis/datchat.conf",
        user="root",
        group="redis",
        mode="640",
        **common,
    )
    ours = host.get_fact(
        FindInFile, path="/etc/redis/redis.conf", pattern="^include /etc/redis/datchat.conf"
    )
    # redis.conf belongs to Redis at runtime (Sentinel makes it CONFIG REWRITE the replicaof
    # line). It is written on the first deploy, and again only with new settings, taking the
    # role from the Sentinels, so a re-deploy never undoes a failover.
    role = files.template(
        name="Point redis.conf at the settings and the current master",
        src="redis/redis.conf.j2",
        dest="/etc/redis/redis.conf",
        user="redis",
        group="redis",
        mode="640",
        _if=lambda: settings.did_change() or not ours,
        **common,
    )
    keep_running(
        "redis-server",
        "redis-server",
        apply_when=lambda: settings.did_change() or role.did_change(),
        reason="for new settings, one host at a time",
        one_host_at_a_time=True,
    )

    monitors_ours = host.get_fact(
        FindInFile, path=SENTINEL_CONF, pattern=f"^sentinel monitor {data.sentinel_master_name} "
    )
    # Sentinel records the live topology in its own file: written once, never overwritten.
    sentinel_conf = files.template(
        name="Write sentinel.conf once (Sentinel owns it afterwards)",
        src="redis/sentinel.conf.j2",
        dest=SENTINEL_CONF,
        user="redis",
        group="redis",
        mode="640",
        _if=lambda: not monitors_ours,
        **common,
    )
    keep_running(
        "redis-sentinel",
        "redis-sentinel",
        apply_when=sentinel_conf.did_change,
        reason="on its first configuration",
    )
    local = next((view for view in views if view["sentinel"] == address), None)
    wanted = {
        "down-after-milliseconds": data.sentinel_down_after_ms,
        "failover-timeout": data.sentinel_failover_timeout_ms,
        "quorum": data.sentinel_quorum,
    }
    if local is not None:
        current = {
            "down-after-milliseconds": local["down_after_ms"],
            "failover-timeout": local["failover_timeout_ms"],
            "quorum": local["quorum"],
        }
        changed = {key: value for key, value in wanted.items() if current[key] != value}
        if changed:
            pairs = " ".join(f"{key} {value}" for key, value in changed.items())
            server.shell(
                name=f"Tune the running Sentinel: {pairs}",
                commands=[
                    f". {REDIS_CREDENTIALS_FILE}; REDISCLI_AUTH=$SENTINEL_PASSWORD "
                    f"redis-cli --no-auth-warning -h {address} -p {data.sentinel_port} "
                    f"sentinel set {data.sentinel_master_name} {pairs}"
                ],
            )
