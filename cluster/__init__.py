"""The one model of a deployed cluster: its hosts, SSH to them, probes, invariants and status.

Used by the lab, the drills, tests/infra and Molecule alike; it imports nothing of them.
"""
