#!/usr/bin/env bash
# Fuzzes credq's targets with libFuzzer and AddressSanitizer, each for a given time.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      (default: 60 seconds, every target)
#
# Targets: lexer, parser, evaluator (scripts on the built-in catalog), loader (graph files,
# checking the fast loader against the thorough one), token (credential files and JWS),
# snapshot (snapshot files as they come, and with their checksums made to fit).
# Seeds come from fuzz/corpus/TARGET (kept in git); what libFuzzer finds on the way goes to
# .build-fuzz/corpus/TARGET (not in git). A crash is written to fuzz/crashes/TARGET-crash-*:
# move it to fuzz/regressions/TARGET/ once fixed, and `swift test` replays it from then on.
# Replay by hand: swift run credq-fuzz TARGET FILE...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(lexer parser evaluator loader token snapshot)

swift build -c release --product credq-fuzz --scratch-path .build-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DCREDQ_FUZZING -Xswiftc -parse-as-library
binary=.build-fuzz/release/credq-fuzz
mkdir -p fuzz/crashes
for target in "${targets[@]}"; do
  mkdir -p ".build-fuzz/corpus/$target"
  echo "== $target: $seconds s"
  # -detect_leaks=0: Swift packs enum tags into pointer bits, which LeakSanitizer cannot follow,
  # so objects reachable from the fuzz targets' static catalog are reported as leaks.
  ASAN_OPTIONS=detect_leaks=0 CREDQ_FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -detect_leaks=0 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="fuzz/crashes/$target-" \
    ".build-fuzz/corpus/$target" "fuzz/corpus/$target" 2>&1 | grep -E "^(#[0-9]+ +(DONE|INITED)|stat::|==[0-9]+==|SUMMARY|Fatal|.*Test unit written)" || true
done
ls fuzz/crashes 2>/dev/null | sed 's/^/crash: /' || true
