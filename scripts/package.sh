#!/usr/bin/env bash
# Makes auditree-VERSION-linux-x86_64.tar.gz: what scripts/install.sh installs, under one
# relocatable folder (nothing in it names its location):
#   auditree-VERSION/bin/auditree
#   auditree-VERSION/share/man/man1/..., share/auditree/auditree.rules, share/doc/auditree/...
#   auditree-VERSION/share/bash-completion/..., share/zsh/..., share/fish/...
# Unpack it anywhere and run auditree-VERSION/bin/auditree, or ship it to Spark executors
# with --archives. The binary needs only glibc (docs/install.md).
#
#   scripts/package.sh [OUTPUT_DIR]      (default: .build/package)
# Prints the archive's path on standard output.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-.build/package}")
version=$(tr -d ' \n\r\t' < VERSION)
machine=$(uname -m)
[ "$machine" = x86_64 ] || echo "package.sh: warning: building on $machine, not x86_64" >&2
name=auditree-$version
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

scripts/install.sh --prefix "/$name" --destdir "$stage" >&2
mkdir -p "$out"
archive=$out/$name-linux-$machine.tar.gz
# Fixed owner, order and times (the commit's), so the same commit packs the same archive.
mtime=$(git log -1 --format=%ct 2>/dev/null || date +%s)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -C "$stage" -cf - "$name" | gzip -n -9 > "$archive.tmp"
mv -f "$archive.tmp" "$archive"
echo "$archive"
