#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer and ThreadSanitizer.
#
#   scripts/sanitizers.sh [address|thread ...] [-- swift-test-arguments...]
#
# Each sanitizer builds into its own scratch path (.build-asan, .build-tsan, both
# git-ignored), so the normal .build is never invalidated. Prints how long each build
# and test run took and whether it passed; exits 1 if any failed.
# On a shared machine run it niced and on one core:
#   nice -n 19 taskset -c 0 scripts/sanitizers.sh
# SANITIZERS_SNAPSHOT=1 first copies the working tree (tracked and untracked files that are
# not ignored) to .build-sanitizers-src and builds that copy, so files others are editing
# cannot change under a long build ("input file was modified during the build").
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
package=()
if [ "${SANITIZERS_SNAPSHOT:-0}" = 1 ]; then
  rm -rf .build-sanitizers-src && mkdir -p .build-sanitizers-src
  git ls-files -co --exclude-standard -z | xargs -0 tar -cf - | tar -xf - -C .build-sanitizers-src
  package=(--package-path "$root/.build-sanitizers-src")
  echo "=== snapshot of the working tree in .build-sanitizers-src"
fi

sanitizers=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do sanitizers+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
[ ${#sanitizers[@]} -eq 0 ] && sanitizers=(address thread)

# Swift's crash backtracer can hang on a crash in an instrumented process.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1}
# One build job: the caller decides the core (taskset), this keeps to it.
jobs=${SANITIZER_JOBS:-1}

failed=0
summary=()
for sanitizer in "${sanitizers[@]}"; do
  case "$sanitizer" in
    address) scratch=.build-asan ;;
    thread)  scratch=.build-tsan ;;
    *) echo "unknown sanitizer '$sanitizer' (address, thread)" >&2; exit 64 ;;
  esac
  echo "=== $sanitizer: build ($scratch)"
  start=$(date +%s)
  swift build "${package[@]}" --build-tests --sanitize="$sanitizer" --scratch-path "$root/$scratch" -j "$jobs"
  build_status=$?
  built=$(date +%s)
  test_status=skipped
  if [ $build_status -eq 0 ]; then
    echo "=== $sanitizer: test"
    swift test "${package[@]}" --skip-build --sanitize="$sanitizer" --scratch-path "$root/$scratch" "$@"
    test_status=$?
  fi
  done_at=$(date +%s)
  if [ $build_status -ne 0 ] || [ "$test_status" != 0 ]; then failed=1; result=FAILED; else result=passed; fi
  summary+=("$sanitizer: $result (build $((built - start)) s, status $build_status; tests $((done_at - built)) s, status $test_status)")
done
echo "=== summary"
printf '%s\n' "${summary[@]}"
exit $failed
