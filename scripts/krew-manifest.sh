#!/usr/bin/env bash
# Renders krew/etcd-triage.yaml for a release from the archives in DIR and validates it with krew's checks
# (../shared/tools/validate_krew.py), once with each archive.
#
#   scripts/krew-manifest.sh VERSION DIR
#
# VERSION is the release (0.1.0 or v0.1.0). DIR holds etcd-triage_<VERSION>_<os>_<arch>.tar.gz for some of
# linux/amd64, linux/arm64, darwin/amd64, darwin/arm64; the manifest DIR/etcd-triage.yaml lists exactly those, each
# with its sha256 and its URI under RELEASE_BASE_URL (default: the GitHub release of the tag). Prints OK per archive.
#
# The validator checks an archive against the manifest's linux/amd64 entry only; every other archive is checked
# against a copy of the manifest in which its own entry is the only one, relabelled linux/amd64, so each archive's
# checksum, files and bin are verified the same way.
set -euo pipefail
usage="usage: krew-manifest.sh VERSION DIR"
version=${1:?$usage}
dir=${2:?$usage}
version=${version#v}
tag=v$version
here=$(cd "$(dirname "$0")/.." && pwd)
base=${RELEASE_BASE_URL:-https://github.com/etcd-triage/kubectl-etcd-triage/releases/download/$tag}
validator=${VALIDATE_KREW:-$here/../shared/tools/validate_krew.py}
[ -f "$validator" ] || { echo "krew-manifest.sh: validator $validator not found" >&2; exit 1; }
python3 - "$here/krew/etcd-triage.yaml" "$dir" "$tag" "$version" "$base" <<'PY'
import hashlib, os, re, sys
template, out_dir, tag, version, base = sys.argv[1:]
text = open(template).read()
head, platforms = text.split("  platforms:\n", 1)
entries = re.split(r"(?m)^(?=  - selector:)", platforms)
entries = [e for e in entries if e.strip()]
kept = []
for entry in entries:
    os_ = re.search(r"os: (\w+)", entry).group(1)
    arch = re.search(r"arch: (\w+)", entry).group(1)
    name = f"etcd-triage_{version}_{os_}_{arch}.tar.gz"
    path = os.path.join(out_dir, name)
    if not os.path.exists(path):
        print(f"krew-manifest.sh: no {name}: {os_}/{arch} left out of the manifest", file=sys.stderr)
        continue
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    key = f"{os_.upper()}_{arch.upper()}"
    entry = entry.replace("${URI_%s}" % key, f"{base}/{name}").replace("${SHA256_%s}" % key, sha)
    kept.append((os_, arch, path, entry))
if not kept:
    sys.exit(f"krew-manifest.sh: no archive etcd-triage_{version}_<os>_<arch>.tar.gz in {out_dir}")
head = head.replace("${VERSION}", tag)
manifest = head + "  platforms:\n" + "".join(e for *_, e in kept)
leftover = re.findall(r"\$\{[A-Z0-9_]+\}", manifest)
if leftover:
    sys.exit(f"krew-manifest.sh: unrendered placeholders {leftover}")
open(os.path.join(out_dir, "etcd-triage.yaml"), "w").write(manifest)
# One single-platform manifest per archive, relabelled linux/amd64, for the validator's archive check.
check_dir = os.path.join(out_dir, ".krew-check")
os.makedirs(check_dir, exist_ok=True)
with open(os.path.join(check_dir, "list"), "w") as listing:
    for os_, arch, path, entry in kept:
        sub = os.path.join(check_dir, f"{os_}_{arch}")
        os.makedirs(sub, exist_ok=True)
        single = entry.replace(f"os: {os_}", "os: linux").replace(f"arch: {arch}", "arch: amd64")
        open(os.path.join(sub, "etcd-triage.yaml"), "w").write(head + "  platforms:\n" + single)
        listing.write(f"{os_}/{arch}\t{path}\t{os.path.join(sub, 'etcd-triage.yaml')}\n")
PY
status=0
while IFS=$'\t' read -r platform archive single; do
  if [ "$platform" = linux/amd64 ]; then
    manifest=$dir/etcd-triage.yaml
  else
    manifest=$single
  fi
  printf '%s: ' "$platform"
  python3 "$validator" "$manifest" "$archive" || status=1
done < "$dir/.krew-check/list"
# The full manifest on its own (structure, selectors, no overlaps).
printf 'manifest: '
python3 "$validator" "$dir/etcd-triage.yaml" || status=1
rm -rf "$dir/.krew-check"
exit $status
