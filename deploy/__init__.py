"""pyinfra deploy code for dat-chat: `pyinfra -y INVENTORY deploy/site.py`."""
