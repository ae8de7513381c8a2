"""Molecule scenario app: one app host against one Redis + Sentinel host."""

apps = [("app1", {"ssh_hostname": "192.168.63.21", "private_address": "192.168.63.21"})]
redis = [("redis1", {"ssh_hostname": "192.168.63.31", "private_address": "192.168.63.31"})]
