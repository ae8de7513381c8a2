"""Data for the test lab (tests/lab/inventories/small.py)."""

from pathlib import Path

lab_name = "datchat-labtest"
lab_subnet = "192.168.58.0/24"
# The control machine reaches the lab from its bridge address, the subnet's gateway: the
# deploy, the drills' probes and the tests SSH from there, and open the stats page.
admin_ssh_networks = ["192.168.58.1/32"]
admin_http_networks = ["192.168.58.1/32"]
keepalived_vip = "192.168.58.100"
lab_containers = True
lab_state_dir = str(Path(__file__).resolve().parents[4] / ".state" / lab_name)
ssh_user = "root"
ssh_key = f"{lab_state_dir}/id_ed25519"
ssh_known_hosts_file = f"{lab_state_dir}/known_hosts"
ssh_strict_host_key_checking = "accept-new"
