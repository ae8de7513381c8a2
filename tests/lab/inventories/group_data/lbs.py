host_sysctls = {"net.ipv4.ip_nonlocal_bind": "1"}
