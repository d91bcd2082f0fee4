#!/usr/bin/env bash
# Builds the release binary that gets installed and benchmarked, .build/release/auditree. It
# needs only glibc (docs/install.md):
#   - the Swift runtime and Foundation linked in (--static-swift-stdlib);
#   - libstdc++ linked in: the Swift runtime's link line asks for -lstdc++, and the linker
#     takes the first libstdc++ it finds on the -L path, so a folder holding only the static
#     archive (.build/static-libstdc++) comes first;
#   - the GCC runtime, libaudit with libcap-ng, and zlib linked in (Package.swift, release);
#   - jemalloc linked in as one relocatable object (.build/static-jemalloc/jemalloc.o), not as
#     an archive: the static runtime links with --exclude-libs ALL, which would keep an
#     archive's malloc private, so glibc's own allocations would reach jemalloc's free (a
#     crash); an object's malloc is exported and glibc binds to it. Its C++ operators
#     (jemalloc_cpp) stay out: libstdc++ has its own, which call malloc;
#   - jemalloc's options (scripts/jemalloc-malloc-conf.c: freed pages returned at once) as a
#     second object, whose `malloc_conf` replaces the archive's weak one;
#   - the rule pack and report assets compiled in (.embedInCode);
#   - type metadata fetched through each type's metadata accessor, never by mangled name
#     (-disable-concrete-type-metadata-mangled-name-accessors): by default a generic type used
#     at a concrete type (`Set<ContextTarget>`, `[RecordKind: Int]`, `Result<Record, Rejection>`)
#     is instantiated from its mangled name, and the runtime then checks each requirement
#     (`Element: Hashable`) by scanning every protocol conformance record of the static binary
#     (about 6,000): 0.25-0.4 M instructions per type the first time, some 20 types a run (about
#     a third of a run on an empty log, 6 M of a 10 MB log). The accessor is handed the witness
#     tables the compiler already knows, and checks nothing.
# Every script that builds release (scan-example, install, package, bench/run.sh) builds it
# this way, so they share one build.
#   scripts/build-release.sh [extra swift build arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh binutils
clang=$(dirname "$(readlink -f "$(command -v swift)")")/clang
libstdcxx=$("$clang" -print-file-name=libstdc++.a)
if [ ! -f "$libstdcxx" ]; then
    echo "build-release.sh: no static libstdc++ (libstdc++.a) for $clang: install libstdc++-NN-dev for the gcc it uses" >&2
    exit 2
fi
mkdir -p .build/static-libstdc++
ln -sfn "$libstdcxx" .build/static-libstdc++/libstdc++.a
jemalloc_archive=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/libjemalloc_pic.a
[ -f "$jemalloc_archive" ] || { echo "build-release.sh: no $jemalloc_archive (Debian: libjemalloc-dev)" >&2; exit 2; }
jemalloc=.build/static-jemalloc
if [ ! -f "$jemalloc/jemalloc.o" ] || [ "$jemalloc_archive" -nt "$jemalloc/jemalloc.o" ]; then
    rm -rf "$jemalloc" && mkdir -p "$jemalloc/members"
    (cd "$jemalloc/members" && ar x "$jemalloc_archive")
    ld -r $(ls "$jemalloc"/members/*.o | grep -v '/jemalloc_cpp\.') -o "$jemalloc/jemalloc.o"
fi
if [ ! -f "$jemalloc/malloc-conf.o" ] || [ scripts/jemalloc-malloc-conf.c -nt "$jemalloc/malloc-conf.o" ]; then
    "$clang" -c -O2 -fPIC scripts/jemalloc-malloc-conf.c -o "$jemalloc/malloc-conf.o"
fi
swift build -c release --static-swift-stdlib -Xlinker -L"$PWD/.build/static-libstdc++" -Xlinker "$PWD/$jemalloc/jemalloc.o" \
    -Xlinker "$PWD/$jemalloc/malloc-conf.o" -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors \
    --product auditree "$@" >&2
