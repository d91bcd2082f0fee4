#!/usr/bin/env bash
# Builds one libFuzzer target and runs it for a fixed time.
#
#   scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags...]
#   TARGET: record-parser (bytes -> LineReader -> RecordParser)
#           assembler     (records -> EventAssembler -> ProcessTree -> RuleEvaluator -> reports)
#
# SwiftPM cannot build a libFuzzer executable from a library target, so this compiles
# the library sources directly with swiftc -sanitize=fuzzer,address: CYaml (clang),
# Yams and (when the library imports it) Mustache from SwiftPM's checkouts, then
# the stage targets' sources (Sources/Auditree*/, their `import Auditree...` lines dropped) +
# Fuzz/*.swift as one module (internal and package API reachable), linked
# against libaudit. Everything goes to .build-fuzz/ (git-ignored): the binary, the
# growing corpus, crash artifacts.
# Sources: by default the library as committed at HEAD (a snapshot, so edits in
# progress in the working tree cannot break or change a long run); FUZZ_TREE=worktree
# builds the working tree instead.
# Seeds, read in place and never copied into the repository:
#   fixtures/recorded/*.log split into 6-line pieces (made in .build-fuzz), fixtures/malformed/,
#   and ../shared/corpus/public when present.
# Leak detection is off: the process tree's parent/child links are reference
# cycles freed only at exit, which libFuzzer would report per input.
# FUZZ_BUILD=only builds and stops; FUZZ_BUILD=skip runs the binary built before (so a
# chain of long runs is not broken by edits made meanwhile).
# Pin it yourself when sharing the machine: nohup taskset -c 1 scripts/fuzz.sh assembler 1800 &
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: scripts/fuzz.sh record-parser|assembler SECONDS [libFuzzer flags]}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
shift 2
case "$target" in
  record-parser) source_file=Fuzz/FuzzRecordParser.swift; max_len=16384 ;;
  assembler)     source_file=Fuzz/FuzzAssembler.swift;    max_len=16384 ;;
  *) echo "unknown target '$target' (record-parser, assembler)" >&2; exit 64 ;;
esac

root=$PWD
out=$root/.build-fuzz
if [ "${FUZZ_BUILD:-yes}" != skip ]; then
checkouts=$root/.build/checkouts
yams=$checkouts/Yams
if [ ! -d "$yams/Sources/Yams" ]; then swift package resolve; fi
mkdir -p "$out/cyaml" "$out/modules" "$out/corpus-$target" "$out/artifacts-$target" "$out/seeds-recorded"

# 0. The library sources to fuzz: a copy of the stage targets, compiled as one module, so the
#    lines importing one stage from another go.
rm -rf "$out/src-$target" && mkdir -p "$out/src-$target"
if [ "${FUZZ_TREE:-head}" = worktree ]; then
  cp -R Sources "$out/src-$target/"
  echo "fuzzing the working tree"
else
  git archive HEAD Sources | tar -x -C "$out/src-$target"
  echo "fuzzing HEAD $(git rev-parse --short HEAD)"
fi
library_root=$out/src-$target/Sources
rm -rf "$library_root/AuditreeKit" "$library_root/auditree"
find "$library_root" -name '*.swift' -exec sed -i '/^import Auditree/d' {} +
sanitize=(-sanitize=fuzzer,address)
clang=$(dirname "$(command -v swiftc)")/clang

# 1. CYaml and Yams (the rules loader needs them), built once.
if [ ! -f "$out/modules/Yams.swiftmodule" ]; then
  for c in "$yams"/Sources/CYaml/src/*.c; do
    "$clang" -c -O1 -g -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC \
      -I "$yams/Sources/CYaml/include" "$c" -o "$out/cyaml/$(basename "$c" .c).o"
  done
  swiftc -parse-as-library -module-name Yams -O -g "${sanitize[@]}" -wmo -DSWIFT_PACKAGE \
    -Xcc -DYAML_DECLARE_STATIC -I "$yams/Sources/CYaml/include" \
    -emit-module -emit-module-path "$out/modules/Yams.swiftmodule" \
    -c "$yams"/Sources/Yams/*.swift -o "$out/Yams.o"
fi

extra_objects=()
if grep -rqs '^import Mustache' "$library_root"; then
  if [ ! -f "$out/modules/Mustache.swiftmodule" ]; then
    swiftc -parse-as-library -module-name Mustache -O -g "${sanitize[@]}" -wmo -DSWIFT_PACKAGE \
      -emit-module -emit-module-path "$out/modules/Mustache.swiftmodule" \
      -c "$checkouts"/swift-mustache/Sources/Mustache/*.swift -o "$out/Mustache.o"
  fi
  extra_objects+=("$out/Mustache.o")
fi

# 2. The resources SwiftPM compiles in (`.embedInCode`): the same `PackageResources` names,
#    read from the snapshot's files when the fuzzer starts.
resource() { printf '    static let %s: [UInt8] = Array(FileManager.default.contents(atPath: "%s")!)\n' "$1" "$2"; }
{
  echo 'import Foundation'
  echo 'enum PackageResources {'
  resource default_rules_yaml "$library_root/AuditreeRules/default-rules.yaml"
  for asset in report.mustache report.css report.js; do
    resource "${asset//./_}" "$library_root/AuditreeReport/HTML/Resources/$asset"
  done
  echo '}'
} > "$out/PackageResources-$target.swift"

# 3. The target: library sources + fuzz sources as one module.
mapfile -t library < <(find "$library_root"/Auditree* -name '*.swift' | sort)
swiftc -parse-as-library -module-name AuditreeKit -O -g "${sanitize[@]}" -wmo -enable-bare-slash-regex \
  -I "$out/modules" -I Sources/CAudit -I Sources/CZlib -Xcc -I/usr/include -Xcc -DYAML_DECLARE_STATIC -I "$yams/Sources/CYaml/include" \
  "${library[@]}" Fuzz/FuzzSupport.swift "$source_file" "$out/PackageResources-$target.swift" \
  "$out/Yams.o" "$out"/cyaml/*.o "${extra_objects[@]}" -laudit -lz -o "$out/fuzz-$target"

fi
[ "${FUZZ_BUILD:-yes}" = only ] && exit 0

# 4. Seeds: real records in small pieces.
for log in fixtures/recorded/*.log; do
  split -l 6 -d -a 4 "$log" "$out/seeds-recorded/$(basename "$log" .log)-"
done
seeds=("$out/seeds-recorded" fixtures/malformed)
[ -d ../shared/corpus/public ] && seeds+=(../shared/corpus/public)

# 5. Run. Swift's backtracer can hang on the first crash; libFuzzer prints its own.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
echo "fuzz $target for ${seconds}s: corpus $out/corpus-$target, crashes in $out/artifacts-$target/"
exec "$out/fuzz-$target" -max_total_time="$seconds" -print_final_stats=1 -max_len=$max_len \
  -timeout=20 -rss_limit_mb=2048 -detect_leaks=0 -dict=Fuzz/audit.dict \
  -artifact_prefix="$out/artifacts-$target/" "$@" "$out/corpus-$target" "${seeds[@]}"
