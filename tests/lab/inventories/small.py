"""A three-host lab for the lab's own tests, on its own subnet, beside the main lab."""

lbs = [("lb1", {"ssh_hostname": "192.168.58.11", "private_address": "192.168.58.11"})]
apps = [("app1", {"ssh_hostname": "192.168.58.21", "private_address": "192.168.58.21"})]
redis = [("redis1", {"ssh_hostname": "192.168.58.31", "private_address": "192.168.58.31"})]
