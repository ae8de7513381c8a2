# HAProxy binds the VIP on both load balancers, also while the other one holds it.
host_sysctls = {"net.ipv4.ip_nonlocal_bind": "1"}
