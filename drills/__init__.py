"""Failover drills against any deployed cluster: the catalog, faults, load, runner, report."""
