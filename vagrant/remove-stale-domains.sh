#!/usr/bin/env bash
# Before `vagrant up`: remove the lab's libvirt domains that this checkout's Vagrant does not
# know (left by another checkout or by a run whose .vagrant/ is gone). libvirt keeps domains
# on disk across sessions, and Vagrant would stop on the name clash.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
virsh() { command virsh -c qemu:///system "$@"; }
# One line per host: its Vagrant name and its libvirt domain.
python3 -c '
import json, sys
lab = json.load(sys.stdin)
for host in lab["hosts"]:
    print(host["name"], lab["vm_name_prefix"] + host["name"])
' < "$root/vagrant/hosts.json" |
while read -r name domain; do
  uuid=$(virsh domuuid "$domain" 2>/dev/null) || continue
  known=$(cat "$root/.vagrant/machines/$name/libvirt/id" 2>/dev/null || true)
  [ "$known" = "$uuid" ] && continue
  echo "vagrant: removing the stale domain $domain"
  virsh destroy "$domain" >/dev/null 2>&1 || true
  virsh undefine "$domain" --remove-all-storage >/dev/null
done
