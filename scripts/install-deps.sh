#!/usr/bin/env bash
# Installs the Debian packages auditree needs to build and test, only if missing.
# Usage: scripts/install-deps.sh [extra-package ...]
set -euo pipefail

packages=(libaudit-dev libcap-ng-dev libauparse-dev zlib1g-dev libjemalloc-dev pkg-config libxml2-utils valgrind "$@")
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 2; }
    sudo="sudo"
fi
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
