#!/usr/bin/env bash
# Renders krew/etcd-triage.yaml for a release and validates it with krew's checks (../shared/tools/validate_krew.py).
#
#   scripts/krew-manifest.sh VERSION OUT_DIR [ARCHIVE_LINUX_AMD64]
#
# With an archive, its sha256 fills the linux/amd64 entry and the validator checks the archive's contents too
# (binary and LICENSE extracted). Checksums of archives not built here come from SHA256_<OS>_<ARCH> in the
# environment (a release job sets them); absent ones are filled with a recognisable all-zero placeholder.
set -euo pipefail
version=${1:?usage: krew-manifest.sh VERSION OUT_DIR [ARCHIVE]}
out=${2:?usage: krew-manifest.sh VERSION OUT_DIR [ARCHIVE]}
archive=${3:-}
here=$(cd "$(dirname "$0")/.." && pwd)
placeholder=0000000000000000000000000000000000000000000000000000000000000000
export VERSION=$version
export SHA256_LINUX_AMD64=${SHA256_LINUX_AMD64:-$placeholder}
if [ -n "$archive" ]; then
  SHA256_LINUX_AMD64=$(sha256sum "$archive" | cut -d' ' -f1)
fi
export SHA256_LINUX_ARM64=${SHA256_LINUX_ARM64:-$placeholder}
export SHA256_DARWIN_AMD64=${SHA256_DARWIN_AMD64:-$placeholder}
export SHA256_DARWIN_ARM64=${SHA256_DARWIN_ARM64:-$placeholder}
mkdir -p "$out"
python3 - "$here/krew/etcd-triage.yaml" "$out/etcd-triage.yaml" <<'PY'
import os, re, sys
text = open(sys.argv[1]).read()
text = re.sub(r"\$\{([A-Z0-9_]+)\}", lambda m: os.environ[m.group(1)], text)
open(sys.argv[2], "w").write(text)
PY
validator=${VALIDATE_KREW:-$here/../shared/tools/validate_krew.py}
python3 "$validator" "$out/etcd-triage.yaml" ${archive:+"$archive"}
