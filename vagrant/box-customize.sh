#!/bin/sh
# mmdebstrap customize hook for the Vagrant box: $1 is the new root, $2 Vagrant's insecure key.
set -eu
root="$1"

# Vagrant's conventions: user vagrant, its insecure key, passwordless sudo.
chroot "$root" useradd --create-home --shell /bin/bash vagrant
install -d -m 0700 -o 1000 -g 1000 "$root/home/vagrant/.ssh"
install -m 0600 -o 1000 -g 1000 "$2" "$root/home/vagrant/.ssh/authorized_keys"
# pyinfra runs every fact and command through sudo: on an emulated VM a sudo took 2.6 s, 1.4 s
# without its PAM session and syslog line (measured on a CI run's VMs), minutes per deploy.
printf '%s\n' "vagrant ALL=(ALL) NOPASSWD: ALL" "Defaults:vagrant !pam_session, !syslog" \
  > "$root/etc/sudoers.d/vagrant"
chmod 0440 "$root/etc/sudoers.d/vagrant"
echo "UseDNS no" > "$root/etc/ssh/sshd_config.d/vagrant.conf"

# Every VM must get its own SSH host keys: none in the box, made at first boot.
rm -f "$root"/etc/ssh/ssh_host_*
install -m 0644 "$(dirname "$0")/../lab/image/ssh-host-keys.service" \
  "$root/etc/systemd/system/"
chroot "$root" systemctl enable ssh-host-keys.service ssh.service

# eth0 by DHCP (Vagrant's management network); Vagrant configures the private network.
cat > "$root/etc/network/interfaces" <<'NET'
source /etc/network/interfaces.d/*
auto lo
iface lo inet loopback
allow-hotplug eth0
iface eth0 inet dhcp
NET
echo "LABEL=root / ext4 errors=remount-ro 0 1" > "$root/etc/fstab"
sed -i 's/^GRUB_TIMEOUT=.*/GRUB_TIMEOUT=0/; s/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX="net.ifnames=0 biosdevname=0 console=tty0 console=ttyS0,115200"/' \
  "$root/etc/default/grub"

# Run as init once by build-box.sh, inside the VM, where /dev/vda is the real disk.
cat > "$root/usr/local/sbin/install-bootloader" <<'INIT'
#!/bin/sh
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sys /sys
mountpoint -q /dev || mount -t devtmpfs dev /dev
if grub-install /dev/vda && update-grub; then
  rm -f /usr/local/sbin/install-bootloader
  echo DATCHAT-BOOTLOADER-INSTALLED
fi
sync
# Power off now; should init exit first, the kernel panics, reboots (panic=1) and QEMU,
# started with -no-reboot, exits all the same.
echo o > /proc/sysrq-trigger
sleep 60
INIT
chmod 0755 "$root/usr/local/sbin/install-bootloader"

# e2scrub_reap looks for LVM snapshots there are none of, and took 5 min of a 7-VM boot; the
# periodic jobs would compete with the deploy for the dpkg lock and for scarce emulated CPU.
chroot "$root" systemctl mask e2scrub_reap.service e2scrub_all.timer apt-daily.timer \
  apt-daily-upgrade.timer man-db.timer fstrim.timer
# The roles' services start only when the deploy has configured them.
chroot "$root" systemctl disable redis-server redis-sentinel haproxy keepalived 2>/dev/null || true
# A box must not carry one machine's identity.
: > "$root/etc/hostname"
rm -f "$root/etc/machine-id" && : > "$root/etc/machine-id"
chroot "$root" apt-get clean
