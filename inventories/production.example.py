"""Real servers (Debian 12 / Ubuntu): copy to production.py, then fill in your addresses.

    cp inventories/production.example.py inventories/production.py
    pyinfra inventories/production.py deploy/site.py

`ssh_hostname` is how the control machine reaches a host; `private_address` is the address
the host's services bind and its peers use. The first redis host is master on the first
deploy only. Settings shared by these hosts are in group_data/production.py.
"""

lbs = [
    ("lb1", {"ssh_hostname": "lb1.example.org", "private_address": "10.0.0.11"}),
    ("lb2", {"ssh_hostname": "lb2.example.org", "private_address": "10.0.0.12"}),
]
apps = [
    ("app1", {"ssh_hostname": "app1.example.org", "private_address": "10.0.0.21"}),
    ("app2", {"ssh_hostname": "app2.example.org", "private_address": "10.0.0.22"}),
]
redis = [
    ("redis1", {"ssh_hostname": "redis1.example.org", "private_address": "10.0.0.31"}),
    ("redis2", {"ssh_hostname": "redis2.example.org", "private_address": "10.0.0.32"}),
    ("redis3", {"ssh_hostname": "redis3.example.org", "private_address": "10.0.0.33"}),
]
