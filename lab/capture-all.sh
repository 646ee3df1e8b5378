#!/usr/bin/env bash
# Re-capture every fixture under tests/fixtures/ and the bundled example (about 50 minutes).
set -euo pipefail
LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$LAB_DIR/.." && pwd)"
cd "$ROOT"
cargo build --quiet --release --manifest-path lab/objects/Cargo.toml
etcd35="$("$LAB_DIR/get-etcd-3.5.sh")"
only="${1:-}"
cap() { local name="$1"; shift; [[ -z "$only" || "$only" == "$name" ]] || return 0; echo "=== $name" >&2; "$LAB_DIR/capture.sh" "$@"; }
cap shared-slow tests/fixtures/shared-slow -- --scenario shared-slow --duration 240
cap leader-slow tests/fixtures/leader-slow -- --scenario leader-slow --duration 240
cap oom tests/fixtures/oom -- --scenario oom --duration 120
cap frozen tests/fixtures/frozen -- --scenario frozen --duration 180
cap config-error tests/fixtures/config-error -- --scenario config-error --duration 120
cap shared-slow-capnslog tests/fixtures/shared-slow-capnslog -- --scenario shared-slow --duration 150 --logger capnslog
cap shared-slow-etcd35 tests/fixtures/shared-slow-etcd35 -- --scenario shared-slow --duration 150 --etcd-bin "$etcd35" --config-via-env
cap moderate-slow tests/fixtures/moderate-slow -- --scenario moderate-slow --duration 120
cap moderate-slow-norestart tests/fixtures/moderate-slow-norestart -- --scenario moderate-slow-norestart --duration 120
cap cpu-throttled-leader tests/fixtures/cpu-throttled-leader -- --scenario cpu-throttled-leader --duration 150
cap slow-follower-config-error tests/fixtures/slow-follower-config-error -- --scenario slow-follower-config-error --duration 120
cap oom-slow-disk tests/fixtures/oom-slow-disk -- --scenario oom-slow-disk --duration 120
cap leader-slow-etcd35 tests/fixtures/leader-slow-etcd35 -- --scenario leader-slow --duration 240 --etcd-bin "$etcd35"
cap example examples/karmada-slow-storage --example \
  --title "Example: Karmada controllers crash-looping on an edge cluster whose etcd sits on slow shared storage" \
  -- --scenario shared-slow --duration 200
