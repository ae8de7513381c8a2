"""Save how Vagrant reaches each VM (`vagrant ssh-config`) as .state/vagrant/ssh.json, which
inventories/vagrant.py reads: pyinfra and the tests then SSH to the address and port `vagrant ssh`
uses, with the VM's own key, as root (the Vagrantfile gives root that key)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / ".state" / "vagrant" / "ssh.json"


FIELDS = {"HostName": "hostname", "Port": "port", "IdentityFile": "identity_file"}


def parse(text: str) -> dict[str, dict]:
    hosts: dict[str, dict] = {}
    current: dict | None = None
    for line in text.splitlines():
        key, _, value = line.strip().partition(" ")
        value = value.strip('"')
        if key == "Host":
            current = hosts[value] = {}
        elif current is not None and key in FIELDS:
            current[FIELDS[key]] = int(value) if key == "Port" else value
    return hosts


def main() -> int:
    result = subprocess.run(
        ["vagrant", "ssh-config"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    hosts = parse(result.stdout)
    if result.returncode != 0 or not hosts:
        print(f"vagrant ssh-config failed: {result.stderr.strip()}", file=sys.stderr)
        return 1
    OUT.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    OUT.write_text(json.dumps(hosts, indent=1))
    print(f"{OUT.relative_to(ROOT)}: {', '.join(sorted(hosts))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
