"""Molecule scenario redis-sentinel: three Redis + Sentinel hosts, nothing else."""

redis = [
    (f"redis{n}", {"ssh_hostname": f"192.168.61.3{n}", "private_address": f"192.168.61.3{n}"})
    for n in (1, 2, 3)
]
