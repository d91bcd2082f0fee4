#!/usr/bin/env bash
# Installs auditree: the release binary (self-contained: rule pack and report assets compiled
# in, Swift runtime, libstdc++, libaudit, zlib and jemalloc linked in; needs only glibc, docs/install.md),
# its man pages, shell completions, the recommended audit rules and the licence notes.
#
#   scripts/install.sh [--prefix DIR] [--destdir DIR]     (default prefix /usr/local)
#
# Builds the release binary first when `swift` is on PATH (a no-op when it is up to date);
# without swift (e.g. under sudo, whose PATH lacks the toolchain) it installs the binary
# built before: run scripts/build-release.sh as yourself, then `sudo scripts/install.sh`.
# --destdir DIR stages the files under DIR (DIR/PREFIX/...), as packagers expect.
# Layout under PREFIX (the same in the tarball made by scripts/package.sh):
#   bin/auditree
#   share/man/man1/auditree*.1
#   share/bash-completion/completions/auditree, share/zsh/site-functions/_auditree,
#   share/fish/vendor_completions.d/auditree.fish
#   share/auditree/auditree.rules            (auditree audit-rules; docs/audit-rules.md)
#   share/doc/auditree/                      README.md, install.md, audit-rules.md, licences
#                                            of what the binary links in (third-party/)
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local
destdir=
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --destdir) destdir=${2:?--destdir needs a directory}; shift 2 ;;
        --destdir=*) destdir=${1#--destdir=}; shift ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (usage: scripts/install.sh [--prefix DIR] [--destdir DIR])" >&2; exit 2 ;;
    esac
done
case "$prefix" in /*) ;; *) prefix=$(realpath -m "$prefix") ;; esac
root=$destdir$prefix

binary=.build/release/auditree
if command -v swift >/dev/null; then
    scripts/build-release.sh
elif [ -x "$binary" ]; then
    echo "install.sh: swift is not on PATH; installing the binary built before ($binary)" >&2
else
    echo "install.sh: no release binary and no swift to build one: run scripts/build-release.sh first" >&2
    exit 2
fi

install -d "$root/bin" "$root/share/man/man1" "$root/share/auditree" "$root/share/doc/auditree/third-party" \
    "$root/share/bash-completion/completions" "$root/share/zsh/site-functions" "$root/share/fish/vendor_completions.d"
install -m 0755 "$binary" "$root/bin/auditree"
# Debug information off (84 -> 76 MB); the symbol table stays, for perf and gdb on the host.
command -v strip >/dev/null && strip --strip-debug "$root/bin/auditree"
install -m 0644 docs/man/*.1 "$root/share/man/man1/"
install -m 0644 docs/completions/auditree.bash "$root/share/bash-completion/completions/auditree"
install -m 0644 docs/completions/auditree.zsh "$root/share/zsh/site-functions/_auditree"
install -m 0644 docs/completions/auditree.fish "$root/share/fish/vendor_completions.d/auditree.fish"
install -m 0644 docs/auditree.rules "$root/share/auditree/auditree.rules"
install -m 0644 README.md docs/install.md docs/audit-rules.md "$root/share/doc/auditree/"
for licence in LICENSE LICENSE.txt LICENSE.md COPYING; do
    [ -f "$licence" ] && install -m 0644 "$licence" "$root/share/doc/auditree/"
done
# The licences of what the binary links in, from the machine that built it.
third_party=(
    "swift:$(dirname "$(dirname "$(command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)")")/share/swift/LICENSE.txt"
    "libaudit:/usr/share/doc/libaudit1/copyright"
    "libcap-ng:/usr/share/doc/libcap-ng0/copyright"
    "zlib:/usr/share/doc/zlib1g/copyright"
    "jemalloc:/usr/share/doc/libjemalloc2/copyright"
    "swift-argument-parser:.build/checkouts/swift-argument-parser/LICENSE.txt"
    "Yams:.build/checkouts/Yams/LICENSE"
    "swift-mustache:.build/checkouts/swift-mustache/LICENSE.txt"
)
for entry in "${third_party[@]}"; do
    name=${entry%%:*} file=${entry#*:}
    if [ -f "$file" ]; then install -m 0644 "$file" "$root/share/doc/auditree/third-party/$name"
    else echo "install.sh: warning: no licence text for $name at $file" >&2; fi
done
echo "installed $("$root/bin/auditree" --version) in $root" >&2
