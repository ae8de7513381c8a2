"""Data for the hosts of inventories/production.py (pyinfra names this group after the file)."""

from pathlib import Path

# A free address on the LBs' network, moved between them by keepalived.
keepalived_vip = "10.0.0.100"
keepalived_vip_prefix = 24
# Set True where the network drops multicast (many clouds).
keepalived_unicast = False

# Generated on the first deploy, mode 0600, git-ignored; or set DATCHAT_*_PASSWORD instead.
secrets_file = str(Path(__file__).resolve().parents[1] / ".secrets" / "production.json")

ssh_user = "root"
