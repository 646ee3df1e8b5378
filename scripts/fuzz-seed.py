#!/usr/bin/env python3
"""Builds the fuzz seed corpora (fuzz/corpus/<target>/) from the real inputs: tests/fixtures, tests/formats,
tests/corpus bodies and examples/. Line targets get single lines (a sample of each file's lines), file targets get
files cut to 64 KiB; the bundle target gets small tar.gz archives packed from fixture folders. Nothing is checked in:
run by scripts/fuzz.sh before fuzzing."""
import hashlib, io, os, random, re, sys, tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = ["tests/fixtures", "tests/formats", "tests/corpus", "examples"]
MAX_FILE = 64 << 10
LINES_PER_FILE = 40
random.seed(1)


def files():
    for s in SOURCES:
        for d, _, names in os.walk(os.path.join(ROOT, s)):
            for n in sorted(names):
                p = os.path.join(d, n)
                if os.path.getsize(p) > 0 and not n.endswith((".gz", ".tar")):
                    yield p


def put(target, data):
    d = os.path.join(ROOT, "fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def sample_lines(data, pred):
    lines = [l for l in data.split(b"\n") if l.strip() and pred(l)]
    return random.sample(lines, min(len(lines), LINES_PER_FILE))


ZAP = lambda l: b'{"level"' in l or b'"msg"' in l
CAPNSLOG = lambda l: re.search(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ [A-Z] \| ", l) or l.startswith(b"raft")
KLOG = lambda l: re.search(rb"(^|\s)[IWEF]\d{4} \d\d:\d\d:\d\d", l) is not None
WRAP = lambda l: re.match(rb"^\d{4}-\d\d-\d\dT", l) or l.startswith(b'{"log"') or re.match(rb"^[A-Z][a-z]{2} [ \d]\d ", l)

for p in files():
    data = open(p, "rb").read()
    head = data[:MAX_FILE]
    name = os.path.basename(p)
    for target, pred in [("zap", ZAP), ("capnslog", CAPNSLOG), ("klog", KLOG), ("wrapper", WRAP)]:
        for l in sample_lines(data, pred):
            put(target, l[:4096])
    text = head.decode("utf-8", "replace")
    if head.lstrip().startswith(b"{") and (b'"apiVersion"' in head or b'"kind"' in head):
        put("kube_json", head)
    if re.search(r"(?m)^[a-z_:]+(\{.*\})? [0-9.e+-]+", text) or "_bucket" in text:
        put("prom", head)
        put("diskpaste", head)
    if "Restart Count" in text or "NAME " in text or "LAST SEEN" in text or "Events:" in text:
        put("kubectl", head)
    if "fio" in text or "fdatasync" in text or "iostat" in text or "w_await" in text:
        put("diskpaste", head)
    if '"Endpoint"' in text or '"members"' in text or '"health"' in text or "alarm" in text:
        put("etcdctl", head)
    if "tests/corpus" in p or "tests/formats/paste" in p or name.endswith(".md"):
        put("paste", head)
    # The whole reader: the first byte picks the file name (see src/fuzzing.rs LOG_NAMES).
    pick = 5 if "_bucket" in text else 4 if head.lstrip().startswith(b"{\"apiVersion") else 6 if "Events:" in text else 0
    put("log_file", bytes([pick]) + head[: 16 << 10])

# Bundles: small archives of fixture folders (and one manifest-bearing example), gzipped and plain.
for d in sorted(os.listdir(os.path.join(ROOT, "tests/fixtures")))[:6] + ["../../examples/karmada-slow-storage"]:
    folder = os.path.normpath(os.path.join(ROOT, "tests/fixtures", d))
    if not os.path.isdir(folder):
        continue
    for gz in (True, False):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w") as tar:
            budget = 48 << 10
            for dd, _, names in os.walk(folder):
                for n in sorted(names):
                    p = os.path.join(dd, n)
                    data = open(p, "rb").read()[:4096]
                    if budget <= 0:
                        break
                    budget -= len(data)
                    info = tarfile.TarInfo(os.path.relpath(p, os.path.dirname(folder)))
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
        put("bundle", buf.getvalue())

for t in sorted(os.listdir(os.path.join(ROOT, "fuzz", "corpus"))):
    print(f"{t}: {len(os.listdir(os.path.join(ROOT, 'fuzz', 'corpus', t)))} seeds", file=sys.stderr)
