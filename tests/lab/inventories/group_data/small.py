"""Data for the test lab (tests/lab/inventories/small.py)."""

from pathlib import Path

lab_name = "datchat-labtest"
lab_subnet = "192.168.58.0/24"
keepalived_vip = "192.168.58.100"
lab_containers = True
lab_state_dir = str(Path(__file__).resolve().parents[4] / ".state" / lab_name)
ssh_user = "root"
ssh_key = f"{lab_state_dir}/id_ed25519"
ssh_known_hosts_file = f"{lab_state_dir}/known_hosts"
ssh_strict_host_key_checking = "accept-new"
