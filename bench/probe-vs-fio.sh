#!/usr/bin/env bash
# Compares `kubectl-etcd_triage probe-disk` with the etcd docs' fio test on the same folder, on the normal disk and
# with fdatasync latency injected by strace into each of them, and prints both percentile sets side by side.
# PASS when the probe's fdatasync p99 is within 15% of fio's in every condition (exit 1 otherwise).
#
#   bench/probe-vs-fio.sh [DIR]       (DIR defaults to a temporary folder under target/)
#   DELAY_US=5000 sets the injected delay (default 5 ms); REPEAT=3 runs each tool that many times, alternating, and
#   compares the runs' medians (sub-millisecond p99s on a shared VM vary by 2x from run to run).
# Needs fio and strace (Debian: apt-get install fio strace).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in fio strace python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (Debian: apt-get install fio strace)" >&2; exit 1; }
done
DELAY_US="${DELAY_US:-5000}"
REPEAT="${REPEAT:-3}"
cargo build --release --quiet
BIN="$PWD/target/release/kubectl-etcd_triage"
mkdir -p target
WORK="$(mktemp -d "${1:-$PWD/target}/probe-vs-fio.XXXXXX")"
trap 'rm -rf "$WORK" "$WORK.probe" "$WORK.fio"' EXIT

probe() { "$@" "$BIN" probe-disk --dir "$WORK" -o json; }
fio_run() {
  "$@" fio --rw=write --ioengine=sync --fdatasync=1 --directory="$WORK" --size=22m --bs=2300 --name=mytest \
    --output-format=json
  rm -f "$WORK"/mytest*
}
inject() { strace -f -qq -o /dev/null -e trace=fdatasync -e "inject=fdatasync:delay_enter=${DELAY_US}" -- "$@"; }
plain() { "$@"; }

status=0
for condition in normal injected; do
  if [ "$condition" = normal ]; then wrap=plain; else wrap=inject; fi
  : > "$WORK.probe" ; : > "$WORK.fio"
  for _ in $(seq "$REPEAT"); do
    probe $wrap | tr -d '\n' >> "$WORK.probe"; echo >> "$WORK.probe"
    fio_run $wrap | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))' >> "$WORK.fio"
  done
  PROBE="$WORK.probe" FIO="$WORK.fio" CONDITION="$condition" DELAY_US="$DELAY_US" python3 - <<'EOF' || status=1
import json, os, statistics, sys
keys = ["p50", "p90", "p99", "p99_9", "max"]
probes = [json.loads(l)["fdatasync_ms"] for l in open(os.environ["PROBE"]) if l.strip()]
fios = []
for l in open(os.environ["FIO"]):
    if not l.strip():
        continue
    j = json.loads(l)["jobs"][0]["sync"]["lat_ns"]
    pct = j["percentile"]
    raw = {"p50": pct["50.000000"], "p90": pct["90.000000"], "p99": pct["99.000000"], "p99_9": pct["99.900000"], "max": j["max"]}
    fios.append({k: v / 1e6 for k, v in raw.items()})
p = {k: statistics.median(r[k] for r in probes) for k in keys}
f = {k: statistics.median(r[k] for r in fios) for k in keys}
print("\n(medians of %d runs each; p99 per run: probe %s, fio %s)" % (len(probes),
      " ".join("%.3f" % r["p99"] for r in probes), " ".join("%.3f" % r["p99"] for r in fios)))
cond = os.environ["CONDITION"]
label = cond if cond == "normal" else "%s (+%.1f ms per fdatasync)" % (cond, int(os.environ["DELAY_US"]) / 1000)
print("\n%s: fdatasync latency, ms" % label)
print("  %-8s %10s %10s" % ("", "probe", "fio"))
for k in ["p50", "p90", "p99", "p99_9", "max"]:
    print("  %-8s %10.3f %10.3f" % (k.replace("_", "."), p[k], f[k]))
diff = abs(p["p99"] - f["p99"]) / f["p99"] if f["p99"] > 0 else float("inf")
ok = diff <= 0.15
print("  p99 difference %.1f%% (limit 15%%): %s" % (diff * 100, "PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
EOF
done
exit $status
