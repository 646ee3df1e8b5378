#!/usr/bin/env bash
# etcd-triage lab: reproduce a CrashLoopBackOff incident with a real 3-member etcd cluster.
#
#   lab/run.sh --scenario NAME --duration SECONDS --out DIR
#              NAME: shared-slow leader-slow oom frozen config-error moderate-slow moderate-slow-norestart
#                    cpu-throttled-leader slow-follower-config-error oom-slow-disk
#              [--logger zap|capnslog] [--etcd-bin PATH] [--skip-objects] [--min-restarts N] [lab.py options]
#
# Checks prerequisites, runs lab/lab.py, then builds pods.json/events.json/nodes.json with the
# lab/objects crate. Every process the lab starts is stopped on exit, including on failure or Ctrl-C.
# See lab/README.md.
set -euo pipefail

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "lab/run.sh: error: $*" >&2; exit 2; }

scenario="" duration="" out="" etcd_bin="" logger="zap" skip_objects=0 min_restarts=0
pass=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scenario) scenario="${2:-}"; shift 2 ;;
    --scenario=*) scenario="${1#*=}"; shift ;;
    --duration) duration="${2:-}"; shift 2 ;;
    --duration=*) duration="${1#*=}"; shift ;;
    --out) out="${2:-}"; shift 2 ;;
    --out=*) out="${1#*=}"; shift ;;
    --etcd-bin) etcd_bin="${2:-}"; shift 2 ;;
    --etcd-bin=*) etcd_bin="${1#*=}"; shift ;;
    --logger) logger="${2:-}"; shift 2 ;;
    --logger=*) logger="${1#*=}"; shift ;;
    --skip-objects) skip_objects=1; shift ;;
    --min-restarts) min_restarts="${2:-}"; shift 2 ;;
    --min-restarts=*) min_restarts="${1#*=}"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) pass+=("$1"); shift ;;
  esac
done
[[ -n "$scenario" ]] || die "--scenario is required (shared-slow, leader-slow, oom, frozen, config-error, moderate-slow, moderate-slow-norestart, cpu-throttled-leader, slow-follower-config-error, oom-slow-disk)"
[[ -n "$out" ]] || die "--out DIR is required"
duration="${duration:-180}"
[[ "$duration" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--duration must be a number of seconds"

# ---- prerequisites (fail loudly and early) -------------------------------------------------------
command -v python3 >/dev/null || die "python3 not found"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' || die "python3 >= 3.8 required"
if [[ -z "$etcd_bin" ]]; then
  etcd_bin="$(command -v etcd || true)"
  [[ -n "$etcd_bin" ]] || die "etcd not found (Debian: apt-get install etcd-server etcd-client strace)"
fi
[[ -x "$etcd_bin" ]] || die "etcd binary '$etcd_bin' is not executable"
command -v etcdctl >/dev/null || die "etcdctl not found (Debian: apt-get install etcd-client)"
case "$scenario" in
  shared-slow|leader-slow|moderate-slow|moderate-slow-norestart|slow-follower-config-error|oom-slow-disk)
    command -v strace >/dev/null || die "strace not found (Debian: apt-get install strace)"
    # ptrace permission: attach to a throw-away process, as the lab will attach to etcd
    sleep 30 & probe=$!
    if ! msg="$(timeout -s INT 1 strace -qq -p "$probe" -e trace=none -o /dev/null 2>&1)"; then
      if grep -qiE 'not permitted|attach' <<<"$msg"; then
        kill "$probe" 2>/dev/null || true
        die "strace cannot attach to a running process ($msg). Need root or CAP_SYS_PTRACE and kernel.yama.ptrace_scope=0/1 for own children"
      fi
    fi
    kill "$probe" 2>/dev/null || true; wait "$probe" 2>/dev/null || true
    if [[ "$scenario" == oom-slow-disk && ! -w /sys/fs/cgroup/memory ]]; then
      die "oom-slow-disk needs a writable cgroup v1 memory controller at /sys/fs/cgroup/memory"
    fi
    ;;
  oom)
    [[ -w /sys/fs/cgroup/memory ]] || die "oom scenario needs a writable cgroup v1 memory controller at /sys/fs/cgroup/memory"
    ;;
  cpu-throttled-leader)
    if [[ " ${pass[*]} " != *" sigstop "* && " ${pass[*]} " != *"--throttle=sigstop"* && ! -w /sys/fs/cgroup/cpu ]]; then
      die "cpu-throttled-leader (CFS quota) needs a writable cgroup v1 cpu controller at /sys/fs/cgroup/cpu (or --throttle sigstop)"
    fi
    ;;
  frozen|config-error) ;;
  *) die "unknown scenario '$scenario'" ;;
esac

mkdir -p "$out"
out="$(cd "$out" && pwd)"
[[ -z "$(ls -A "$out" 2>/dev/null)" ]] || die "--out $out is not empty"

# ---- cleanup: whatever lab.py spawned dies with us ---------------------------------------------
state="$(mktemp -d -t etcd-triage-lab-run.XXXXXX)"
pidfile="$state/pids"
: >"$pidfile"
lab_pid=""
lab_pid_saved=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$lab_pid" ]] && kill -0 "$lab_pid" 2>/dev/null; then
    kill -TERM "$lab_pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$lab_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$lab_pid" 2>/dev/null || true
  fi
  # etcd first (a traced etcd is stopped by killing etcd, not strace), then anything else left.
  if [[ -s "$pidfile" ]]; then
    while read -r p; do
      [[ -n "$p" ]] || continue
      if [[ "$(cat /proc/"$p"/comm 2>/dev/null)" == etcd ]]; then kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; fi
    done <"$pidfile"
    sleep 0.5
    # only processes this run started (pid from lab.py) and still of a kind it starts
    while read -r p; do
      [[ -n "$p" ]] || continue
      case "$(cat /proc/"$p"/comm 2>/dev/null)" in
        etcd|strace|python3*|sh) kill -KILL "$p" 2>/dev/null ;;
      esac
    done <"$pidfile"
  fi
  # this run's memory cgroup only (lab.py names it after its own pid)
  if [[ -n "$lab_pid_saved" ]]; then
    cg="/sys/fs/cgroup/memory/etcd-triage-lab-$lab_pid_saved"
    if [[ -d "$cg" ]]; then
      for sub in "$cg"/*/; do
        [[ -f "$sub/cgroup.procs" ]] || continue
        while read -r p; do kill -KILL "$p" 2>/dev/null; done <"$sub/cgroup.procs"
        sleep 0.2
        rmdir "$sub" 2>/dev/null || true
      done
      rmdir "$cg" 2>/dev/null || true
    fi
  fi
  # this run's CPU cgroup (cpu-throttled-leader --throttle cfs), emptied by the kills above
  if [[ -n "$lab_pid_saved" && -d "/sys/fs/cgroup/cpu/etcd-triage-lab-$lab_pid_saved" ]]; then
    rmdir "/sys/fs/cgroup/cpu/etcd-triage-lab-$lab_pid_saved" 2>/dev/null || true
  fi
  rm -rf "$state"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "lab/run.sh: scenario=$scenario duration=${duration}s etcd=$etcd_bin logger=$logger out=$out" >&2
set +e
python3 "$LAB_DIR/lab.py" --scenario "$scenario" --duration "$duration" --out "$out" \
  --etcd-bin "$etcd_bin" --logger "$logger" --pidfile "$pidfile" "${pass[@]}" &
lab_pid=$!
lab_pid_saved=$lab_pid
wait "$lab_pid"
rc=$?
lab_pid=""
set -e
[[ $rc -eq 0 ]] || die "lab driver failed (exit $rc)"

# ---- Kubernetes objects from the lab kubelet's records -----------------------------------------
if [[ $skip_objects -eq 0 ]]; then
  command -v cargo >/dev/null || die "cargo not found: cannot build lab/objects (use --skip-objects to skip)"
  cargo build --quiet --release --manifest-path "$LAB_DIR/objects/Cargo.toml" >&2 \
    || die "building lab/objects failed"
  "$LAB_DIR/objects/target/release/lab-objects" --records "$out/records.jsonl" --out "$out" \
    || die "lab-objects failed"
fi

# ---- verdict --------------------------------------------------------------------------------------
python3 "$LAB_DIR/summarize.py" "$out" --min-restarts "$min_restarts"
