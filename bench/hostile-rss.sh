#!/usr/bin/env bash
# Peak RSS on hostile input shapes (issue 11: "memory stays under the documented bound whatever the shape").
#
#   bench/hostile-rss.sh [LINE_MIB]
#
# 1. `analyze` of one etcd log whose first line is LINE_MIB (default 1024) MiB long, followed by a real
#    slow-fdatasync record: the over-long line is skipped (counted in a gap), the record after it is read.
# 2. Live runs against the tests' fake API server serving a huge pod-list page, a pod with many containers, a
#    repeated continue token and endless log streams that ignore limitBytes (tests/hostile_api.rs, ignored test
#    `hostile_rss`, sizes from ETCD_TRIAGE_HOSTILE_PAGE_MIB / _CONTAINERS; SKIP_LIVE=1 skips them).
# Prints "Maximum resident set size" from /usr/bin/time -v for each; nothing is asserted here.
# BIN=path/to/kubectl-etcd_triage measures another build (e.g. an older one for a before/after figure).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
line_mib=${1:-1024}
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed: scripts/install-test-deps.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "${BIN:-}" ]; then
  cargo build --quiet --manifest-path "$here/Cargo.toml"
  BIN="${CARGO_TARGET_DIR:-$here/target}/debug/kubectl-etcd_triage"
fi

dir="$work/var/log/pods/kube-system_etcd-node1_uid/etcd"
mkdir -p "$dir"
record='2026-11-25T02:18:56.56850271Z stderr F {"level":"warn","ts":"2026-11-25T02:18:56.568Z","caller":"wal/wal.go:808","msg":"slow fdatasync","took":"1.501079136s","expected-duration":"1s"}'
{
  printf '2026-11-25T02:18:55.000000000Z stderr F {"level":"info","ts":"2026-11-25T02:18:55.000Z","msg":"'
  head -c "$((line_mib * 1048576))" /dev/zero | tr '\0' x
  printf '"}\n%s\n' "$record"
} > "$dir/0.log"
out="$work/report.json"
/usr/bin/time -v "$BIN" analyze "$work/var" -o json > "$out" 2> "$work/time.txt" || true
rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$work/time.txt")
wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$work/time.txt")
gap=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(next((g["why"] for g in r.get("gaps",[]) if "line cap" in g["why"] or "malformed" in g["what"]), "(no gap)"))' "$out" 2>/dev/null || echo "(no report)")
echo "one ${line_mib} MiB line: peak RSS $((rss / 1024)) MiB, wall $wall; gap: $gap"
rm -f "$dir/0.log"

# The live shapes: the ignored test drives the binary under /usr/bin/time -v and prints one line per shape.
if [ -z "${SKIP_LIVE:-}" ] && [ -f "$here/tests/hostile_api.rs" ]; then
  ETCD_TRIAGE_HOSTILE_BIN="$BIN" cargo test --quiet --manifest-path "$here/Cargo.toml" --test hostile_api \
    -- --ignored --nocapture hostile_rss 2>&1 | grep -E '^(rss|test result)' || true
fi
