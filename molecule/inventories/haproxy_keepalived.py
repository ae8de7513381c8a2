"""Molecule scenario haproxy-keepalived: two load balancers and one app host.

The app host also carries the single Redis + Sentinel its app needs to be ready (a backend
is UP only when /readyz is).
"""

lbs = [
    (f"lb{n}", {"ssh_hostname": f"192.168.62.1{n}", "private_address": f"192.168.62.1{n}"})
    for n in (1, 2)
]
_app1 = ("app1", {"ssh_hostname": "192.168.62.21", "private_address": "192.168.62.21"})
apps = [_app1]
redis = [_app1]
