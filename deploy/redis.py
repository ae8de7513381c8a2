"""Redis (one master, replicas) and Sentinel on every host of group `redis`."""

from __future__ import annotations

from pyinfra import host, inventory
from pyinfra.api import deploy
from pyinfra.api.exceptions import DeployError
from pyinfra.api.operation import OperationMeta
from pyinfra.facts.files import FindInFile
from pyinfra.operations import files, server, systemd

from deploy.apt_install import install_role_packages
from deploy.defaults import REDIS_CREDENTIALS_FILE, REDIS_DEFAULTS, SENTINEL_DEFAULTS
from deploy.facts import SentinelViews, current_master
from deploy.redis_rollout import restart_for_new_settings
from deploy.redis_users import REDIS_ACL_FILE, SENTINEL_ACL_FILE, acl_context, admin_cli
from deploy.services import keep_running

# Redis and Sentinel share the role: one set of defaults for both.
ROLE_DEFAULTS = {**REDIS_DEFAULTS, **SENTINEL_DEFAULTS}

SENTINEL_CONF = "/etc/redis/sentinel.conf"
FOLLOW_SENTINELS_SCRIPT = "/usr/local/libexec/datchat/redis-follow-sentinels"


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
    first_deploy = views is None
    if first_deploy:
        # The host's first deploy: the first redis host is master, the rest follow it.
        views, master = [], sentinels[0]
    else:
        master = current_master(views)
        if master is None:
            # Guessing (the first redis host) could make a master of a replica and undo a
            # failover: a deploy must never decide who is master.
            raise DeployError(
                f"host {host.name}: no Sentinel of {', '.join(sentinels)} names a healthy "
                f"master {data.sentinel_master_name!r} to its admin user: fix Sentinel or the "
                f"credentials in {REDIS_CREDENTIALS_FILE}, and deploy again (if this host's "
                "first deploy never finished, remove that file on it first)"
            )
    common = {
        **{key: data.get(key) for key in ROLE_DEFAULTS},
        "address": address,
        "master_address": master,
        **acl_context(secrets),
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
    # The users change live (ACL LOAD, below); the settings that name the file need a restart.
    redis_users = write_acl_users("Redis", "redis/users.acl.j2", REDIS_ACL_FILE, common)
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
    files.template(
        name="Install the start guard: a restarted server takes the Sentinels' master",
        src="redis/follow-sentinels.sh.j2",
        dest=FOLLOW_SENTINELS_SCRIPT,
        user="root",
        group="root",
        mode="700",
        credentials_file=REDIS_CREDENTIALS_FILE,
        sentinels=sentinels,
        **common,
    )
    guard = files.put(
        name="Run the start guard before each start of redis-server",
        src="redis/follow-sentinels.conf",
        dest="/etc/systemd/system/redis-server.service.d/datchat-follow-sentinels.conf",
        user="root",
        group="root",
        mode="644",
    )
    systemd.daemon_reload(name="Reload systemd for the start guard", _if=guard.did_change)
    systemd.service(
        name="Keep redis-server running and enabled",
        service="redis-server",
        running=True,
        enabled=True,
    )
    restart_for_new_settings(
        apply_when=lambda: settings.did_change() or role.did_change(),
        first_deploy=first_deploy,
    )
    load_acl_users("Redis", admin_cli("REDIS", address, data.redis_port), redis_users)

    monitors_ours = host.get_fact(
        FindInFile, path=SENTINEL_CONF, pattern=f"^sentinel monitor {data.sentinel_master_name} "
    )
    # Sentinel rewrites the line with quotes. A file without it predates the ACL users.
    has_users = host.get_fact(
        FindInFile, path=SENTINEL_CONF, pattern=f"^aclfile .*{SENTINEL_ACL_FILE}"
    )
    sentinel_users = write_acl_users(
        "Sentinel", "redis/sentinel-users.acl.j2", SENTINEL_ACL_FILE, common
    )
    # Sentinel records the live topology in its own file: written once, never overwritten
    # (but for a file from before the ACL users, which is written again, like redis.conf, with
    # the master the Sentinels name now; the peers and replicas Sentinel finds again itself).
    sentinel_conf = files.template(
        name="Write sentinel.conf once (Sentinel owns it afterwards)",
        src="redis/sentinel.conf.j2",
        dest=SENTINEL_CONF,
        user="redis",
        group="redis",
        mode="640",
        _if=lambda: not (monitors_ours and has_users),
        **common,
    )
    keep_running(
        "redis-sentinel",
        "redis-sentinel",
        apply_when=sentinel_conf.did_change,
        reason="on its first configuration",
    )
    load_acl_users("Sentinel", admin_cli("SENTINEL", address, data.sentinel_port), sentinel_users)
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
                    f"{admin_cli('SENTINEL', address, data.sentinel_port)} "
                    f"sentinel set {data.sentinel_master_name} {pairs}"
                ],
            )


def write_acl_users(label: str, src: str, dest: str, context: dict) -> OperationMeta:
    """A server's ACL users file: root's, readable by the servers (group redis), no one else."""
    return files.template(
        name=f"Write {label}'s ACL users",
        src=src,
        dest=dest,
        user="root",
        group="redis",
        mode="640",
        **context,
    )


def load_acl_users(label: str, cli: str, users_file: OperationMeta) -> None:
    """A changed users file goes live without a restart. redis-cli exits 0 on an error reply,
    so the answer itself is checked; Redis keeps its old users if it refuses the file.

    Redis 7.0's ACL LOAD disconnects every client logged in as a reloaded user (they log in
    again at once): one host at a time, so the cluster never loses all its links together."""
    server.shell(
        name=f"Apply {label}'s ACL users live (ACL LOAD, one host at a time)",
        commands=[
            f'answer=$({cli} acl load); [ "$answer" = OK ] || {{ echo "$answer" >&2; exit 1; }}'
        ],
        _if=users_file.did_change,
        _serial=True,
    )
