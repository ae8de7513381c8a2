"""The Vagrant lab (`vagrant up`): hosts, groups and addresses from vagrant/hosts.json, the one
list the Vagrantfile reads too. How to SSH in comes from `vagrant ssh-config`, saved by
`make vagrant` in .state/vagrant/ssh.json (vagrant/ssh_hosts.py).
"""

import json
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
_LAB = json.loads((_ROOT / "vagrant" / "hosts.json").read_text())
_SSH_FILE = _ROOT / ".state" / "vagrant" / "ssh.json"
_SSH = json.loads(_SSH_FILE.read_text()) if _SSH_FILE.exists() else {}


def _host(entry: dict) -> tuple[str, dict]:
    ssh = _SSH.get(entry["name"], {})
    data = {
        "private_address": entry["address"],
        # Before `vagrant up` has run there is no ssh-config: the private address still names
        # the host, for the inventory checks.
        "ssh_hostname": ssh.get("hostname", entry["address"]),
        "ssh_port": ssh.get("port", 22),
        # Vagrant's provisioner gives root the VM's key (Vagrantfile): no sudo per command.
        "ssh_user": "root",
        "keepalived_vip": _LAB["vip"],
        # What the drills use as the power switch: `virsh destroy` / `virsh start` of the domain.
        "vagrant_domain_prefix": _LAB["vm_name_prefix"],
    }
    if "identity_file" in ssh:
        data["ssh_key"] = ssh["identity_file"]
    return entry["name"], data


def _group(name: str) -> list[tuple[str, dict]]:
    return [_host(entry) for entry in _LAB["hosts"] if name in entry["groups"]]


lbs = _group("lbs")
apps = _group("apps")
redis = _group("redis")
