#!/usr/bin/env python3
"""Summarise a lab run directory: victim restarts and reasons (from records.jsonl) and the
storage/consensus signal lines each etcd member printed (from its CRI log files).

    python3 lab/summarize.py OUT [--min-restarts N] [--json]

Exit status 1 when any victim has fewer than N restarts, or when --min-restarts is given for a
run whose scenario injects fdatasync delay and no member printed a slow-fdatasync line.
Standard library only.
"""

import argparse
import glob
import json
import os
import sys

SIGNALS = [
    # name, substrings (any); zap and capnslog wordings (shared/ETCD-SIGNALS.md §2)
    ("slow_fdatasync", ['"msg":"slow fdatasync"', "wal: sync duration of"]),
    ("apply_too_long", ['"msg":"apply request took too long"', ") to execute"]),
    ("heartbeat", ["failed to send out heartbeat on time"]),
    ("election_started", ["is starting a new election at term"]),
    ("became_leader", ["became leader at term"]),
    ("read_index_slow", ["waiting for ReadIndex response took too long", "timed out waiting for read index response"]),
]


def cri_content(line):
    parts = line.rstrip("\n").split(" ", 3)
    return parts[3] if len(parts) == 4 else ""


def records_path(out):
    for name in ("records.jsonl", ".lab-records.jsonl"):  # run dir / packaged fixture
        p = os.path.join(out, name)
        if os.path.exists(p):
            return p
    return os.path.join(out, "records.jsonl")


def pods_root(out):
    for p in (os.path.join(out, "var", "log", "pods"), os.path.join(out, "var-log-pods")):
        if os.path.isdir(p):
            return p
    return os.path.join(out, "var", "log", "pods")


def load_records(out):
    recs = []
    with open(records_path(out)) as f:
        for line in f:
            line = line.strip()
            if line:
                recs.append(json.loads(line))
    return recs


def summarize(out):
    recs = load_records(out)
    run = next((r for r in recs if r["kind"] == "run"), {})
    snap = next((r["at"] for r in recs if r["kind"] == "snapshot"), None)
    pods = [r for r in recs if r["kind"] == "pod" and not r.get("static")]
    victims = {}
    for p in pods:
        key = (p["namespace"], p["name"])
        starts = [r for r in recs if r["kind"] == "container_start" and (r["namespace"], r["pod"]) == key]
        exits = [r for r in recs if r["kind"] == "container_exit" and (r["namespace"], r["pod"]) == key]
        reasons = {}
        for e in exits:
            k = "%s/%d" % (e["reason"], e["exit_code"])
            reasons[k] = reasons.get(k, 0) + 1
        victims["%s/%s" % key] = {
            "node": p["node"],
            "restart_count": max(0, len(starts) - 1),
            "terminations": reasons,
            "exits": [{"at": e["at"], "exit_code": e["exit_code"], "reason": e["reason"]} for e in exits],
        }
    members = {}
    for d in sorted(glob.glob(os.path.join(pods_root(out), "kube-system_etcd-*"))):
        name = os.path.basename(d).split("_")[1]
        counts = {n: 0 for n, _ in SIGNALS}
        lines = 0
        for f in sorted(glob.glob(os.path.join(d, "etcd", "*.log"))):
            with open(f, errors="replace") as fh:
                for line in fh:
                    lines += 1
                    c = cri_content(line)
                    for n, subs in SIGNALS:
                        if any(s in c for s in subs):
                            counts[n] += 1
        counts["lines"] = lines
        members[name] = counts
    faults = [r for r in recs if r["kind"] == "fault"]
    leaders = [{"at": r["at"], "member": r["member"]} for r in recs if r["kind"] == "leader"]
    return {
        "scenario": run.get("scenario"),
        "etcd_version": run.get("etcd_version"),
        "logger": run.get("logger"),
        "started": next((r["at"] for r in recs if r["kind"] == "lab_start"), None),
        "snapshot": snap,
        "victims": victims,
        "members": members,
        "faults": faults,
        "leaders": leaders,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--min-restarts", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    s = summarize(a.out)
    if a.json:
        json.dump(s, sys.stdout, indent=2)
        print()
    else:
        print("scenario %s, etcd %s (%s logger), %s .. %s" % (s["scenario"], s["etcd_version"], s["logger"],
                                                              s["started"], s["snapshot"]))
        for k, v in s["victims"].items():
            print("  victim %-55s node %-6s restarts %d  terminations %s" % (k, v["node"], v["restart_count"],
                                                                              v["terminations"]))
        for k, v in s["members"].items():
            print("  member %-6s %s" % (k, " ".join("%s=%d" % kv for kv in v.items())))
        print("  leader changes seen by the lab monitor: %s" % ", ".join(
            "%s@%s" % (l["member"], l["at"][11:19]) for l in s["leaders"]))
    bad = []
    if a.min_restarts:
        for k, v in s["victims"].items():
            if v["restart_count"] < a.min_restarts:
                bad.append("%s restarted %d times (< %d)" % (k, v["restart_count"], a.min_restarts))
        if s["scenario"] in ("shared-slow", "leader-slow", "slow-follower-config-error") and not any(
                m["slow_fdatasync"] for m in s["members"].values()):
            bad.append("no etcd member printed a slow fdatasync / sync duration line")
    if bad:
        for b in bad:
            print("lab: FAIL: " + b, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
