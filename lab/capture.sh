#!/usr/bin/env bash
# Run one lab scenario and package it as a fixture (or the bundled example).
#   lab/capture.sh DEST [--example] [--title T] -- <lab/run.sh arguments without --out>
# e.g. lab/capture.sh tests/fixtures/oom -- --scenario oom --duration 120
set -euo pipefail
LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$LAB_DIR/.." && pwd)"
dest="$1"; shift
cap_args=()
while [[ $# -gt 0 && "$1" != "--" ]]; do cap_args+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
run_args=("$@")
out="$(mktemp -d -t etcd-triage-capture.XXXXXX)"
trap 'rm -rf "$out"' EXIT
rmdir "$out"
cd "$ROOT"
"$LAB_DIR/run.sh" "${run_args[@]}" --out "$out"
printable=()
for a in "${run_args[@]}"; do
  case "$a" in /*/.cache/etcd-3.5.1/etcd) a='"$(lab/get-etcd-3.5.sh)"' ;; esac
  printable+=("$a")
done
python3 "$LAB_DIR/capture.py" --run "$out" --dest "$dest" "${cap_args[@]}" \
  --command "lab/run.sh ${printable[*]} --out DIR"
