#!/usr/bin/env python3
"""Lab stand-in for a leader-elected Kubernetes controller (karmada-controller-manager,
karmada-scheduler).

It is NOT client-go. It reproduces client-go's leader-election *behaviour* and *log lines*
(tools/leaderelection, ~v0.2x) against a real etcd through etcd's v3 JSON gateway:

* acquire: every RetryPeriod (jittered x1.2) read the lock record; if another holder's record
  was observed less than LeaseDuration ago, wait; otherwise write it (compare-and-swap on
  mod_revision, like the apiserver's resourceVersion precondition).
* renew: every RetryPeriod run tryAcquireOrRenew until it succeeds or RenewDeadline passes
  (wait.PollImmediateUntil); each HTTP request has its own timeout of RenewDeadline/2
  (client-go resourcelock.NewFromKubeconfig sets rest.Config.Timeout that way).
* on a failed renew: `failed to renew lease ns/name: timed out waiting for the condition`,
  then the component's own exit line and a non-zero exit, exactly like the real binaries.

klog header: `Lmmdd hh:mm:ss.uuuuuu PID file:line] msg`; the PID is this process's real PID
(a real container would usually print 1). file:line values are those of client-go ~v0.25 /
karmada as remembered, not verified; parsers must match on the message.

Standard library only.
"""

import base64
import datetime
import json
import os
import random
import socket
import sys
import time
import urllib.error
import urllib.request
import uuid

PID = os.getpid()

COMPONENTS = {
    # name: (main file for startup/exit lines, exit style)
    "karmada-controller-manager": ("controllermanager.go", "controller-runtime"),
    "karmada-scheduler": ("scheduler.go", "fatal"),
}


def klog(level, where, msg):
    now = datetime.datetime.now()
    line = "%s%02d%02d %02d:%02d:%02d.%06d %7d %s] %s\n" % (
        level, now.month, now.day, now.hour, now.minute, now.second, now.microsecond,
        PID, where, msg)
    sys.stderr.write(line)
    sys.stderr.flush()


def parse_duration(s):
    s = s.strip()
    if s.endswith("ms"):
        return float(s[:-2]) / 1000.0
    if s.endswith("s"):
        return float(s[:-1])
    if s.endswith("m"):
        return float(s[:-1]) * 60
    return float(s)


USAGE = """Usage:
  %s [flags]

Flags:
      --kubeconfig string                     Path to karmada control plane kubeconfig file.
      --leader-elect                          Start a leader election client and gain leadership before executing the main loop. (default true)
      --leader-elect-lease-duration duration  The duration that non-leader candidates will wait after observing a leadership renewal until attempting to acquire leadership. (default 15s)
      --leader-elect-renew-deadline duration  The interval between attempts by the acting master to renew a leadership slot before it stops leading. (default 10s)
      --leader-elect-retry-period duration    The duration the clients should wait between attempting acquisition and renewal of a leadership. (default 2s)
      --leader-elect-resource-namespace string  The namespace of resource object that is used for locking during leader election. (default "karmada-system")
      --etcd-endpoint string                  (lab) etcd v3 JSON gateway the stand-in talks to, in place of an apiserver.
      --leak-mb-per-sec int                   (lab) grow memory by this many MiB per second while leading.
"""

KNOWN_FLAGS = {
    "--kubeconfig", "--leader-elect", "--leader-elect-lease-duration",
    "--leader-elect-renew-deadline", "--leader-elect-retry-period",
    "--leader-elect-resource-namespace", "--etcd-endpoint", "--leak-mb-per-sec", "--v",
}


def parse_args(component, argv):
    """pflag/cobra-like parsing: `--flag=value` or `--flag value`; an unknown flag is the
    same fatal error cobra prints (`Error: unknown flag: --x` + usage, exit 1)."""
    opts = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if not a.startswith("--"):
            i += 1
            continue
        name, eq, val = a.partition("=")
        if name not in KNOWN_FLAGS:
            sys.stderr.write("Error: unknown flag: %s\n" % name)
            sys.stderr.write(USAGE % component)
            sys.stderr.flush()
            sys.exit(1)
        if not eq:
            if name == "--leader-elect":
                val = "true"
            elif i + 1 < len(argv):
                i += 1
                val = argv[i]
        opts[name] = val
        i += 1
    return opts


class ApiError(Exception):
    pass


class Lock:
    """The lock record lives in etcd under an apiserver-like key."""

    def __init__(self, endpoint, namespace, name, request_timeout):
        self.endpoint = endpoint.rstrip("/")
        self.namespace = namespace
        self.name = name
        self.key = "/registry/leases/%s/%s" % (namespace, name)
        self.request_timeout = request_timeout
        self.mod_revision = None

    def describe(self):
        return "%s/%s" % (self.namespace, self.name)

    def _post(self, path, body, timeout):
        url = self.endpoint + path
        data = json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            try:
                payload = json.loads(e.read() or b"{}")
                msg = payload.get("error") or payload.get("message")
            except Exception:
                msg = None
            # The apiserver passes etcd's error text through (e.g. `etcdserver: request timed out`).
            raise ApiError(msg or ("the server returned HTTP %d" % e.code))
        except (socket.timeout, TimeoutError):
            raise ApiError('Post "%s": context deadline exceeded (Client.Timeout exceeded while awaiting headers)' % url)
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise ApiError('Post "%s": context deadline exceeded (Client.Timeout exceeded while awaiting headers)' % url)
            if isinstance(reason, ConnectionRefusedError):
                host = self.endpoint.split("://", 1)[-1]
                raise ApiError('Post "%s": dial tcp %s: connect: connection refused' % (url, host))
            raise ApiError('Post "%s": %s' % (url, reason))
        except (ConnectionResetError, http_client_errors()) as e:
            raise ApiError('Post "%s": %s' % (url, e))

    def get(self, timeout):
        r = self._post("/v3/kv/range", {"key": b64(self.key)}, timeout)
        kvs = r.get("kvs") or []
        if not kvs:
            self.mod_revision = None
            return None
        kv = kvs[0]
        self.mod_revision = kv.get("mod_revision")
        return json.loads(base64.b64decode(kv["value"]))

    def update(self, record, timeout):
        if self.mod_revision is None:
            compare = [{"target": "CREATE", "key": b64(self.key), "create_revision": "0"}]
        else:
            compare = [{"target": "MOD", "key": b64(self.key), "mod_revision": self.mod_revision}]
        body = {
            "compare": compare,
            "success": [{"request_put": {"key": b64(self.key), "value": b64(json.dumps(record))}}],
        }
        r = self._post("/v3/kv/txn", body, timeout)
        if not r.get("succeeded"):
            raise ApiError('Operation cannot be fulfilled on leases.coordination.k8s.io "%s": the object '
                           'has been modified; please apply your changes to the latest version and try again'
                           % self.name)


def http_client_errors():
    import http.client
    return http.client.HTTPException


def b64(s):
    if isinstance(s, str):
        s = s.encode()
    return base64.b64encode(s).decode()


def rfc3339_micro(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Elector:
    def __init__(self, lock, identity, lease, renew_deadline, retry):
        self.lock = lock
        self.identity = identity
        self.lease = lease
        self.renew_deadline = renew_deadline
        self.retry = retry
        self.observed_record = None
        self.observed_time = 0.0

    def is_leader(self):
        return bool(self.observed_record) and self.observed_record.get("holderIdentity") == self.identity

    def try_acquire_or_renew(self, deadline):
        now = time.time()
        record = {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": int(self.lease),
            "acquireTime": rfc3339_micro(now),
            "renewTime": rfc3339_micro(now),
            "leaderTransitions": 0,
        }
        timeout = self.lock.request_timeout
        if deadline is not None:
            timeout = max(0.05, min(timeout, deadline - time.time()))
        try:
            old = self.lock.get(timeout)
        except ApiError as e:
            klog("E", "leaderelection.go:330", "error retrieving resource lock %s: %s" % (self.lock.describe(), e))
            return False
        if old is None:
            try:
                self.lock.update(record, timeout)
            except ApiError as e:
                klog("E", "leaderelection.go:322", "error initially creating leader election record: %s" % e)
                return False
            self.observed_record = record
            self.observed_time = time.time()
            return True
        if old != self.observed_record:
            self.observed_record = old
            self.observed_time = time.time()
        if old.get("holderIdentity") and self.observed_time + self.lease > now and not self.is_leader():
            return False  # klog.V(4): lock is held by ... and has not yet expired
        if self.is_leader():
            record["acquireTime"] = old.get("acquireTime")
            record["leaderTransitions"] = old.get("leaderTransitions", 0)
        else:
            record["leaderTransitions"] = old.get("leaderTransitions", 0) + 1
        if deadline is not None:
            timeout = max(0.05, min(self.lock.request_timeout, deadline - time.time()))
        try:
            self.lock.update(record, timeout)
        except ApiError as e:
            klog("E", "leaderelection.go:367", "Failed to update lock: %s" % e)
            return False
        self.observed_record = record
        self.observed_time = time.time()
        return True

    def acquire(self):
        klog("I", "leaderelection.go:248", "attempting to acquire leader lease %s..." % self.lock.describe())
        while True:
            if self.try_acquire_or_renew(None):
                klog("I", "leaderelection.go:258", "successfully acquired lease %s" % self.lock.describe())
                return
            time.sleep(self.retry * (1 + random.random() * 1.2))

    def renew(self, on_tick):
        """Returns when the lease could not be renewed within RenewDeadline."""
        while True:
            deadline = time.time() + self.renew_deadline
            ok = False
            while True:
                if self.try_acquire_or_renew(deadline):
                    ok = True
                    break
                if time.time() + self.retry >= deadline:
                    # PollImmediateUntil gives up when the deadline passes before the next try.
                    time.sleep(max(0.0, deadline - time.time()))
                    break
                time.sleep(self.retry)
            if not ok:
                klog("I", "leaderelection.go:283", "failed to renew lease %s: timed out waiting for the condition"
                     % self.lock.describe())
                return
            on_tick()
            time.sleep(self.retry)


def main():
    component = os.environ.get("LAB_COMPONENT") or os.path.basename(sys.argv[0])
    if component not in COMPONENTS:
        component = "karmada-controller-manager"
    mainfile, style = COMPONENTS[component]
    opts = parse_args(component, sys.argv[1:])

    kubeconfig = opts.get("--kubeconfig")
    if component == "karmada-controller-manager":
        klog("I", "controllermanager.go:164", 'karmada-controller-manager version: version.Info{GitVersion:"v0.0.0-etcd-triage-lab", '
             'GitCommit:"", GitTreeState:"", BuildDate:"", GoVersion:"python%d.%d", Compiler:"lab", Platform:"linux/amd64"}'
             % sys.version_info[:2])
    else:
        klog("I", "scheduler.go:139", 'karmada-scheduler version: version.Info{GitVersion:"v0.0.0-etcd-triage-lab", '
             'GitCommit:"", GitTreeState:"", BuildDate:"", GoVersion:"python%d.%d", Compiler:"lab", Platform:"linux/amd64"}'
             % sys.version_info[:2])
    if kubeconfig is not None and not os.path.exists(kubeconfig):
        # controller-runtime's GetConfig / clientcmd: the file named by --kubeconfig must exist.
        if style == "fatal":
            klog("F", "scheduler.go:151", "error building kubeconfig: stat %s: no such file or directory" % kubeconfig)
            sys.exit(255)
        klog("E", "controllermanager.go:171", "unable to get kubeconfig: stat %s: no such file or directory" % kubeconfig)
        sys.exit(1)

    endpoint = opts.get("--etcd-endpoint", "http://127.0.0.1:2379")
    lease = parse_duration(opts.get("--leader-elect-lease-duration", "15s"))
    renew_deadline = parse_duration(opts.get("--leader-elect-renew-deadline", "10s"))
    retry = parse_duration(opts.get("--leader-elect-retry-period", "2s"))
    ns = opts.get("--leader-elect-resource-namespace", "karmada-system")
    leak = int(opts.get("--leak-mb-per-sec", "0"))
    # client-go resourcelock.NewFromKubeconfig: timeout = renewDeadline/2, at least 1s
    request_timeout = max(1.0, renew_deadline / 2)

    identity = "%s_%s" % (socket.gethostname(), uuid.uuid4())
    lock = Lock(endpoint, ns, component, request_timeout)
    el = Elector(lock, identity, lease, renew_deadline, retry)
    el.acquire()

    if component == "karmada-controller-manager":
        for c in ("cluster-controller", "binding-controller", "execution-controller", "work-status-controller"):
            klog("I", "controller.go:178", '"Starting EventSource" controller="%s"' % c)
        for c in ("cluster-controller", "binding-controller", "execution-controller", "work-status-controller"):
            klog("I", "controller.go:220", '"Starting workers" controller="%s" worker count=5' % c)
    else:
        klog("I", "scheduler.go:412", "Starting karmada scheduler")

    hog = []
    last = [time.time()]

    def on_tick():
        if leak:
            now = time.time()
            mb = int((now - last[0]) * leak) or 1
            last[0] = now
            for _ in range(mb):
                hog.append(bytearray(os.urandom(1024)) * 1024)  # touched pages: real RSS

    el.renew(on_tick)
    if style == "fatal":
        klog("F", "scheduler.go:205", "leaderelection lost")
        sys.exit(255)
    klog("E", "controllermanager.go:205", "controller manager exits unexpectedly: leader election lost")
    sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
