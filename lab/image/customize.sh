#!/bin/sh
# mmdebstrap customize hook: $1 is the root of the new Debian 12 host image.
set -eu
root="$1"

# Every host must get its own SSH host keys: none in the image, made at first boot.
rm -f "$root"/etc/ssh/ssh_host_*
install -m 0644 "$(dirname "$0")/ssh-host-keys.service" "$root/etc/systemd/system/"
chroot "$root" systemctl enable ssh-host-keys.service ssh.service

# The control machine's key is copied in when a host is created.
install -d -m 0700 "$root/root/.ssh"

# A container has no consoles, hardware clock or kernel to tune: units for those only fail.
chroot "$root" systemctl mask \
  getty.target console-getty.service systemd-timesyncd.service \
  systemd-sysctl.service systemd-modules-load.service sys-kernel-config.mount \
  apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer

# Containers get their address from Podman; the image must not carry one host's name.
: > "$root/etc/hostname"
rm -f "$root/etc/machine-id" && : > "$root/etc/machine-id"

# The roles' packages are baked in (lab/image.py); their services start only where the deploy
# has configured them, on the hosts of their role.
chroot "$root" systemctl disable redis-server redis-sentinel haproxy keepalived
