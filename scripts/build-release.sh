#!/usr/bin/env bash
# Builds the release binary that gets installed and benchmarked, .build/release/auditree. It
# needs only glibc (docs/install.md):
#   - the Swift runtime and Foundation linked in (--static-swift-stdlib);
#   - libstdc++ linked in: the Swift runtime's link line asks for -lstdc++, and the linker
#     takes the first libstdc++ it finds on the -L path, so a folder holding only the static
#     archive (.build/static-libstdc++) comes first;
#   - the GCC runtime, libaudit with libcap-ng, and zlib linked in (Package.swift, release);
#   - the rule pack and report assets compiled in (.embedInCode).
# Every script that builds release (scan-example, install, package, bench/run.sh) builds it
# this way, so they share one build.
#   scripts/build-release.sh [extra swift build arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
clang=$(dirname "$(readlink -f "$(command -v swift)")")/clang
libstdcxx=$("$clang" -print-file-name=libstdc++.a)
if [ ! -f "$libstdcxx" ]; then
    echo "build-release.sh: no static libstdc++ (libstdc++.a) for $clang: install libstdc++-NN-dev for the gcc it uses" >&2
    exit 2
fi
mkdir -p .build/static-libstdc++
ln -sfn "$libstdcxx" .build/static-libstdc++/libstdc++.a
swift build -c release --static-swift-stdlib -Xlinker -L"$PWD/.build/static-libstdc++" --product auditree "$@" >&2
