#!/bin/sh
# What the Vagrant lab needs on a Debian 12 control machine: Vagrant with its libvirt provider,
# libvirt and QEMU. Then the libvirt daemons, started by hand where there is no systemd.
set -eu
packages="vagrant vagrant-libvirt libvirt-daemon-system libvirt-clients qemu-system-x86
  qemu-utils dnsmasq-base mmdebstrap fdisk e2fsprogs"
missing=$(for p in $packages; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
  grep -q "install ok installed" || echo "$p"; done)
if [ -n "$missing" ]; then
  echo "vagrant host packages: installing" $missing
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
# libvirt runs QEMU as its own user, who may not reach into the checkout (a 0700 home or
# mktemp directory): the emulator wrapper the Vagrantfile names lives outside it.
install -D -m 0755 "$(dirname "$0")/qemu-tcg" /usr/local/libexec/datchat/qemu-tcg
if [ ! -d /run/systemd/system ]; then
  pgrep -x virtlogd >/dev/null || virtlogd -d
  pgrep -x libvirtd >/dev/null || libvirtd -d
fi
# libvirtd may take a moment to open its socket.
for _ in $(seq 50); do virsh -c qemu:///system version >/dev/null 2>&1 && exit 0; sleep 0.2; done
echo "libvirtd does not answer on qemu:///system" >&2
exit 1
