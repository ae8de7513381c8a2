"""The local Podman substrate: the host image, containers booting systemd, their network and
power switch. It knows nothing of drills; the cluster model tells it which hosts to make."""
