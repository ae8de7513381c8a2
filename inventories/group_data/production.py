"""Data for the hosts of inventories/production.py (pyinfra names this group after the file)."""

from pathlib import Path

# A free address on the LBs' network, moved between them by keepalived.
keepalived_vip = "10.0.0.100"
keepalived_vip_prefix = 24
# Who may SSH to the hosts (the deploy's own address must be in it, or the deploy refuses to
# run: its firewall would lock you out) and who may open HAProxy's stats page. Add an admin
# network here and re-deploy; docs/reference/firewall.md has the whole matrix.
admin_ssh_networks = ["10.0.0.5/32"]  # your bastion or control machine
admin_http_networks = ["10.0.0.5/32"]
# Generated on the first deploy, mode 0600, git-ignored; or set DATCHAT_*_PASSWORD instead.
secrets_file = str(Path(__file__).resolve().parents[1] / ".secrets" / "production.json")

ssh_user = "root"
