"""Data every Molecule scenario's hosts share: they are lab hosts (Podman), like the lab's."""

lab_containers = True
ssh_user = "root"
ssh_strict_host_key_checking = "accept-new"
# Fast failure detection, as in the lab (the side effects wait for failovers).
sentinel_down_after_ms = 2000
sentinel_failover_timeout_ms = 10000
haproxy_check_inter_ms = 500
haproxy_maxconn = 8000
