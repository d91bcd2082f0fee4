#!/usr/bin/env bash
# The install test (run by scripts/test.sh): installs auditree into a temporary prefix with
# scripts/install.sh, then runs the installed binary where neither the build folder nor the
# Swift toolchain can be reached, as on a production host without Swift:
#   - in a private mount namespace (unshare -m as root; unshare -rm, a user namespace, otherwise),
#   - a tmpfs over this checkout (its .build too) and over the toolchain (the folder of
#     libswiftCore.so, and the toolchain's own root when it has one, e.g. /opt/swift),
#   - /dev/null over the shared libaudit, libcap-ng, zlib and jemalloc, which the binary links in,
# and checks: the scan of a recorded fixture (findings against its .expected.tsv, exit status
# 1), an HTML report (the compiled-in assets), `--version` (VERSION and this commit), that
# `audit-rules` prints the installed rules file, the shared libraries the binary needs (ldd:
# only glibc's) and the newest glibc symbol version (the minimum docs/install.md states).
# Ends with "install test: passed (N checks)" or "install test: FAILED (...)"; exits 1 on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
fixture=enriched-fork

work=$(mktemp -d -t auditree-install-test.XXXXXX)  # in $TMPDIR (/tmp when unset)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
failures=()
checks=0
check() {  # check DESCRIPTION COMMAND...: runs COMMAND, records a failure with DESCRIPTION
    local description=$1; shift
    checks=$((checks + 1))
    if ! "$@"; then failures+=("$description"); echo "install test: FAIL: $description" >&2; fi
}

scripts/install.sh --prefix "$prefix" > "$work/install.out" 2>&1 || { cat "$work/install.out" >&2; echo "install test: FAILED (scripts/install.sh exited $?)"; exit 1; }
installed=$prefix/bin/auditree
for file in bin/auditree share/man/man1/auditree.1 share/man/man1/auditree.scan.1 \
            share/bash-completion/completions/auditree share/zsh/site-functions/_auditree \
            share/fish/vendor_completions.d/auditree.fish share/auditree/auditree.rules \
            share/doc/auditree/README.md share/doc/auditree/third-party/swift; do
    check "installed $file" test -s "$prefix/$file"
done

# What the binary needs from the host.
ldd "$installed" > "$work/ldd.txt" 2>&1 || true
allowed='^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|/lib64/ld-linux-x86-64\.so\.2)$'
extra=$(awk '{print $1}' "$work/ldd.txt" | grep -Ev "$allowed" || true)
check "ldd lists only glibc's libraries (extra: ${extra//$'\n'/ })" test -z "$extra"
check "malloc and free are jemalloc's, in the binary and exported, so glibc's allocations use it too" \
    test "$(nm -D --defined-only "$installed" | grep -cwE 'T (malloc|free)')" = 2
# jemalloc's options are compiled in (scripts/jemalloc-malloc-conf.c): its statistics at exit
# list the options in effect, and MALLOC_CONF adds stats_print without replacing the others.
MALLOC_CONF=stats_print:true "$installed" --version > /dev/null 2> "$work/malloc-stats.txt" || true
check "jemalloc returns freed pages at once (dirty_decay_ms and muzzy_decay_ms 0, from the binary's malloc_conf)" \
    test "$(grep -cE 'opt\.(dirty|muzzy)_decay_ms: 0( |$)' "$work/malloc-stats.txt")" = 2
newest_glibc=$(objdump -T "$installed" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
documented=$(grep -o 'needs glibc [0-9.]* or later' docs/install.md | grep -o '[0-9][0-9.]*' | head -1 || true)
check "newest glibc symbol $newest_glibc is the minimum docs/install.md states (glibc ${documented:-?})" \
    test "$newest_glibc" = "GLIBC_$documented"

# Where the toolchain's runtime libraries live, and the toolchain's own root (/opt/swift).
runtime=$(dirname "$(find "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")/lib/swift/linux" -maxdepth 1 -name libswiftCore.so -print -quit)")
toolchain=${runtime%/usr/lib/swift/linux}
hide_dirs=("$repo" "$runtime")
case "$toolchain" in ""|/|/usr) ;; *) hide_dirs+=("$toolchain") ;; esac
hide_files=()
for library in libaudit.so.1 libcap-ng.so.0 libz.so.1 libjemalloc.so.2; do
    # awk reads to the end: leaving early would kill ldconfig with SIGPIPE, and pipefail stop the test.
    path=$(ldconfig -p | awk -v name="$library" '$1 == name && /x86-64/ && !found {print $NF; found = 1}')
    [ -n "$path" ] && hide_files+=("$(readlink -f "$path")")
done
cp "fixtures/recorded/$fixture.log" "fixtures/recorded/$fixture.expected.tsv" "$work/"

# Inside: only the installed binary and the shell's builtins run.
cat > "$work/hidden.sh" <<'SH'
set -u
for dir in $HIDE_DIRS; do mount -t tmpfs -o size=1m,mode=0755 auditree-hidden "$dir" || exit 90; done
for file in $HIDE_FILES; do mount --bind /dev/null "$file" || exit 91; done
[ -e "$REPO/.build" ] && exit 92
[ -e "$RUNTIME/libswiftCore.so" ] && exit 93
cd "$WORK"
"$AUDITREE" --version > version.txt 2> version.err; echo $? > version.status
"$AUDITREE" scan --format json "$FIXTURE.log" > scan.json 2> scan.err; echo $? > scan.status
"$AUDITREE" scan --format html --output report.html "$FIXTURE.log" > /dev/null 2> html.err; echo $? > html.status
"$AUDITREE" audit-rules > audit.rules 2> audit-rules.err; echo $? > audit-rules.status
exit 0
SH
if [ "$(id -u)" -eq 0 ]; then namespace=(unshare -m --propagation private); else namespace=(unshare -r -m --propagation private); fi
status=0
HIDE_DIRS="${hide_dirs[*]}" HIDE_FILES="${hide_files[*]}" REPO=$repo RUNTIME=$runtime WORK=$work AUDITREE=$installed FIXTURE=$fixture \
    "${namespace[@]}" /bin/sh "$work/hidden.sh" || status=$?
check "hid the build folder and the toolchain (${namespace[*]}: status $status)" test "$status" -eq 0
if [ "$status" -eq 0 ]; then
    hidden="hidden: ${hide_dirs[*]} ${hide_files[*]}"
    echo "install test: ran $installed with $hidden"
    check "--version exits 0 (stderr: $(head -c 300 "$work/version.err"))" test "$(cat "$work/version.status")" = 0
    commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
    check "--version names VERSION and commit $commit (got: $(cat "$work/version.txt"))" \
        grep -q "^auditree $(tr -d ' \n' < VERSION) (commit $commit" "$work/version.txt"
    check "scan exits 1 on findings (got $(cat "$work/scan.status"); stderr: $(head -c 300 "$work/scan.err"))" \
        test "$(cat "$work/scan.status")" = 1
    check "scan's findings are the recording's ($(python3 tests/install/check_scan.py "$work/scan.json" "$work/$fixture.expected.tsv" 2>&1 | tr '\n' ';'))" \
        python3 tests/install/check_scan.py "$work/scan.json" "$work/$fixture.expected.tsv"
    check "HTML report written (status $(cat "$work/html.status"); stderr: $(head -c 300 "$work/html.err"))" \
        grep -q '<html' "$work/report.html"
    check "audit-rules prints the installed share/auditree/auditree.rules" cmp -s "$work/audit.rules" "$prefix/share/auditree/auditree.rules"
fi

# --version of a build from a source tarball: `git archive` writes the commit into
# scripts/archive-commit.txt (export-subst); a copy with neither git nor that line says unknown.
if head=$(git rev-parse --verify -q HEAD); then
    mkdir -p "$work/archive" "$work/plain/scripts"
    git archive HEAD VERSION scripts/build-info.sh scripts/archive-commit.txt | tar -x -C "$work/archive"
    sh "$work/archive/scripts/build-info.sh" "$work/archive" "$work/archive/out"
    check "a build from git archive names commit $head" grep -q "commit = \"$head\"" "$work/archive/out/BuildInfo.swift"
    cp VERSION "$work/plain/" && cp scripts/build-info.sh scripts/archive-commit.txt "$work/plain/scripts/"
    sh "$work/plain/scripts/build-info.sh" "$work/plain" "$work/plain/out"
    check "a build with neither git nor an archive's commit says unknown" grep -q 'commit = "unknown"' "$work/plain/out/BuildInfo.swift"
fi

if [ ${#failures[@]} -eq 0 ]; then
    echo "install test: passed ($checks checks; $(du -h "$installed" | cut -f1) binary, needs glibc ${newest_glibc#GLIBC_})"
else
    echo "install test: FAILED (${#failures[@]} of $checks checks): ${failures[*]}"
    exit 1
fi
