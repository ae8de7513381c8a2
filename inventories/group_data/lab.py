"""Data for the hosts of inventories/lab.py only (pyinfra names this group after the file)."""

from pathlib import Path

# Containers, network and state folder are named after the lab; two labs can coexist.
lab_name = "datchat-lab"
# 192.168.56.0/24 is left to the Vagrant lab.
lab_subnet = "192.168.57.0/24"
# The control machine reaches the lab from its bridge address, the subnet's gateway: the
# deploy, the drills' probes and the tests SSH from there, and open the stats page.
admin_ssh_networks = ["192.168.57.1/32"]
admin_http_networks = ["192.168.57.1/32"]
keepalived_vip = "192.168.57.100"

# Lab-only accommodations for containers (see LAB-NOTES): sysctls are set when a host is
# created (its /proc/sys is read-only), and Debian's haproxy unit needs a drop-in.
lab_containers = True

# The lab generates this key pair and known_hosts file; `datchat-lab down` removes them.
lab_state_dir = str(Path(__file__).resolve().parents[2] / ".state" / lab_name)
ssh_user = "root"
ssh_key = f"{lab_state_dir}/id_ed25519"
ssh_known_hosts_file = f"{lab_state_dir}/known_hosts"
ssh_strict_host_key_checking = "accept-new"
secrets_file = f"{lab_state_dir}/secrets.json"

# Fast failure detection for drills on one machine (production defaults are slower).
sentinel_down_after_ms = 2000
sentinel_failover_timeout_ms = 10000
haproxy_check_inter_ms = 500
# HAProxy needs about 2 file descriptors per connection; lab containers allow 20000.
haproxy_maxconn = 8000
