#!/usr/bin/env bash
# Installs the Debian packages the control machine needs, only those missing (idempotent).
# Test servers (redis-server, redis-sentinel) run as the tests' own processes: the packages'
# services are not used.
set -euo pipefail

packages=(
  python3-venv         # the project's venv
  redis-server         # unit tests: a real Redis ...
  redis-sentinel       # ... and real Sentinels
  chromium             # the page's end-to-end test (driven by Playwright, Debian's browser)
  fonts-liberation     # so the page renders text in headless Chromium
  podman runc          # the local lab: hosts are containers booting systemd (runc: see LAB-NOTES)
  netavark aardvark-dns  # Podman's network stack as measured in LAB-NOTES (not the CNI plugins)
  mmdebstrap           # builds the lab's Debian image from this machine's apt sources
  openssh-client       # the deploy reaches lab hosts over SSH, as real hosts
  iptables             # the lab network's NAT
)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-host-packages: run as root (apt-get install is needed)" >&2
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "host packages: all present"
  exit 0
fi
echo "host packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# With recommends, as measured: podman then brings netavark, slirp4netns and friends.
apt-get install -y -qq "${missing[@]}" >/dev/null
