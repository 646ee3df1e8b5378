#!/usr/bin/env python3
"""Builds a real journal file from verbatim log lines and prints it with the real journalctl in each output mode.

Input: `<name>.messages` files (one verbatim log line per line, see README.md for their sources) and the lab's
etcd-node1 CRI capture. The journal metadata (unit, identifier, pid, host, wall time) is set here; the wall time is
the inner line's own time (the kernel/journald clock of the original node is unknown). Output: `<name>.<mode>.txt`.
Run: python3 make.py (needs systemd-journal-remote and journalctl).
"""
import datetime, glob, json, os, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

def inner_time(line):
    m = re.search(r'"ts":"([^"]+)"', line) or re.match(r'time="([^"]+)"', line)
    if m:
        s = m.group(1)
        s = re.sub(r'([+-]\d\d)(\d\d)$', r'\1:\2', s.replace('Z', '+00:00'))
        s = re.sub(r'\.(\d{6})\d+', r'.\1', s)
        return datetime.datetime.fromisoformat(s)
    return None

def export_entry(fields):
    out = b""
    for k, v in fields:
        v = v.encode()
        if b"\n" in v:
            out += k.encode() + b"\n" + len(v).to_bytes(8, "little") + v + b"\n"
        else:
            out += k.encode() + b"=" + v + b"\n"
    return out + b"\n"

def journal(name, unit, ident, pid, host, lines):
    entries = b""
    last = None
    for i, line in enumerate(lines):
        t = inner_time(line) or last
        last = t
        us = int(t.timestamp() * 1_000_000)
        entries += export_entry([
            ("__REALTIME_TIMESTAMP", str(us)),
            ("__MONOTONIC_TIMESTAMP", str(1_000_000 + i)),
            ("_BOOT_ID", "0123456789abcdef0123456789abcdef"),
            ("_HOSTNAME", host), ("_SYSTEMD_UNIT", unit), ("SYSLOG_IDENTIFIER", ident),
            ("_PID", str(pid)), ("PRIORITY", "6"), ("_TRANSPORT", "stdout"), ("MESSAGE", line),
        ])
    with tempfile.TemporaryDirectory() as d:
        src, jf = os.path.join(d, "in.export"), os.path.join(d, "out.journal")
        open(src, "wb").write(entries)
        subprocess.run(["/lib/systemd/systemd-journal-remote", "-o", jf, src], check=True)
        env = dict(os.environ, TZ="UTC", SYSTEMD_COLORS="0")
        for mode in ["short", "short-iso", "short-precise", "json", "cat"]:
            out = subprocess.run(["journalctl", "--no-pager", "--file", jf, "-o", mode], env=env,
                                 check=True, capture_output=True).stdout
            open(os.path.join(HERE, f"{name}.{mode}.txt"), "wb").write(out)

def main():
    journal("k3s-2853", "k3s.service", "k3s", 2189071, "dev-ln01",
            open(os.path.join(HERE, "k3s-2853.messages")).read().splitlines())
    journal("rancher-30483", "k3s.service", "k3s", 30483, "rancher-node",
            open(os.path.join(HERE, "rancher-30483.messages")).read().splitlines())
    pods = glob.glob(os.path.join(ROOT, "tests/fixtures/shared-slow/var/log/pods/kube-system_etcd-node1_*/etcd/0.log"))
    lines = []
    for l in open(pods[0]).read().splitlines()[:160]:
        parts = l.split(" ", 3)
        if len(parts) == 4 and parts[2] == "F":
            lines.append(parts[3])
    journal("etcd-node1", "etcd.service", "etcd", 9683, "node1", lines)

main()
