"""The local lab: Podman containers booting systemd, created by `datchat-lab up` from this file.

Host names, groups and addresses are defined here only; the lab and the deploy both read them.
Add a host to a group (say app3 at .23) and `datchat-lab up` creates it, the deploy wires it in.
"""

_NETWORK = "192.168.57"


def _host(name: str, number: int) -> tuple[str, dict]:
    address = f"{_NETWORK}.{number}"
    return name, {"ssh_hostname": address, "private_address": address}


lbs = [_host("lb1", 11), _host("lb2", 12)]
apps = [_host("app1", 21), _host("app2", 22)]
redis = [_host("redis1", 31), _host("redis2", 32), _host("redis3", 33)]
