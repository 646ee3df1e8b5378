#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets/) for SECONDS_PER_TARGET seconds (default 60), seeded from the
# real inputs (scripts/fuzz-seed.py). A crash fails the script; its input is under fuzz/artifacts/<target>/: copy
# it to fuzz/regressions/<target>/ (tests/fuzz_regressions.rs replays those on stable) and fix the parser.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]    FUZZ_TARGETS="zap prom" limits the targets;
#                                           FUZZ_TARGET_DIR=dir builds there instead of fuzz/target;
#                                           FUZZ_DEV=1 builds without optimisation (CI's short run: faster to build).
# Needs cargo-fuzz (scripts/install-test-deps.sh installs the pinned version). It runs `RUSTC_BOOTSTRAP=1 cargo fuzz`
# on the default (stable) toolchain, also where a nightly is installed (FUZZ_TOOLCHAIN=nightly picks that).
# cargo-fuzz's defaults work on stable as they are (release build with debug assertions and overflow checks,
# AddressSanitizer, libFuzzer from libfuzzer-sys); checked with rustc 1.95.0 and cargo-fuzz 0.13.2 on x86_64 Linux. `-s none` is not needed (it only makes the build a little faster).
# Building the targets from cold takes about 9-10 minutes on 2 cores; a later run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed (scripts/install-test-deps.sh, or cargo install cargo-fuzz --locked)" >&2
  exit 1
fi
if [ -n "${FUZZ_TOOLCHAIN:-}" ]; then
  fuzz=(cargo "+$FUZZ_TOOLCHAIN" fuzz)  # e.g. FUZZ_TOOLCHAIN=nightly (builds its own fuzz/target from cold)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi
opts=()
if [ -n "${FUZZ_TARGET_DIR:-}" ]; then opts+=(--target-dir "$FUZZ_TARGET_DIR"); fi
if [ -n "${FUZZ_DEV:-}" ]; then opts+=(--dev); fi
targets="${FUZZ_TARGETS:-$("${fuzz[@]}" list)}"
python3 scripts/fuzz-seed.py
"${fuzz[@]}" build "${opts[@]}"
mkdir -p fuzz/logs
for t in $targets; do
  echo "== $t: ${secs}s"
  log="fuzz/logs/$t.log"
  # -rss_limit_mb: the reader's memory bounds are checked elsewhere; this catches runaway growth per input.
  # -detect_leaks=0: LeakSanitizer flags std's per-thread channel context (48 bytes, std::sync::mpmc::context)
  # in the log reader's worker threads as a leak; that is std's thread-local, not ours, and leaks are not findings.
  status=0
  "${fuzz[@]}" run "${opts[@]}" "$t" "fuzz/corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 \
    -max_len=65536 -timeout=10 -detect_leaks=0 -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|SUMMARY|Done)|panicked' "$log" || true
  if [ "$status" != 0 ]; then
    tail -40 "$log" >&2
    echo "fuzz target $t failed (exit $status); log $log, input under fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
