"""Data for molecule/inventories/haproxy_keepalived.py (pyinfra names the group after the file)."""

from pathlib import Path

lab_name = "datchat-mol-lb"
lab_subnet = "192.168.62.0/24"
# The control machine reaches the lab from its bridge address, the subnet's gateway: the
# deploy, the drills' probes and the tests SSH from there, and open the stats page.
admin_ssh_networks = ["192.168.62.1/32"]
admin_http_networks = ["192.168.62.1/32"]
lab_state_dir = str(Path(__file__).resolve().parents[3] / ".state" / lab_name)
ssh_key = f"{lab_state_dir}/id_ed25519"
ssh_known_hosts_file = f"{lab_state_dir}/known_hosts"
secrets_file = f"{lab_state_dir}/secrets.json"
keepalived_vip = "192.168.62.100"
# One Redis: Sentinel decides alone, and neither a write nor an ack can wait for a replica.
sentinel_quorum = 1
redis_min_replicas_to_write = 0
app_ack_replicas = 0
# One component, not the whole site: tests/infra runs only the tests of the roles present.
partial_cluster = True
