#!/bin/sh
# `make vagrant-box`: a libvirt box of Debian 12 built here, from this machine's apt sources
# only, for machines that cannot download boxes. Root filesystem by mmdebstrap (with the
# packages the roles install, so a deploy finds them at native speed), a partitioned disk made
# without a loop device, GRUB installed during one emulated boot, then `vagrant box add`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
name=${DATCHAT_VAGRANT_BOX:-datchat/debian12}
size_gb=8
work=$(mktemp -d /var/tmp/datchat-box.XXXXXX)
trap 'rm -rf "$work"' EXIT
step() { echo "vagrant-box: $* ($(date +%T))"; }

# Vagrant's well-known insecure key, from the vagrant package itself.
insecure_key=$(find /usr/share -path '*vagrant*/keys/vagrant.pub' -print -quit)
[ -n "$insecure_key" ] || { echo "vagrant-box: Vagrant's insecure key not found" >&2; exit 1; }

step "root filesystem (mmdebstrap)"
# The roles' packages come from the deploy's one list (deploy/packages.py).
role_packages=$(cd "$here/.." && python3 -m deploy.packages | paste -sd, -)
mmdebstrap --variant=minbase \
  --include=linux-image-amd64,initramfs-tools,grub-pc,systemd-sysv,dbus,openssh-server,sudo,ifupdown,isc-dhcp-client,iproute2,iputils-ping,iptables,procps,ca-certificates,python3,"$role_packages" \
  --customize-hook="$here/box-customize.sh \"\$1\" $insecure_key" \
  bookworm "$work/rootfs"

step "disk image (${size_gb} GiB, sparse)"
disk=$work/disk.raw
truncate -s "${size_gb}G" "$disk"
echo 'start=2048, type=83, bootable' | sfdisk -q "$disk"
# The filesystem goes straight into the partition's place in the file: no loop device needed.
mkfs.ext4 -q -F -L root -E offset=1048576 -d "$work/rootfs" "$disk" \
  "$((size_gb * 1024 * 1024 - 1024))k"

step "GRUB, installed during one emulated boot"
kernel=$(ls "$work"/rootfs/boot/vmlinuz-* | tail -1)
initrd=$(ls "$work"/rootfs/boot/initrd.img-* | tail -1)
accel="tcg,tb-size=256"
"$here/kvm-usable" && accel=kvm
timeout 900 qemu-system-x86_64 -accel "$accel" -m 1024 -nographic -no-reboot \
  -drive "file=$disk,format=raw,if=virtio" \
  -kernel "$kernel" -initrd "$initrd" \
  -append "root=/dev/vda1 rw console=ttyS0 init=/usr/local/sbin/install-bootloader panic=1" \
  > "$work/first-boot.log" 2>&1 || true
if ! grep -q "DATCHAT-BOOTLOADER-INSTALLED" "$work/first-boot.log"; then
  tail -40 "$work/first-boot.log" >&2
  echo "vagrant-box: GRUB was not installed (log above)" >&2
  exit 1
fi

step "box"
qemu-img convert -O qcow2 "$disk" "$work/box.img"
printf '{"provider": "libvirt", "format": "qcow2", "virtual_size": %d}\n' "$size_gb" \
  > "$work/metadata.json"
cat > "$work/Vagrantfile" <<'BOX'
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |libvirt|
    libvirt.disk_bus = "virtio"
  end
end
BOX
tar -C "$work" -cf "$work/datchat-debian12.box" metadata.json Vagrantfile box.img
vagrant box add --force --name "$name" "$work/datchat-debian12.box"
step "box $name added"

# The Makefile names the box after its recipe (datchat/debian12-<hash>): boxes of older
# recipes are of no more use.
family=${name%-*}
for old in $(vagrant box list | awk -v family="$family-" -v name="$name" \
    'index($1, family) == 1 && $1 != name {print $1}'); do
  vagrant box remove --force --all "$old" >/dev/null && step "removed the older box $old"
done

# vagrant-libvirt copies a box into libvirt's pool at its first `vagrant up`, under a name
# with the box's date, and never removes the copy (870 MB each): drop the previous ones, and
# those of older boxes, unless some VM may still run on them.
prefix="$(printf %s "$family" | sed 's|/|-VAGRANTSLASH-|g')"
copies=$(virsh -c qemu:///system vol-list default 2>/dev/null |
  awk -v prefix="$prefix" 'index($1, prefix) == 1 && $1 ~ /_vagrant_box_image_/ {print $1}')
if [ -n "$copies" ] && [ -z "$(virsh -c qemu:///system list --all --name)" ]; then
  for copy in $copies; do
    virsh -c qemu:///system vol-delete --pool default "$copy" >/dev/null
    step "removed the previous copy $copy from libvirt's pool"
  done
fi
