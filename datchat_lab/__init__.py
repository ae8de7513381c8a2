"""The `datchat-lab` command: above the lab, the cluster model and the drills."""
