#!/usr/bin/env python3
"""Package a finished lab run directory as a test fixture (or as the bundled example).

    python3 lab/capture.py --run OUT --dest tests/fixtures/NAME --command "lab/run.sh ..."
    python3 lab/capture.py --run OUT --dest examples/karmada-slow-storage --example --command "..."

Fixture layout (tests/fixtures/NAME/):
    README.md             how and when it was captured, what happened (generated from the records)
    .lab-records.jsonl     the lab kubelet's / fault injector's own records (ground truth)
    pods.json events.json nodes.json   `kubectl get ... -A -o json` shaped lists (lab/objects)
    var/log/pods/<ns>_<pod>_<uid>/<container>/<restartCount>.log   CRI log files

Example layout (--example): `kubectl cluster-info dump --all-namespaces --output-directory` shape
(nodes.json, <ns>/*.json, <ns>/<pod>/logs.txt) + var-log-pods/ + README.md + .lab-records.jsonl.

Nothing is edited: files are copied byte for byte from the run; the README is generated.
Standard library only.
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import summarize  # noqa: E402

LAB_DIR = os.path.dirname(os.path.abspath(__file__))


def hms(at):
    return at[11:23] if at else "?"


def rel(at, t0):
    a = datetime.datetime.fromisoformat(at[:26].rstrip("Z"))
    b = datetime.datetime.fromisoformat(t0[:26].rstrip("Z"))
    return (a - b).total_seconds()


def request_timeout(renew_deadline):
    """The victims' per-request timeout: renew deadline / 2, at least 1s (lab/victim.py)."""
    s = renew_deadline.strip()
    sec = float(s[:-2]) / 1000 if s.endswith("ms") else float(s.rstrip("s"))
    t = max(1.0, sec / 2)
    return ("%gs" % t) if t >= 1 else ("%gms" % (t * 1000))


def tree(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for f in sorted(filenames):
            p = os.path.join(dirpath, f)
            out.append((os.path.relpath(p, root), os.path.getsize(p)))
    return out


def pod_states(dest):
    """ns/name -> 'running' / 'waiting: CrashLoopBackOff (back-off 40s ...)' from the packaged pods.json."""
    import glob
    out = {}
    for f in [os.path.join(dest, "pods.json")] + sorted(glob.glob(os.path.join(dest, "*", "pods.json"))):
        if not os.path.exists(f):
            continue
        with open(f) as fh:
            for p in json.load(fh).get("items", []):
                for c in p.get("status", {}).get("containerStatuses", []):
                    st = c.get("state", {})
                    if "waiting" in st:
                        w = st["waiting"]
                        msg = w.get("message", "")
                        desc = "waiting: %s (%s)" % (w.get("reason"), msg.split(" restarting")[0])
                    else:
                        desc = next(iter(st), "?")
                    out["%s/%s" % (p["metadata"]["namespace"], p["metadata"]["name"])] = desc
    return out


def fault_table(recs, t0):
    rows = []
    batch = None
    for r in recs:
        if r["kind"] != "fault":
            continue
        key = r["at"][:19]
        if r["action"] == "fdatasync_delay":
            cell = "%s=%s" % (r["member"], ("%dms" % (r["delay_us"] // 1000)) if r["delay_us"] else "0")
        elif r["action"] == "move_leader":
            cell = "move-leader -> %s (%s)" % (r["member"], r.get("note", ""))
        else:
            cell = "%s %s" % (r["action"], r["member"])
            if r.get("note"):
                cell += " (%s)" % r["note"]
        if batch and batch[0] == key:
            batch[2].append(cell)
        else:
            batch = [key, r["at"], [cell]]
            rows.append(batch)
    lines = ["| t+s | time (UTC) | change |", "|---:|---|---|"]
    for _, at, cells in rows:
        lines.append("| %.1f | %s | %s |" % (rel(at, t0), hms(at), ", ".join(cells)))
    return "\n".join(lines) if rows else "(no faults injected)"


def write_readme(dest, run_dir, command, title, example, notes):
    recs = summarize.load_records(run_dir)
    s = summarize.summarize(run_dir)
    run = next(r for r in recs if r["kind"] == "run")
    t0 = s["started"] or run["at"]
    vt = run["victim_timings"]
    bo = run["backoff"]
    L = []
    L.append("# %s" % title)
    L.append("")
    L.append("Captured from a **real run** of the etcd-triage lab (`lab/`), not written by hand. Real etcd "
             "processes, real injected faults, real process exits; files are byte-for-byte what the lab wrote. "
             "The Kubernetes objects are k8s-openapi types serialised by `lab/objects` from the lab kubelet's "
             "records (`.lab-records.jsonl`). Regenerate with the command below (the content will differ run to run).")
    L.append("")
    L.append("- Command: `%s`" % command)
    L.append("- Date (UTC): %s to %s (snapshot; logs end there)" % (t0, s["snapshot"]))
    L.append("- etcd: %s (`%s`, `--logger=%s`), 3 members node1..node3 on 127.0.0.1, heartbeat 100ms, election 1s (defaults)"
             % (run["etcd_version"], run["etcd_bin"], run["logger"]))
    L.append("- Machine: %d cores, kernel %s, %s" % (run.get("cpus", 0), run.get("kernel"), run.get("os_image")))
    L.append("- Scenario: `%s`" % run["scenario"])
    L.append("")
    if example:
        L.append("## Layout")
        L.append("")
        L.append("Shaped like `kubectl cluster-info dump --all-namespaces --output-directory=DIR` of a small edge "
                 "cluster (nodes node1/nuc, node2/rpi, node3/jetson, each running one etcd member as a static pod "
                 "`kube-system/etcd-nodeN`; Karmada's controller manager and scheduler in `karmada-system`):")
        L.append("")
        L.append("```")
        L.append("nodes.json                         NodeList")
        L.append("<ns>/pods.json events.json ...     PodList, EventList, ReplicaSetList, ... per namespace")
        L.append("<ns>/<pod>/logs.txt                current container log (raw, kubectl's START/END banners)")
        L.append("var-log-pods/<ns>_<pod>_<uid>/<container>/<restartCount>.log   CRI files incl. previous runs")
        L.append(".lab-records.jsonl                  the lab's own records (ground truth for this example)")
        L.append("```")
        L.append("")
        L.append("Expected reading: both controllers are crash-looping because they cannot renew their leader "
                 "leases while etcd's WAL fdatasync takes seconds on the members (shared slow storage: phases of 1.5s "
                 "and 3s, each member at 0.3x-1.2x of the phase value): "
                 "`slow fdatasync`, `apply request took too long`, ReadIndex and heartbeat warnings and elections "
                 "precede each `failed to renew lease` / `leader election lost` exit.")
        L.append("")
    L.append("## What was done")
    L.append("")
    for n in notes:
        L.append(n)
    L.append("")
    L.append("## Victim timings (scaled down from client-go defaults 15s/10s/2s)")
    L.append("")
    L.append("- lease duration %s, renew deadline %s, retry period %s, per-request timeout %s (= renew deadline / 2, "
             "at least 1s, as client-go's `resourcelock.NewFromKubeconfig`)" % (
                 vt["lease_duration"], vt["renew_deadline"], vt["retry_period"], request_timeout(vt["renew_deadline"])))
    L.append("- lab kubelet back-off: first restart immediate, then %ds doubling, capped at %ds (real kubelet: 10s..300s)"
             % (bo["initial_s"], bo["cap_s"]))
    L.append("- victims reach etcd directly through its v3 JSON gateway (no kube-apiserver in the lab); the error texts "
             "they log are the real errors they got (`etcdserver: ...` from etcd, `context deadline exceeded "
             "(Client.Timeout exceeded while awaiting headers)` from their own HTTP timeout)")
    L.append("")
    L.append("## Faults applied (from the lab's records)")
    L.append("")
    L.append(fault_table(recs, t0))
    L.append("")
    L.append("## Leader (lab monitor, `etcdctl endpoint status` about once a second; etcd's own raft lines are authoritative)")
    L.append("")
    L.append(", ".join("%s at t+%.0fs (%s)" % (l["member"], rel(l["at"], t0), hms(l["at"])) for l in s["leaders"]) or "(none seen)")
    L.append("")
    L.append("## Restarts")
    L.append("")
    states = pod_states(dest)
    L.append("| pod | node | restartCount at snapshot | state at snapshot (pods.json) | terminations (t+s, exit code, reason) |")
    L.append("|---|---|---:|---|---|")
    for k, v in s["victims"].items():
        ex = "; ".join("t+%.0f %d %s" % (rel(e["at"], t0), e["exit_code"], e["reason"]) for e in v["exits"])
        L.append("| %s | %s | %d | %s | %s |" % (k, v["node"], v["restart_count"], states.get(k, "?"), ex or "none"))
    L.append("")
    L.append("## etcd signal lines per member (counted by `lab/summarize.py`)")
    L.append("")
    cols = ["slow_fdatasync", "apply_too_long", "heartbeat", "election_started", "became_leader", "read_index_slow", "lines"]
    L.append("| member | " + " | ".join(cols) + " |")
    L.append("|---|" + "---:|" * len(cols))
    for k, v in s["members"].items():
        L.append("| %s | %s |" % (k, " | ".join(str(v[c]) for c in cols)))
    L.append("")
    L.append("slow_fdatasync = `slow fdatasync` (zap) / `sync duration of` (capnslog); apply_too_long = `apply request "
             "took too long` / `took too long (...) to execute`; heartbeat = `failed to send out heartbeat on time`; "
             "election_started = `is starting a new election`; became_leader = `became leader at term`; "
             "read_index_slow = ReadIndex retry/timeout warnings.")
    L.append("")
    L.append("## Files")
    L.append("")
    L.append("```")
    for p, size in tree(dest):
        if p == "README.md":
            continue
        L.append("%8d  %s" % (size, p))
    L.append("```")
    L.append("")
    L.append("## Caveats")
    L.append("")
    L.append("- The victims are lab stand-ins (`lab/victim.py`) that behave and log like client-go leader election "
             "(klog format; file:line values approximate); they are not the real Karmada binaries. klog's PID column "
             "is the real host PID (a container would usually show 1).")
    L.append("- The kubelet is the lab's (`lab/lab.py`): back-off, container records, CRI files and events follow "
             "kubelet/containerd behaviour but were not produced by them. It keeps every run's log file "
             "(a real kubelet keeps the current and previous one).")
    L.append("- All three \"nodes\" are one machine: node addresses/pod IPs are 127.0.0.1, nodeInfo kernel/OS are the "
             "real host's, kubeletVersion/containerRuntimeVersion/image names say `etcd-triage-lab`, "
             "hardware labels (nuc/rpi/jetson) are labels only.")
    if any(r["kind"] == "fault" and r["action"] == "fdatasync_delay" for r in recs):
        L.append("- Slow storage is `strace -e inject=fdatasync:delay_enter=N` on the running member (it also adds "
                 "ptrace overhead to every syscall while attached).")
    if example:
        L.append("- `logs.txt` is the current container's log (for a container in back-off: its last run), as "
                 "`kubectl logs` returns it; previous runs are in `var-log-pods/`.")
    L.append("")
    with open(os.path.join(dest, "README.md"), "w") as f:
        f.write("\n".join(L))


NOTES = {
    "shared-slow": [
        "fdatasync delay on **all** members (VMs on one shared datastore), ramped in cycles "
        "200ms -> 1.5s -> 3s -> recovery at 200ms, after 10s healthy warm-up. Within a phase the per-member delay "
        "rotates every 6s between 1.0x / 1.2x / 0.3x of the phase value (shared storage is never exactly equal; "
        "equal delays stall all raft loops alike and produce no elections).",
        "",
        "A steady writer (2 threads, ~10 puts/s each, 512-byte values) keeps the WAL busy. Victims: "
        "karmada-controller-manager on node1 (talks to etcd-node1), karmada-scheduler on node2 (talks to etcd-node2).",
    ],
    "leader-slow": [
        "fdatasync delay 2s on the **current leader only** (found with `etcdctl endpoint status -w json`), "
        "re-targeted within ~1s when leadership moves; 30s slow / 15s healthy cycles after a 10s warm-up.",
        "",
        "Victims: karmada-controller-manager on node1 (etcd-node1), karmada-scheduler on node2 (etcd-node2).",
    ],
    "oom": [
        "Healthy disks, no delay. karmada-controller-manager runs in a memory cgroup (cgroup v1, limit shown in "
        "pods.json resources) and leaks memory while leading, so the **kernel OOM killer** kills it for real "
        "(exit 137, reason OOMKilled from the cgroup's `oom_kill` counter; the kernel's own lines are in "
        ".lab-records.jsonl and the `OOMKilling` node event). karmada-scheduler on node2 is healthy.",
    ],
    "frozen": [
        "Healthy disks. Before each freeze the lab makes node1 the leader (`etcdctl move-leader`), then sends "
        "SIGSTOP to etcd-node1 for 8s and SIGCONT, repeatedly (about every 33s). Both victims run on node1 and talk "
        "to etcd-node1 (like an apiserver colocated with its etcd), so they lose their leases while it is frozen. "
        "On resume the stale leader prints the `likely from slow disk` heartbeat warning **with no disk problem**: "
        "there is no slow fdatasync in this fixture.",
    ],
    "moderate-slow": [
        "fdatasync delay of **{delay_ms}ms on every member** at once (`strace -e inject=fdatasync:delay_enter`), "
        "constant from t+10s to the end: moderate latency (an HDD, an SD card, a burst-credit cloud disk, shared VM "
        "storage), 25x etcd's 10ms guidance yet under its 1s `slow fdatasync` warning, so no member logs one. "
        "The delay applies to every fdatasync of the member: its WAL and its bbolt backend commits.",
        "",
        "A steady writer (2 threads, ~10 puts/s each, 512-byte values) keeps the WAL busy. Victims: "
        "karmada-controller-manager on node1 (etcd-node1), karmada-scheduler on node2 (etcd-node2), with short "
        "lease timings (below) so that renewals slowed to about a second fail within the renew deadline.",
    ],
    "moderate-slow-norestart": [
        "fdatasync delay of **{delay_ms}ms on every member** at once, constant from t+10s to the end, as in "
        "`moderate-slow`; no member logs `slow fdatasync` (under etcd's 1s warning).",
        "",
        "Victims: karmada-controller-manager on node1, karmada-scheduler on node2, with **long** lease timings "
        "(below) so that the slowed renewals still succeed: nobody loses a lease, every restartCount stays 0 "
        "(pods.json and events.json exist and say so). The incident is the storage alone.",
    ],
    "cpu-throttled-leader": [
        "Healthy disks: **no fdatasync delay**. From t+10s the current leader is CPU-starved: {throttle_text}, "
        "re-targeted when leadership moves (the lab's leader monitor, about once a second). The followers run "
        "unthrottled.",
        "",
        "Victims: karmada-controller-manager on node1 (etcd-node1), karmada-scheduler on node2 (etcd-node2), with "
        "the same short lease timings as `moderate-slow` so the two runs compare.",
    ],
    "slow-follower-config-error": [
        "The `config-error` victims: karmada-controller-manager with a misspelt flag "
        "(`--leader-elect-lease-duraton=15s`, `Error: unknown flag`, exit 1), karmada-scheduler with a kubeconfig "
        "path that does not exist (`F... error building kubeconfig`, exit 255); both crash-loop from their start.",
        "",
        "Meanwhile, from t+10s, **one follower's** fdatasync is delayed by **{delay_ms}ms** (a minority member "
        "with a bad disk; the leader and the other follower keep quorum). If the slow member became leader the "
        "delay would move to another follower (see the fault table).",
    ],
    "oom-slow-disk": [
        "The `oom` victims on a slow disk: karmada-controller-manager runs in a memory cgroup (cgroup v1, limit "
        "{memory_limit_mb} MiB, shown in pods.json resources) and leaks {leak_mb} MiB/s while leading, so the **kernel "
        "OOM killer** kills it for real (exit 137, reason OOMKilled from the cgroup's `oom_kill` counter; the "
        "kernel's own lines are in .lab-records.jsonl and the `OOMKilling` node event). karmada-scheduler on node2 "
        "does not leak.",
        "",
        "Meanwhile, from t+10s, **every member's** fdatasync is delayed by **{delay_ms}ms** (moderate latency, under "
        "etcd's 1s `slow fdatasync` warning).",
    ],
    "config-error": [
        "Healthy disks. karmada-controller-manager is started with a misspelt flag "
        "(`--leader-elect-lease-duraton=15s`) and exits at once (`Error: unknown flag`, exit 1); "
        "karmada-scheduler is given a kubeconfig path that does not exist and exits with `F... error building "
        "kubeconfig` (exit 255). Both crash-loop with kubelet back-off; etcd is healthy throughout.",
    ],
}


def notes_for(scenario, run, extra):
    params = dict(run.get("fault_params") or {})
    if params.get("throttle") == "cfs":
        params["throttle_text"] = ("its process is put in a cgroup v1 CPU cgroup with `cpu.cfs_quota_us=%d` per "
                                   "`cpu.cfs_period_us=%d` (%.1f%% of one CPU; a tight Kubernetes CPU limit)" % (
                                       params["cpu_quota_us"], params["cpu_period_us"],
                                       100.0 * params["cpu_quota_us"] / params["cpu_period_us"]))
    elif params.get("throttle") == "sigstop":
        params["throttle_text"] = "rapid SIGSTOP/SIGCONT cycles, stopped %dms out of every %dms" % (
            params["stop_ms"], params["period_ms"])
    notes = [n.format(**params) for n in NOTES.get(scenario, [])]
    return notes + ([""] + extra if extra else [])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run")
    ap.add_argument("--dest", required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--title")
    ap.add_argument("--example", action="store_true")
    ap.add_argument("--note", action="append", default=[])
    ap.add_argument("--readme-only", action="store_true",
                    help="regenerate DEST/README.md from the packaged files in DEST (no --run needed)")
    a = ap.parse_args()
    if a.readme_only:
        dest = os.path.abspath(a.dest)
        recs = summarize.load_records(dest)
        run = next(r for r in recs if r["kind"] == "run")
        notes = notes_for(run["scenario"], run, a.note)
        title = a.title or ("Fixture `%s`" % os.path.basename(dest))
        write_readme(dest, dest, a.command, title, a.example, notes)
        return
    run_dir = os.path.abspath(a.run)
    dest = os.path.abspath(a.dest)
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    recs = summarize.load_records(run_dir)
    run = next(r for r in recs if r["kind"] == "run")
    notes = notes_for(run["scenario"], run, a.note)
    shutil.copy(os.path.join(run_dir, "records.jsonl"), os.path.join(dest, ".lab-records.jsonl"))
    if a.example:
        shutil.copytree(os.path.join(run_dir, "var", "log", "pods"), os.path.join(dest, "var-log-pods"))
        objects = os.path.join(LAB_DIR, "objects", "target", "release", "lab-objects")
        subprocess.run([objects, "--records", os.path.join(run_dir, "records.jsonl"), "--dump", dest,
                        "--var-log-pods", os.path.join(run_dir, "var", "log", "pods")], check=True)
    else:
        shutil.copytree(os.path.join(run_dir, "var"), os.path.join(dest, "var"))
        for f in ("pods.json", "events.json", "nodes.json"):
            shutil.copy(os.path.join(run_dir, f), os.path.join(dest, f))
    title = a.title or ("Fixture `%s`" % os.path.basename(dest))
    write_readme(dest, run_dir, a.command, title, a.example, notes)
    total = sum(sz for _, sz in tree(dest))
    print("captured %s (%d files, %.0f KiB)" % (dest, len(tree(dest)), total / 1024))


if __name__ == "__main__":
    main()
