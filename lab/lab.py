#!/usr/bin/env python3
"""etcd-triage lab driver: reproduces CrashLoopBackOff incidents with a REAL 3-member etcd cluster.

Called by lab/run.sh (which checks prerequisites and cleans up after us even if we are killed).
Standard library only. Everything listens on 127.0.0.1.

Pieces
------
* etcd members node1..node3 (real etcd binary), stderr captured into CRI log files the way
  containerd writes them: var/log/pods/kube-system_etcd-nodeN_<uid>/etcd/0.log
* writer load: steady puts through etcd's v3 JSON gateway.
* victims: lab/victim.py (a client-go-like leader-elected controller stand-in) run by a lab
  "kubelet" that restarts them with kubelet's CrashLoopBackOff back-off, records every run
  (records.jsonl) and writes their stderr as CRI files <restartCount>.log.
* faults: fdatasync delay injected with `strace -e inject=fdatasync:delay_enter=N` attached to
  running members, SIGSTOP/SIGCONT of the leader, a memory-limited cgroup (real OOM kill).
"""

import argparse
import base64
import datetime
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid

LAB_DIR = os.path.dirname(os.path.abspath(__file__))
VICTIM = os.path.join(LAB_DIR, "victim.py")
CGROUP_MEM_ROOT = "/sys/fs/cgroup/memory"
CGROUP_CPU_ROOT = "/sys/fs/cgroup/cpu"

NODES = [
    # member/node name, hardware label used in the objects (motivating case: an edge cluster)
    ("node1", "nuc"),
    ("node2", "rpi"),
    ("node3", "jetson"),
]


def log(msg):
    sys.stderr.write("[lab %s] %s\n" % (datetime.datetime.now().strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def rfc3339nano(ns=None):
    """Go's time.RFC3339Nano in UTC (trailing zeros of the fraction trimmed), as containerd writes."""
    if ns is None:
        ns = time.time_ns()
    sec, frac = divmod(ns, 1_000_000_000)
    base = datetime.datetime.fromtimestamp(sec, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        base += "." + ("%09d" % frac).rstrip("0")
    return base + "Z"


def iso_now():
    return rfc3339nano()


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class Records:
    """records.jsonl: every fact the lab kubelet / fault injector knows, in time order."""

    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def add(self, kind, **fields):
        rec = {"kind": kind, "at": fields.pop("at", None) or iso_now()}
        rec.update(fields)
        with self.lock:
            self.f.write(json.dumps(rec, sort_keys=False) + "\n")
        return rec

    def close(self):
        self.f.close()


class PidFile:
    """Every pid we spawn, so run.sh's EXIT trap can kill leftovers if this driver dies."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def add(self, pid):
        if not self.path:
            return
        with self.lock:
            with open(self.path, "a") as f:
                f.write("%d\n" % pid)


FROZEN = threading.Event()  # set at the snapshot: later output (teardown) is not part of the incident


class CriLog:
    """Writes `<RFC3339Nano> <stream> <P|F> <content>` like containerd's CRI logger.
    containerd splits lines longer than 16 KiB into P(artial) records."""

    MAX = 16 * 1024

    def __init__(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.f = open(path, "ab", buffering=0)
        self.lock = threading.Lock()

    def write_line(self, stream, raw):
        full = raw.endswith(b"\n")
        content = raw[:-1] if full else raw
        ts = rfc3339nano().encode()
        out = []
        while len(content) > self.MAX:
            out.append(ts + b" " + stream + b" P " + content[: self.MAX] + b"\n")
            content = content[self.MAX:]
        out.append(ts + b" " + stream + (b" F " if full else b" P ") + content + b"\n")
        with self.lock:
            if FROZEN.is_set():
                return
            self.f.write(b"".join(out))

    def pump(self, pipe, stream):
        def run():
            try:
                for raw in iter(pipe.readline, b""):
                    self.write_line(stream, raw)
            except Exception:
                pass
            finally:
                try:
                    pipe.close()
                except Exception:
                    pass

        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t

    def close(self):
        try:
            self.f.close()
        except Exception:
            pass


def http_post(url, body, timeout):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"{}")


def b64(s):
    return base64.b64encode(s if isinstance(s, bytes) else s.encode()).decode()


# ---------------------------------------------------------------------------------------------
# etcd cluster
# ---------------------------------------------------------------------------------------------

class Member:
    def __init__(self, name, hw, client_port, peer_port):
        self.name = name
        self.hw = hw
        self.client_port = client_port
        self.peer_port = peer_port
        self.client_url = "http://127.0.0.1:%d" % client_port
        self.peer_url = "http://127.0.0.1:%d" % peer_port
        self.proc = None
        self.member_id = None  # hex, no leading zeros
        self.pod_uid = str(uuid.uuid4())
        self.container_id = uuid.uuid4().hex + uuid.uuid4().hex
        self.log = None
        self.argv = None

    @property
    def pod(self):
        return "etcd-" + self.name


class Cluster:
    def __init__(self, lab, etcd_bin, logger, version):
        self.lab = lab
        self.etcd_bin = etcd_bin
        self.logger = logger
        self.version = version
        ports = free_ports(6)
        self.members = [Member(n, hw, ports[2 * i], ports[2 * i + 1]) for i, (n, hw) in enumerate(NODES)]
        self.by_id = {}

    def endpoints(self):
        return ",".join(m.client_url for m in self.members)

    def start(self):
        initial = ",".join("%s=%s" % (m.name, m.peer_url) for m in self.members)
        for m in self.members:
            data = os.path.join(self.lab.work, "data", m.name)
            os.makedirs(data, exist_ok=True)
            argv = [
                self.etcd_bin,
                "--name=" + m.name,
                "--data-dir=" + data,
                "--listen-client-urls=" + m.client_url,
                "--advertise-client-urls=" + m.client_url,
                "--listen-peer-urls=" + m.peer_url,
                "--initial-advertise-peer-urls=" + m.peer_url,
                "--initial-cluster=" + initial,
                "--initial-cluster-state=new",
                "--logger=" + self.logger,
            ]
            env = dict(os.environ)
            if self.lab.args.config_via_env:
                # as many distributions/charts do; etcd logs "recognized and used environment variable"
                # (3.5.0-3.5.2: from zap.NewProduction, with a float-epoch "ts")
                env.update(ETCD_INITIAL_CLUSTER_TOKEN="etcd-triage-lab", ETCD_HEARTBEAT_INTERVAL="100",
                           ETCD_ELECTION_TIMEOUT="1000")
            else:
                argv.insert(-1, "--initial-cluster-token=etcd-triage-lab")
            if self.logger == "zap":
                argv.append("--log-outputs=stderr")
            m.argv = argv
            m.log = CriLog(os.path.join(self.lab.pods_dir, "kube-system_%s_%s" % (m.pod, m.pod_uid), "etcd", "0.log"))
            self.lab.records.add(
                "pod", namespace="kube-system", name=m.pod, uid=m.pod_uid, node=m.name,
                labels={"component": "etcd", "tier": "control-plane"},
                annotations={
                    "kubernetes.io/config.source": "file",
                    "kubeadm.kubernetes.io/etcd.advertise-client-urls": m.client_url,
                },
                static=True,
                containers=[{"name": "etcd", "image": self.lab.etcd_image, "command": argv}],
                host_network=True,
            )
            self.lab.records.add("container_start", namespace="kube-system", pod=m.pod, container="etcd",
                                 restart_count=0, container_id=m.container_id, image=self.lab.etcd_image)
            m.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, start_new_session=True, env=env)
            self.lab.pids.add(m.proc.pid)
            m.log.pump(m.proc.stderr, b"stderr")
            m.log.pump(m.proc.stdout, b"stdout")
        deadline = time.time() + 30
        for m in self.members:
            while True:
                try:
                    with urllib.request.urlopen(m.client_url + "/health", timeout=2) as r:
                        if json.loads(r.read()).get("health") in ("true", True):
                            break
                except Exception:
                    pass
                if m.proc.poll() is not None:
                    raise RuntimeError("etcd member %s exited during start-up (code %s)" % (m.name, m.proc.returncode))
                if time.time() > deadline:
                    raise RuntimeError("etcd member %s did not become healthy within 30s" % m.name)
                time.sleep(0.3)
        out = self.etcdctl(["member", "list", "-w", "json"], timeout=10)
        for mem in json.loads(out)["members"]:
            for m in self.members:
                if mem["name"] == m.name:
                    m.member_id = "%x" % mem["ID"]
                    self.by_id[mem["ID"]] = m
        log("etcd cluster up: " + ", ".join("%s=%s (id %s)" % (m.name, m.client_url, m.member_id) for m in self.members))

    def etcdctl(self, args, timeout=10, endpoints=None):
        env = dict(os.environ, ETCDCTL_API="3")
        cmd = [self.lab.etcdctl, "--endpoints=" + (endpoints or self.endpoints()), "--command-timeout=3s"] + args
        r = subprocess.run(cmd, env=env, capture_output=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError("etcdctl %s failed: %s" % (" ".join(args), r.stderr.decode(errors="replace").strip()))
        return r.stdout.decode()

    def leader(self):
        """Current leader Member via `etcdctl endpoint status -w json` (None if unknown)."""
        try:
            out = self.etcdctl(["endpoint", "status", "-w", "json"], timeout=8)
        except Exception:
            return None
        votes = {}
        for st in json.loads(out):
            lid = st.get("Status", {}).get("leader")
            if lid:
                votes[lid] = votes.get(lid, 0) + 1
        if not votes:
            return None
        lid = max(votes, key=votes.get)
        return self.by_id.get(lid)

    def stop(self):
        for m in self.members:
            if m.proc and m.proc.poll() is None:
                try:
                    os.kill(m.proc.pid, signal.SIGCONT)  # in case it is frozen
                    m.proc.terminate()
                except ProcessLookupError:
                    pass
        for m in self.members:
            if m.proc:
                try:
                    m.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    m.proc.kill()
                    m.proc.wait(timeout=10)


# ---------------------------------------------------------------------------------------------
# fault injection
# ---------------------------------------------------------------------------------------------

class Tracer:
    """fdatasync delay on one member: `strace -p PID -f -e inject=fdatasync:delay_enter=N`."""

    def __init__(self, lab, member):
        self.lab = lab
        self.member = member
        self.proc = None
        self.delay_us = 0

    def set_delay(self, delay_us):
        if delay_us == self.delay_us and (delay_us == 0 or (self.proc and self.proc.poll() is None)):
            return
        self.detach()
        if delay_us <= 0 or self.member.proc.poll() is not None:
            self.delay_us = 0
            return
        out = open(os.path.join(self.lab.work, "strace-%s.log" % self.member.name), "ab")
        self.proc = subprocess.Popen(
            [self.lab.strace, "-p", str(self.member.proc.pid), "-f", "-qq", "-e", "trace=fdatasync",
             "-e", "inject=fdatasync:delay_enter=%d" % delay_us, "-o", "/dev/null"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
        out.close()
        self.lab.pids.add(self.proc.pid)
        self.delay_us = delay_us
        time.sleep(0.3)
        if self.proc.poll() is not None:
            raise RuntimeError("strace could not attach to %s (pid %d); see %s" % (
                self.member.name, self.member.proc.pid, os.path.join(self.lab.work, "strace-%s.log" % self.member.name)))

    def detach(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGINT)  # strace detaches cleanly on SIGINT
                self.proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
        self.delay_us = 0

    def reap_after_member_exit(self):
        # A traced etcd is stopped by killing etcd; strace then exits by itself.
        if self.proc:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def ms(us):
    return "%dms" % (us // 1000) if us else "none"


# ---------------------------------------------------------------------------------------------
# lab kubelet
# ---------------------------------------------------------------------------------------------

class VictimPod:
    """One pod with one container, restarted kubelet-style (CrashLoopBackOff)."""

    def __init__(self, lab, namespace, component, node, argv_extra, endpoint, memory_limit_mb=None,
                 fixed_argv=None):
        self.lab = lab
        self.namespace = namespace
        self.component = component
        self.container = component
        self.node = node
        alphabet = "bcdfghjklmnpqrstvwxz2456789"  # apimachinery rand.SafeEncodeString alphabet
        rs_hash = "".join(random.choice(alphabet) for _ in range(10))
        suffix = "".join(random.choice(alphabet) for _ in range(5))
        self.rs = "%s-%s" % (component, rs_hash)
        self.name = "%s-%s" % (self.rs, suffix)
        self.uid = str(uuid.uuid4())
        self.endpoint = endpoint
        self.memory_limit_mb = memory_limit_mb
        self.image = "localhost/etcd-triage-lab/%s:stand-in" % component
        self.argv = fixed_argv or ([
            "/usr/local/bin/" + component,
            "--leader-elect=true",
            "--leader-elect-lease-duration=%s" % lab.args.lease_duration,
            "--leader-elect-renew-deadline=%s" % lab.args.renew_deadline,
            "--leader-elect-retry-period=%s" % lab.args.retry_period,
            "--leader-elect-resource-namespace=%s" % namespace,
            "--etcd-endpoint=%s" % endpoint,
        ] + argv_extra)
        self.argv = [a for a in self.argv if a]
        self.cgroup = None
        self.thread = None
        self.proc = None
        self.stop = threading.Event()
        self.restart_count = 0
        self.starts = 0
        self.runs = []
        self.backoff_key = None
        self.backoff = 0.0

    def pod_dir(self):
        return os.path.join(self.lab.pods_dir, "%s_%s_%s" % (self.namespace, self.name, self.uid), self.container)

    def format_pod(self):
        # kubelet format.Pod: name_namespace(uid)
        return "%s_%s(%s)" % (self.name, self.namespace, self.uid)

    def setup_cgroup(self):
        if not self.lab.use_cgroups:
            return
        path = os.path.join(CGROUP_MEM_ROOT, self.lab.cgroup_name, "%s_%s" % (self.namespace, self.name))
        os.makedirs(path, exist_ok=True)
        limit = (self.memory_limit_mb or 512) * 1024 * 1024
        with open(os.path.join(path, "memory.limit_in_bytes"), "w") as f:
            f.write(str(limit))
        try:  # no swap for the container (as kubelet without swap)
            with open(os.path.join(path, "memory.memsw.limit_in_bytes"), "w") as f:
                f.write(str(limit))
        except OSError:
            pass
        self.cgroup = path

    def oom_kills(self):
        if not self.cgroup:
            return 0
        try:
            with open(os.path.join(self.cgroup, "memory.oom_control")) as f:
                for line in f:
                    k, _, v = line.partition(" ")
                    if k == "oom_kill":
                        return int(v)
        except OSError:
            pass
        return 0

    def register(self):
        self.setup_cgroup()
        resources = None
        if self.memory_limit_mb:
            resources = {"limits": {"memory": "%dMi" % self.memory_limit_mb}, "requests": {"memory": "%dMi" % self.memory_limit_mb}}
        self.lab.records.add(
            "pod", namespace=self.namespace, name=self.name, uid=self.uid, node=self.node,
            labels={"app": self.component, "pod-template-hash": self.rs.rsplit("-", 1)[1]},
            owner={"kind": "ReplicaSet", "name": self.rs},
            containers=[{"name": self.container, "image": self.image, "command": self.argv[:1], "args": self.argv[1:],
                         "resources": resources}],
            host_network=False,
        )

    def start(self):
        self.register()
        self.thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self.thread.start()

    def run(self):
        try:
            self._run()
        except Exception:
            log("kubelet thread for %s crashed:\n%s" % (self.name, traceback.format_exc()))

    def _run(self):
        initial, cap = 10.0, self.lab.args.backoff_cap
        while not self.stop.is_set():
            rc, finished = self.run_container()
            if rc is None or self.stop.is_set():
                return
            # kubelet doBackOff: the first restart is immediate; afterwards wait the current
            # back-off (10s, doubling, capped) measured from the container's finish time.
            if self.backoff_key is None:
                self.backoff_key = True
                self.backoff = initial
                continue
            wait_until = finished + self.backoff
            msg = "back-off %s restarting failed container=%s pod=%s" % (
                go_dur(self.backoff), self.container, self.format_pod())
            while not self.stop.is_set() and time.time() < wait_until:
                # pod worker re-syncs a backed-off pod about every 10s: each sync = one BackOff event
                self.lab.records.add("backoff", namespace=self.namespace, pod=self.name, container=self.container,
                                     backoff_seconds=self.backoff, until=rfc3339nano(int(wait_until * 1e9)),
                                     message=msg,
                                     event_message="Back-off restarting failed container %s in pod %s"
                                                   % (self.container, self.format_pod()))
                self.stop.wait(min(10.0, max(0.0, wait_until - time.time())))
            self.backoff = min(self.backoff * 2, cap)

    def run_container(self):
        cid = uuid.uuid4().hex + uuid.uuid4().hex
        logpath = os.path.join(self.pod_dir(), "%d.log" % self.restart_count)
        cri = CriLog(logpath)
        env = dict(os.environ, LAB_COMPONENT=self.component, PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
        argv = [sys.executable, "-u", VICTIM] + self.argv[1:]
        if self.cgroup:
            argv = ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', self.cgroup] + argv
        oom_before = self.oom_kills()
        self.lab.records.add("container_start", namespace=self.namespace, pod=self.name, container=self.container,
                             restart_count=self.restart_count, container_id=cid, image=self.image)
        started = time.time()
        self.starts += 1
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env, start_new_session=True, cwd=self.lab.work)
        self.lab.pids.add(self.proc.pid)
        t1 = cri.pump(self.proc.stdout, b"stdout")
        t2 = cri.pump(self.proc.stderr, b"stderr")
        while True:
            try:
                rc = self.proc.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if self.stop.is_set():
                    # teardown after the snapshot: not part of the incident, not recorded
                    self.proc.kill()
                    self.proc.wait()
                    t1.join(2)
                    t2.join(2)
                    cri.close()
                    return None, None
        finished = time.time()
        t1.join(5)
        t2.join(5)
        cri.close()
        if self.stop.is_set():
            return None, None
        oom = self.oom_kills() - oom_before
        exit_code = rc if rc >= 0 else 128 - rc
        if oom > 0:
            reason = "OOMKilled"
        elif exit_code == 0:
            reason = "Completed"
        else:
            reason = "Error"
        self.lab.records.add("container_exit", namespace=self.namespace, pod=self.name, container=self.container,
                             restart_count=self.restart_count, container_id=cid, exit_code=exit_code, reason=reason,
                             signal=(-rc if rc < 0 else None), oom_kills=oom,
                             started_at=rfc3339nano(int(started * 1e9)), at=rfc3339nano(int(finished * 1e9)))
        self.runs.append((self.restart_count, exit_code, reason))
        log("%s/%s run %d exited %d (%s) after %.1fs" % (self.namespace, self.name, self.restart_count, exit_code,
                                                         reason, finished - started))
        if reason == "OOMKilled":
            self.lab.record_kernel_oom(self)
        self.restart_count += 1
        return rc, finished

    def shutdown(self):
        self.stop.set()
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
        if self.thread:
            self.thread.join(15)


def go_dur(sec):
    sec = int(sec)
    if sec < 60:
        return "%ds" % sec
    return "%dm%ds" % (sec // 60, sec % 60)


# ---------------------------------------------------------------------------------------------
# load
# ---------------------------------------------------------------------------------------------

class Writer:
    """Steady puts (configmap-sized values) through the v3 JSON gateway, bounded by the run."""

    def __init__(self, lab, threads=2, interval=0.1):
        self.lab = lab
        self.threads = threads
        self.interval = interval
        self.stop = threading.Event()
        self.ok = 0
        self.failed = 0
        self.ts = []

    def start(self):
        for i in range(self.threads):
            t = threading.Thread(target=self.run, args=(i,), daemon=True)
            t.start()
            self.ts.append(t)

    def run(self, i):
        members = self.lab.cluster.members
        seq = 0
        while not self.stop.is_set():
            m = members[(seq + i) % len(members)]
            key = "/registry/configmaps/lab-load/writer-%d-%03d" % (i, seq % 200)
            val = b64(os.urandom(384))
            try:
                http_post(m.client_url + "/v3/kv/put", {"key": b64(key), "value": b64(val)}, timeout=10)
                self.ok += 1
            except Exception:
                self.failed += 1
                self.stop.wait(0.5)
            seq += 1
            self.stop.wait(self.interval)

    def shutdown(self):
        self.stop.set()
        for t in self.ts:
            t.join(12)


# ---------------------------------------------------------------------------------------------
# scenarios
# ---------------------------------------------------------------------------------------------

def shared_slow_schedule(duration, warm=10.0):
    """Phases (start_s, delay_us). A cycle ramps 200ms -> 1.5s -> 3s, then recovers."""
    cycle = [(8, 200_000), (12, 1_500_000), (12, 3_000_000), (15, 200_000)]
    phases = [(0.0, 0)]
    t = warm
    while t < duration:
        for length, d in cycle:
            if t >= duration:
                break
            phases.append((t, d))
            t += length
    return phases


class Lab:
    def __init__(self, args):
        self.args = args
        self.out = os.path.abspath(args.out)
        os.makedirs(self.out, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix="etcd-triage-lab-")
        self.pods_dir = os.path.join(self.out, "var", "log", "pods")
        os.makedirs(self.pods_dir, exist_ok=True)
        self.records = Records(os.path.join(self.out, "records.jsonl"))
        self.pids = PidFile(args.pidfile)
        self.strace = shutil.which("strace") or "strace"
        self.etcdctl = args.etcdctl or shutil.which("etcdctl") or "etcdctl"
        self.etcd_bin = args.etcd_bin or shutil.which("etcd") or "/usr/bin/etcd"
        self.version = etcd_version(self.etcd_bin)
        self.etcd_image = "localhost/etcd-triage-lab/etcd:%s" % self.version
        self.cgroup_name = "etcd-triage-lab-%d" % os.getpid()
        self.use_cgroups = args.scenario in ("oom", "oom-slow-disk") or (os.access(CGROUP_MEM_ROOT, os.W_OK) and not args.no_cgroups)
        self.cluster = Cluster(self, self.etcd_bin, args.logger, self.version)
        self.tracers = {}
        self.victims = []
        self.writer = None
        self.stop = threading.Event()
        self.leader_name = None
        self.leader_lock = threading.Lock()
        self.dmesg_before = set()
        self.t0 = None

    # ---- helpers
    def rel(self):
        return time.time() - self.t0

    def sleep_until(self, t_rel):
        while not self.stop.is_set():
            left = self.t0 + t_rel - time.time()
            if left <= 0:
                return True
            self.stop.wait(min(left, 0.5))
        return False

    def set_delay(self, member, delay_us, why=""):
        tr = self.tracers.get(member.name)
        if tr is None:
            tr = self.tracers[member.name] = Tracer(self, member)
        if tr.delay_us == delay_us and (delay_us == 0 or (tr.proc and tr.proc.poll() is None)):
            return
        tr.set_delay(delay_us)
        self.records.add("fault", action="fdatasync_delay", member=member.name, delay_us=delay_us, note=why)
        log("fdatasync delay on %s = %s %s" % (member.name, ms(delay_us), why))

    def record_kernel_oom(self, pod):
        """Copy the kernel's own OOM lines (dmesg) for the run that was killed, if readable."""
        time.sleep(0.2)
        try:
            out = subprocess.run(["dmesg"], capture_output=True, timeout=5).stdout.decode(errors="replace")
        except Exception:
            return
        lines = [l for l in out.splitlines() if l not in self.dmesg_before]
        self.dmesg_before.update(out.splitlines())
        keep = [l for l in lines if "invoked oom-killer" in l or "Memory cgroup out of memory" in l
                or "oom-kill:" in l]
        if keep:
            self.records.add("kernel_oom", node=pod.node, namespace=pod.namespace, pod=pod.name,
                             container=pod.container, lines=keep)

    # ---- monitor
    def monitor(self):
        while not self.stop.is_set():
            m = self.cluster.leader()
            if m is not None:
                with self.leader_lock:
                    if m.name != self.leader_name:
                        self.records.add("leader", member=m.name, member_id=m.member_id)
                        log("leader is now %s" % m.name)
                        self.leader_name = m.name
            self.stop.wait(1.0)

    def current_leader(self):
        with self.leader_lock:
            name = self.leader_name
        for m in self.cluster.members:
            if m.name == name:
                return m
        return None

    # ---- run
    def run(self):
        a = self.args
        self.records.add("run", scenario=a.scenario, duration_s=a.duration, etcd_bin=self.etcd_bin,
                         etcd_version=self.version, logger=a.logger, hostname=socket.gethostname(),
                         kernel=os.uname().release, os_image=os_pretty_name(),
                         victim_timings={"lease_duration": a.lease_duration, "renew_deadline": a.renew_deadline,
                                         "retry_period": a.retry_period,
                                         "request_timeout": "renew_deadline/2 (min 1s)"},
                         backoff={"initial_s": 10, "cap_s": a.backoff_cap},
                         fault_params=fault_params(a),
                         argv=sys.argv, cpus=os.cpu_count(), mem_bytes=mem_total())
        for name, hw in NODES:
            self.records.add("node", name=name, hardware=hw)
        if self.use_cgroups:
            os.makedirs(os.path.join(CGROUP_MEM_ROOT, self.cgroup_name), exist_ok=True)
            try:
                self.dmesg_before = set(subprocess.run(["dmesg"], capture_output=True, timeout=5)
                                        .stdout.decode(errors="replace").splitlines())
            except Exception:
                pass
        self.cluster.start()
        self.t0 = time.time()
        self.records.add("lab_start", t0=rfc3339nano(int(self.t0 * 1e9)))
        threading.Thread(target=self.monitor, daemon=True).start()
        self.writer = Writer(self)
        self.writer.start()
        getattr(self, "scenario_" + a.scenario.replace("-", "_"))()

    def add_victims(self, specs):
        for v in specs:
            self.victims.append(v)
            v.start()

    def standard_victims(self, cm_member, sched_member, cm_extra=None, mem=None, fixed=None):
        m = {x.name: x for x in self.cluster.members}
        cm = VictimPod(self, "karmada-system", "karmada-controller-manager", cm_member, cm_extra or [],
                       m[cm_member].client_url, memory_limit_mb=mem, fixed_argv=(fixed or {}).get("cm"))
        sc = VictimPod(self, "karmada-system", "karmada-scheduler", sched_member, [],
                       m[sched_member].client_url, fixed_argv=(fixed or {}).get("sched"))
        self.add_victims([cm, sc])

    # shared-slow: every member's disk slows (VMs on one shared datastore). Members never see
    # exactly the same latency: within a phase the per-member factor rotates every few seconds
    # (1.0 / 1.2 / 0.3 of the phase's delay), which is also what lets followers time out the
    # leader and start elections (equal delays stall every raft loop alike: no elections).
    def scenario_shared_slow(self):
        self.standard_victims("node1", "node2")
        phases = shared_slow_schedule(self.args.duration)
        factors = [1.0, 1.2, 0.3]
        rotate = self.args.rotate_seconds
        k = 0
        for i, (start, d) in enumerate(phases):
            if not self.sleep_until(start):
                return
            end = phases[i + 1][0] if i + 1 < len(phases) else self.args.duration
            while not self.stop.is_set() and self.rel() < end:
                want = {m.name: int(d * factors[(j + k) % 3] / 1000) * 1000 for j, m in enumerate(self.cluster.members)}
                k += 1
                threads = [threading.Thread(target=self.set_delay, args=(m, want[m.name], "(shared storage, phase %dms)" % (d // 1000)))
                           for m in self.cluster.members]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                if d == 0 or rotate <= 0:
                    break
                self.sleep_until(min(end, self.rel() + rotate))
        self.sleep_until(self.args.duration)

    # leader-slow: only the current leader's disk is slow; follow leadership when it moves
    def scenario_leader_slow(self):
        self.standard_victims("node1", "node2")
        phases = [(0.0, 0)]
        t = 10.0
        while t < self.args.duration:
            phases += [(t, 2_000_000), (t + 30, 0)]
            t += 45
        idx = 0
        target = None
        while not self.stop.is_set() and self.rel() < self.args.duration:
            while idx + 1 < len(phases) and self.rel() >= phases[idx + 1][0]:
                idx += 1
            d = phases[idx][1]
            leader = self.current_leader()
            if d == 0:
                for m in self.cluster.members:
                    self.set_delay(m, 0, "(recovered)")
                target = None
            elif leader is not None and (target is None or leader.name != target.name):
                if target is not None:
                    self.set_delay(target, 0, "(no longer leader)")
                self.set_delay(leader, d, "(leader)")
                target = leader
            self.stop.wait(0.5)

    # oom: healthy disks, the controller leaks memory in a memory-limited cgroup
    def scenario_oom(self):
        self.standard_victims("node1", "node2", cm_extra=["--leak-mb-per-sec=%d" % self.args.leak_mb],
                              mem=self.args.memory_limit_mb)
        self.sleep_until(self.args.duration)

    # frozen: healthy disks; the leader (colocated with the victim) is SIGSTOPped repeatedly
    def scenario_frozen(self):
        self.standard_victims("node1", "node1")
        node1 = self.cluster.members[0]
        t = 12.0
        while t + 5 < self.args.duration:
            if not self.sleep_until(t - 4):
                return
            leader = self.current_leader() or self.cluster.leader()
            if leader is not None and leader.name != node1.name:
                try:
                    self.cluster.etcdctl(["move-leader", node1.member_id], endpoints=leader.client_url)
                    self.records.add("fault", action="move_leader", member=node1.name, note="from %s" % leader.name)
                    log("moved leadership %s -> %s" % (leader.name, node1.name))
                except Exception as e:
                    log("move-leader failed: %s" % e)
            if not self.sleep_until(t):
                return
            leader = self.cluster.leader()
            os.kill(node1.proc.pid, signal.SIGSTOP)
            self.records.add("fault", action="SIGSTOP", member=node1.name,
                             note="leader before freeze: %s" % (leader.name if leader else "unknown"))
            log("SIGSTOP %s (leader: %s)" % (node1.name, leader.name if leader else "?"))
            self.stop.wait(self.args.freeze_seconds)
            os.kill(node1.proc.pid, signal.SIGCONT)
            self.records.add("fault", action="SIGCONT", member=node1.name)
            log("SIGCONT %s" % node1.name)
            t += self.args.freeze_seconds + 25
        self.sleep_until(self.args.duration)

    # config-error: healthy disks, the controllers exit at start on a configuration error
    def scenario_config_error(self):
        self.config_error_victims()
        self.sleep_until(self.args.duration)

    # ---- moderate latency: 150-400 ms on every member, under etcd's 1s "slow fdatasync" warning
    def delay_all(self, delay_us, why):
        threads = [threading.Thread(target=self.set_delay, args=(m, delay_us, why)) for m in self.cluster.members]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    # moderate-slow: every member's fdatasync delayed by the same --delay-ms (default 250) after a 10s
    # warm-up, for the rest of the run (an HDD / SD card / burst-credit cloud disk / shared VM storage).
    # Victims with the lab's default (short) lease timings lose their leases.
    def scenario_moderate_slow(self):
        self.standard_victims("node1", "node2")
        if not self.sleep_until(10.0):
            return
        self.delay_all(self.args.delay_ms * 1000, "(every member, moderate latency)")
        self.sleep_until(self.args.duration)

    # moderate-slow-norestart: the same latency; the victims run with long lease timings (scenario defaults
    # below) so they keep their leases: pods.json exists, every restartCount stays 0.
    def scenario_moderate_slow_norestart(self):
        self.scenario_moderate_slow()

    # cpu-throttled-leader: healthy disks (no fdatasync delay). The current leader is CPU-starved, re-targeted
    # when leadership moves: --throttle sigstop = rapid SIGSTOP/SIGCONT cycles (--stop-ms stopped out of every
    # --period-ms); --throttle cfs = a cgroup v1 CPU quota (--cpu-quota-us per --cpu-period-us) on its process.
    def scenario_cpu_throttled_leader(self):
        self.standard_victims("node1", "node2")
        if not self.sleep_until(10.0):
            return
        a = self.args
        if a.throttle == "cfs":
            note = "cpu.cfs_quota_us=%d cpu.cfs_period_us=%d" % (a.cpu_quota_us, a.cpu_period_us)
        else:
            note = "SIGSTOP %dms every %dms" % (a.stop_ms, a.period_ms)
        stop_s, period_s = a.stop_ms / 1000.0, a.period_ms / 1000.0
        target, cycles = None, 0
        try:
            while not self.stop.is_set() and self.rel() < a.duration:
                leader = self.current_leader()
                if leader is not None and (target is None or leader.name != target.name):
                    if target is not None:
                        self.unthrottle(target)
                        self.records.add("fault", action="cpu_throttle_end", member=target.name,
                                         note="no longer leader" + (" after %d cycles" % cycles if cycles else ""))
                        log("CPU starvation of %s ends (no longer leader)" % target.name)
                    target, cycles = leader, 0
                    if a.throttle == "cfs":
                        self.throttle_cfs(target)
                    self.records.add("fault", action="cpu_throttle_start", member=target.name, note=note + " (leader)")
                    log("CPU starvation of %s: %s" % (target.name, note))
                if target is None or a.throttle == "cfs":
                    self.stop.wait(0.5)
                    continue
                began = time.time()
                os.kill(target.proc.pid, signal.SIGSTOP)
                self.stop.wait(stop_s)
                os.kill(target.proc.pid, signal.SIGCONT)
                cycles += 1
                self.stop.wait(max(0.0, period_s - (time.time() - began)))
        finally:
            if target is not None and target.proc.poll() is None:
                os.kill(target.proc.pid, signal.SIGCONT)
        if target is not None:
            self.records.add("fault", action="cpu_throttle_end", member=target.name,
                             note="end of run" + (" after %d cycles" % cycles if cycles else ""))
        self.sleep_until(a.duration)

    def cpu_cgroup(self):
        return os.path.join(CGROUP_CPU_ROOT, self.cgroup_name)

    def throttle_cfs(self, member):
        cg = self.cpu_cgroup()
        os.makedirs(cg, exist_ok=True)
        with open(os.path.join(cg, "cpu.cfs_period_us"), "w") as f:
            f.write(str(self.args.cpu_period_us))
        with open(os.path.join(cg, "cpu.cfs_quota_us"), "w") as f:
            f.write(str(self.args.cpu_quota_us))
        with open(os.path.join(cg, "cgroup.procs"), "w") as f:
            f.write(str(member.proc.pid))

    def unthrottle(self, member):
        if self.args.throttle != "cfs" or member.proc.poll() is not None:
            return
        try:
            with open(os.path.join(CGROUP_CPU_ROOT, "cgroup.procs"), "w") as f:
                f.write(str(member.proc.pid))
        except OSError as e:
            log("could not move %s out of the CPU cgroup: %s" % (member.name, e))

    def config_error_victims(self):
        m1 = self.cluster.members[0].client_url
        fixed = {
            "cm": ["/usr/local/bin/karmada-controller-manager", "--leader-elect=true",
                   "--leader-elect-lease-duraton=15s", "--etcd-endpoint=" + m1],
            "sched": ["/usr/local/bin/karmada-scheduler", "--kubeconfig=/etc/karmada/config/karmada.config",
                      "--leader-elect=true", "--etcd-endpoint=" + m1],
        }
        self.standard_victims("node1", "node2", fixed=fixed)

    # slow-follower-config-error: the config-error victims; meanwhile ONE follower's fdatasync is delayed by
    # --delay-ms (default 1500) after a 10s warm-up (a minority member with a bad disk, quorum unaffected).
    # If that member becomes leader, the delay moves to another follower.
    def scenario_slow_follower_config_error(self):
        self.config_error_victims()
        if not self.sleep_until(10.0):
            return
        d = self.args.delay_ms * 1000
        target = None
        while not self.stop.is_set() and self.rel() < self.args.duration:
            leader = self.current_leader()
            if leader is not None and (target is None or target.name == leader.name):
                followers = [m for m in reversed(self.cluster.members) if m.name != leader.name]
                if target is not None:
                    self.set_delay(target, 0, "(became leader)")
                target = followers[0]
                self.set_delay(target, d, "(follower; leader is %s)" % leader.name)
            self.stop.wait(0.5)

    # oom-slow-disk: the oom scenario's victims (controller leaks memory in a memory-limited cgroup) while every
    # member's fdatasync is delayed by --delay-ms (default 300) after a 10s warm-up.
    def scenario_oom_slow_disk(self):
        self.standard_victims("node1", "node2", cm_extra=["--leak-mb-per-sec=%d" % self.args.leak_mb],
                              mem=self.args.memory_limit_mb)
        if not self.sleep_until(10.0):
            return
        self.delay_all(self.args.delay_ms * 1000, "(every member, moderate latency)")
        self.sleep_until(self.args.duration)

    # ---- teardown
    def snapshot(self):
        FROZEN.set()
        self.records.add("snapshot")

    def shutdown(self):
        self.stop.set()
        for v in self.victims:
            v.stop.set()
        for v in self.victims:
            v.shutdown()
        if self.writer:
            self.writer.stop.set()
        # A traced etcd is stopped by killing etcd (strace then exits), never strace first.
        for m in self.cluster.members:
            if m.proc and m.proc.poll() is None:
                try:
                    os.kill(m.proc.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
        self.cluster.stop()
        for tr in self.tracers.values():
            tr.reap_after_member_exit()
        if self.writer:
            self.writer.shutdown()
        time.sleep(0.3)
        for m in self.cluster.members:
            if m.log:
                m.log.close()
        if self.use_cgroups:
            base = os.path.join(CGROUP_MEM_ROOT, self.cgroup_name)
            for v in self.victims:
                if v.cgroup:
                    try:
                        os.rmdir(v.cgroup)
                    except OSError:
                        pass
            try:
                os.rmdir(base)
            except OSError:
                pass
        if os.path.isdir(self.cpu_cgroup()):
            try:
                os.rmdir(self.cpu_cgroup())
            except OSError as e:
                log("could not remove %s: %s" % (self.cpu_cgroup(), e))
        self.records.add("lab_stop", writer_ok=self.writer.ok if self.writer else 0,
                         writer_failed=self.writer.failed if self.writer else 0)
        self.records.close()
        if not self.args.keep_work:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            log("work dir kept: %s" % self.work)


def etcd_version(binary):
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, timeout=10).stdout.decode()
        for line in out.splitlines():
            if line.startswith("etcd Version:"):
                return line.split(":", 1)[1].strip()
    except Exception:
        pass
    return "unknown"


def os_pretty_name():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "Linux"


def mem_total():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


SCENARIOS = ["shared-slow", "leader-slow", "oom", "frozen", "config-error", "moderate-slow",
             "moderate-slow-norestart", "cpu-throttled-leader", "slow-follower-config-error", "oom-slow-disk"]

# Per-scenario defaults for options left unset on the command line (lab-wide defaults last).
SCENARIO_DEFAULTS = {
    # shorter than the lab-wide 8s/5s/1s: at 250ms the renewals (read + CAS write, ~1s) fail within 2s
    "moderate-slow": {"delay_ms": 250, "lease_duration": "4s", "renew_deadline": "2s", "retry_period": "500ms"},
    # long enough that a renewal survives the slowed requests: nobody restarts
    "moderate-slow-norestart": {"delay_ms": 250, "lease_duration": "60s", "renew_deadline": "40s",
                                "retry_period": "2s"},
    # the same short victim timings as moderate-slow, so the two runs compare; SIGSTOP cycles of 250-300ms
    # every 400ms or 400ms every 500ms gave no restarts even with these, a 1% CFS quota does
    "cpu-throttled-leader": {"throttle": "cfs", "cpu_quota_us": 1000, "cpu_period_us": 100000, "stop_ms": 250,
                             "period_ms": 400, "lease_duration": "4s", "renew_deadline": "2s",
                             "retry_period": "500ms"},
    "slow-follower-config-error": {"delay_ms": 1500},
    "oom-slow-disk": {"delay_ms": 300},
}
LAB_DEFAULTS = {"lease_duration": "8s", "renew_deadline": "5s", "retry_period": "1s", "delay_ms": 0,
                "stop_ms": 0, "period_ms": 0, "throttle": "sigstop", "cpu_quota_us": 5000, "cpu_period_us": 100000}


def fault_params(a):
    """The scenario's fault parameters as applied (for the README)."""
    keys = {"moderate-slow": ["delay_ms"], "moderate-slow-norestart": ["delay_ms"],
            "cpu-throttled-leader": ["throttle", "stop_ms", "period_ms", "cpu_quota_us", "cpu_period_us"], "slow-follower-config-error": ["delay_ms"],
            "oom-slow-disk": ["delay_ms", "leak_mb", "memory_limit_mb"], "oom": ["leak_mb", "memory_limit_mb"],
            "frozen": ["freeze_seconds"], "shared-slow": ["rotate_seconds"]}
    out = {k: getattr(a, k) for k in keys.get(a.scenario, [])}
    if a.scenario == "cpu-throttled-leader":
        for k in (("stop_ms", "period_ms") if a.throttle == "cfs" else ("cpu_quota_us", "cpu_period_us")):
            out.pop(k)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", required=True, choices=SCENARIOS)
    p.add_argument("--duration", type=float, default=180)
    p.add_argument("--out", required=True)
    p.add_argument("--logger", default="zap", choices=["zap", "capnslog"])
    p.add_argument("--etcd-bin")
    p.add_argument("--etcdctl")
    p.add_argument("--lease-duration", help="victims' lease duration (default 8s; per scenario: SCENARIO_DEFAULTS)")
    p.add_argument("--renew-deadline", help="victims' renew deadline (default 5s)")
    p.add_argument("--retry-period", help="victims' retry period (default 1s)")
    p.add_argument("--delay-ms", type=int,
                   help="moderate-slow*, oom-slow-disk: fdatasync delay on every member; "
                        "slow-follower-config-error: on one follower")
    p.add_argument("--stop-ms", type=int, help="cpu-throttled-leader: SIGSTOP length per cycle (default 250)")
    p.add_argument("--period-ms", type=int, help="cpu-throttled-leader: cycle length (default 400)")
    p.add_argument("--throttle", choices=["sigstop", "cfs"],
                   help="cpu-throttled-leader: SIGSTOP/SIGCONT cycles or a cgroup v1 CFS quota (default cfs)")
    p.add_argument("--cpu-quota-us", type=int, help="cpu-throttled-leader --throttle cfs (default 1000)")
    p.add_argument("--cpu-period-us", type=int, help="cpu-throttled-leader --throttle cfs (default 100000)")
    p.add_argument("--backoff-cap", type=float, default=40.0, help="kubelet back-off cap in seconds (real: 300)")
    p.add_argument("--memory-limit-mb", type=int, default=96)
    p.add_argument("--leak-mb", type=int, default=6, help="oom scenario: MiB leaked per second while leading")
    p.add_argument("--freeze-seconds", type=float, default=8.0)
    p.add_argument("--rotate-seconds", type=float, default=6.0,
                   help="shared-slow: rotate per-member delay factors this often (0: equal delays)")
    p.add_argument("--config-via-env", action="store_true",
                   help="pass the cluster token and heartbeat/election settings as ETCD_* environment variables")
    p.add_argument("--no-cgroups", action="store_true")
    p.add_argument("--pidfile")
    p.add_argument("--keep-work", action="store_true")
    p.add_argument("--seed", type=int)
    args = p.parse_args()
    for k, v in list(SCENARIO_DEFAULTS.get(args.scenario, {}).items()) + list(LAB_DEFAULTS.items()):
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.scenario == "cpu-throttled-leader" and args.throttle == "sigstop" and not 0 < args.stop_ms < args.period_ms:
        p.error("cpu-throttled-leader needs 0 < --stop-ms < --period-ms")
    random.seed(args.seed)

    lab = Lab(args)

    def on_signal(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    rc = 0
    try:
        lab.run()
        lab.snapshot()
    except KeyboardInterrupt as e:
        log("interrupted (%s); stopping everything" % e)
        rc = 130
    except Exception as e:
        log("FAILED: %s" % e)
        traceback.print_exc()
        rc = 1
    finally:
        lab.shutdown()
    summary(lab)
    return rc


def summary(lab):
    for v in lab.victims:
        reasons = {}
        for _, code, reason in v.runs:
            reasons["%s(%d)" % (reason, code)] = reasons.get("%s(%d)" % (reason, code), 0) + 1
        log("victim %s/%s: %d runs ended, restartCount at snapshot %d, reasons %s" % (
            v.namespace, v.name, len(v.runs), max(0, v.starts - 1), reasons))


if __name__ == "__main__":
    sys.exit(main())
