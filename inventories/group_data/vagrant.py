"""Data for the hosts of inventories/vagrant.py (pyinfra names this group after the file)."""

from pathlib import Path

# The VIP and the VMs' names come with the hosts, from vagrant/hosts.json (inventories/vagrant.py).
# VRRP is unicast by default, which libvirt's networks need (multicast is unreliable there,
# vagrant-libvirt #112).

# The control machine's addresses on the VMs' two networks: vagrant-libvirt's management
# network (192.168.121.0/24, which `vagrant ssh` and pyinfra use) and the lab's private one.
admin_ssh_networks = ["192.168.121.1/32", "192.168.56.1/32"]
admin_http_networks = ["192.168.56.1/32"]

# Vagrant makes the hosts' keys and does not record them (its own ssh-config says
# StrictHostKeyChecking no): nor do we.
ssh_strict_host_key_checking = "no"
ssh_known_hosts_file = "/dev/null"
secrets_file = str(Path(__file__).resolve().parents[2] / ".state" / "vagrant" / "secrets.json")

# Emulated VMs are slow: detection a little less eager than in the container lab. A /readyz
# answer can take over a second when seven emulated VMs share two cores (seen: backends
# flapping DOWN with checks every 1 s, fall 2).
sentinel_down_after_ms = 3000
sentinel_failover_timeout_ms = 15000
haproxy_check_inter_ms = 2000
haproxy_check_fall = 3
# A drill's look at the hosts costs them CPU (SSH, sudo, a Python for HAProxy's stats):
# every 3 s, not twice a second, or the looking starves what it looks at.
drill_probe_every_s = 3.0
# A look at an LB took over 10 s once in CI (both LBs at once, as a drill's load began).
probe_timeout_s = 30
# A VM powered off by a drill takes minutes to boot again under emulation (1 min 40 s measured
# alone, 5 min 35 s in one CI run's drill), and the cluster is not whole before it has.
drill_converge_timeout_s = 900
# After the load stops, a client that lost its connection when the VIP moved back may still be
# reconnecting through a just-booted LB.
drill_catch_up_timeout_s = 60
# A restarted app node on an emulated VM needs seconds to import its Python and pass HAProxy's
# rise checks (2 x 2 s); a slow CI day makes that several times longer.
app_ready_timeout_s = 180
# The same for a restarted Redis to be back in sync, and for Sentinel's promotion in a switch.
redis_restart_timeout_s = 180
# The drill is judged against the production defaults' goals (this lab runs them, a little
# slower), with more slack: a CI run's emulated VMs ran 2-3 times slower than alone.
drill_goal_slack = 3.0
