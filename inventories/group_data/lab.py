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
sentinel_down_after_ms = 1000
sentinel_failover_timeout_ms = 10000
haproxy_check_inter_ms = 500
# HAProxy needs about 2 file descriptors per connection; lab containers allow 20000.
haproxy_maxconn = 8000
# Sub-second VRRP (VRRPv3): a dead LB's VIP moves after about 0.9 s (three adverts missed).
keepalived_advert_int = 0.25
# One failed HAProxy check (pidof, a few ms) puts the holder in FAULT.
keepalived_check_fall = 1

# The figures the tuned lab must show (issue 19), judged by every drill's report; the verdict
# fails beyond drill_goal_slack times a goal.
drill_goals = {
    "redis-master-kill": {"longest_no_ack_s": 3.0},
    "redis-master-freeze": {"longest_no_ack_s": 3.0},
    "redis-master-partition": {"longest_no_ack_s": 3.0},
    "sentinel-minority-loss": {"longest_no_ack_s": 3.0},
    "lb-master-kill": {"longest_no_ack_s": 1.5},
    "lb-haproxy-stop": {"longest_no_ack_s": 1.5},
    "app-node-kill": {"all_clients_rejoined_after_s": 1.5},
    "app-rolling-restart": {"longest_no_ack_s": 1.0},
    "deploy-under-load": {"longest_no_ack_s": 1.0},
    "soak": {"longest_no_ack_s": 1.0},
    # HAProxy's checks (2 x 0.5 s) take the frozen node out and cut its clients' sessions.
    "app-node-freeze": {"all_clients_rejoined_after_s": 3.0},
    # The node stays ready for app_ready_grace_s (15 s) after it last reached Redis, as in a
    # Redis failover, answering `unavailable` meanwhile; then HAProxy's checks take it out.
    "app-node-redis-cut": {"all_clients_rejoined_after_s": 18.0},
    "vrrp-split-brain": {"longest_no_ack_s": 1.5, "converged_after_heal_s": 3.0},
    # One Sentinel in TILT changes nothing the clients see; the cluster is whole again when
    # its TILT ends (30 s).
    "sentinel-tilt": {"longest_no_ack_s": 1.0},
}
