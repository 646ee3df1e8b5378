#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets/) for SECONDS_PER_TARGET seconds (default 60), seeded from the
# real inputs (scripts/fuzz-seed.py). A crash fails the script; its input is under fuzz/artifacts/<target>/: copy
# it to fuzz/regressions/<target>/ (tests/fuzz_regressions.rs replays those on stable) and fix the parser.
# Uses `cargo +nightly fuzz` when a nightly toolchain is installed, else `RUSTC_BOOTSTRAP=1 cargo fuzz` on the
# default (stable) toolchain. FUZZ_TARGETS="zap prom" limits the targets.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed (cargo install cargo-fuzz --locked)" >&2
  exit 1
fi
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi
targets="${FUZZ_TARGETS:-$(cd fuzz && "${fuzz[@]}" list)}"
python3 scripts/fuzz-seed.py
"${fuzz[@]}" build
for t in $targets; do
  echo "== $t: ${secs}s"
  # -rss_limit_mb: the reader's memory bounds are checked elsewhere; this catches runaway growth per input.
  "${fuzz[@]}" run "$t" "fuzz/corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 \
    -timeout=10 -print_final_stats=1 2>&1 | grep -E '^(==|#[0-9]+ +DONE|stat::number_of_executed_units|SUMMARY|.*panicked|Done)' || true
  if [ "${PIPESTATUS[0]}" != 0 ]; then
    echo "fuzz target $t failed; see fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
