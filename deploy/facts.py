"""Facts the deploy reads from hosts before changing anything."""

from __future__ import annotations

from pyinfra.api import FactBase

from deploy.defaults import REDIS_CREDENTIALS_FILE

FIRST_DEPLOY = "first-deploy"


class SentinelViews(FactBase):
    """What each reachable Sentinel says about the master: [{epoch, ip, port, flags, sentinel}].

    Asked on a redis host (which can reach every Sentinel), as Sentinel's admin user from the
    host's credentials file, so no secret appears on a command line. None before the host's
    first deploy (no credentials file yet); a list, possibly empty, afterwards.
    """

    @staticmethod
    def default() -> list[dict]:
        return []

    def command(self, sentinels: list[str], port: int, master_name: str) -> str:
        addresses = " ".join(sentinels)
        return (
            f"[ -r {REDIS_CREDENTIALS_FILE} ] || {{ echo {FIRST_DEPLOY}; exit 0; }}; "
            f". {REDIS_CREDENTIALS_FILE}; "
            'REDISCLI_AUTH="$SENTINEL_PASSWORD"; export REDISCLI_AUTH; '
            f"for s in {addresses}; do "
            'timeout 2 redis-cli --no-auth-warning --user "${SENTINEL_USER:-default}" '
            f"-h $s -p {port} sentinel master {master_name} "
            "2>/dev/null | awk -v s=$s 'NR%2==1{k=$0;next}{v[k]=$0} "
            'END{if (v["ip"]!="") print v["config-epoch"], v["ip"], v["port"], v["flags"], s, '
            'v["down-after-milliseconds"], v["failover-timeout"], v["quorum"]}\'; done'
        )

    def process(self, output: list[str]) -> list[dict] | None:
        if output[:1] == [FIRST_DEPLOY]:
            return None
        views = []
        for line in output:
            fields = line.split()
            if len(fields) != 8 or not fields[0].isdigit():
                continue
            epoch, ip, port, flags, sentinel, down_after, failover_timeout, quorum = fields
            views.append(
                {
                    "epoch": int(epoch),
                    "ip": ip,
                    "port": int(port),
                    "flags": flags.split(","),
                    "sentinel": sentinel,
                    "down_after_ms": int(down_after),
                    "failover_timeout_ms": int(failover_timeout),
                    "quorum": int(quorum),
                }
            )
        return views


def current_master(views: list[dict]) -> str | None:
    """The master of the most recent failover (highest config epoch) that no one sees down."""
    healthy = [v for v in views if not {"s_down", "o_down"} & set(v["flags"])]
    if not healthy:
        return None
    return max(healthy, key=lambda view: view["epoch"])["ip"]


class InterfaceOf(FactBase):
    """The network interface that carries an address (keepalived puts the VIP there)."""

    def command(self, address: str) -> str:
        return f"ip -o -4 addr show to {address}/32"

    def process(self, output: list[str]) -> str | None:
        for line in output:
            return line.split()[1].split("@")[0]
        return None
