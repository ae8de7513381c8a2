"""Data for the load balancers (HAProxy + keepalived)."""

# HAProxy binds the VIP on the BACKUP too, before keepalived gives it the address.
host_sysctls = {"net.ipv4.ip_nonlocal_bind": "1"}
