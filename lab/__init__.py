"""The control-machine side of dat-chat lab: local Podman lab, faults, drills."""
