#!/usr/bin/env bash
# Builds a release into OUT_DIR:
#
#   scripts/release.sh VERSION OUT_DIR
#
#   etcd-triage_<VERSION>_<os>_<arch>.tar.gz   kubectl-etcd_triage, LICENSE, kubectl_complete-etcd_triage
#   SHA256SUMS                                 sha256sum format, one line per archive
#   etcd-triage.yaml                           the krew manifest for those archives, validated with each of them
#   kubectl-etcd_triage.1                      the man page
#
# linux/amd64 and linux/arm64 are static musl binaries made with `cargo zigbuild` (crates.io cargo-zigbuild, PyPI
# ziglang); they build on any Linux or macOS machine with those and the rustup targets. darwin/amd64 and
# darwin/arm64 need Apple's SDK (the Security and CoreFoundation frameworks) to link, so they are built only on
# macOS; elsewhere the script says so and leaves them out, unless OUT_DIR already holds their archives (copied from
# a macOS job), which are then checked and included. PLATFORMS="linux/amd64 ..." limits what is built.
#
# VERSION must be the crate's version (Cargo.toml), with or without a leading v. ETCD_TRIAGE_GIT_COMMIT, when set,
# is the commit `version` reports (else git's HEAD). RELEASE_BASE_URL is where the archives will be downloaded from
# (default: the GitHub release of the tag). RELEASE_MANIFEST=0 skips the krew manifest (a macOS job that only adds
# the darwin archives; the Linux run that gathers every archive renders and validates it).
set -euo pipefail
usage="usage: scripts/release.sh VERSION OUT_DIR"
version=${1:?$usage}
out=${2:?$usage}
version=${version#v}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
crate_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
if [ "$version" != "$crate_version" ]; then
  echo "release.sh: VERSION $version is not the crate's version $crate_version (Cargo.toml)" >&2
  exit 2
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
platforms=${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64}
host_os=$(uname -s)
if [ -z "${ETCD_TRIAGE_GIT_COMMIT:-}" ] && git rev-parse --short=12 HEAD >/dev/null 2>&1; then
  ETCD_TRIAGE_GIT_COMMIT=$(git rev-parse --short=12 HEAD)
  export ETCD_TRIAGE_GIT_COMMIT
fi

triple() {
  case $1 in
    linux/amd64) echo x86_64-unknown-linux-musl ;;
    linux/arm64) echo aarch64-unknown-linux-musl ;;
    darwin/amd64) echo x86_64-apple-darwin ;;
    darwin/arm64) echo aarch64-apple-darwin ;;
    *) echo "release.sh: unknown platform $1" >&2; return 1 ;;
  esac
}

need_zigbuild() {
  if ! command -v cargo-zigbuild >/dev/null; then
    echo "release.sh: cargo-zigbuild is missing: cargo install --locked cargo-zigbuild; python3 -m pip install ziglang" >&2
    exit 1
  fi
  if ! command -v zig >/dev/null && ! python3 -c 'import ziglang' 2>/dev/null; then
    echo "release.sh: zig is missing: python3 -m pip install ziglang" >&2
    exit 1
  fi
}

# Reproducible archives: sorted names, fixed owner and mtime (the commit's time when in git).
mtime=$(git log -1 --format=%ct 2>/dev/null || echo 0)
archive() {
  local platform=$1 binary=$2 name stage
  name=etcd-triage_${version}_${platform%/*}_${platform#*/}.tar.gz
  stage=$(mktemp -d)
  install -m 0755 "$binary" "$stage/kubectl-etcd_triage"
  install -m 0644 LICENSE "$stage/LICENSE"
  install -m 0755 completion/kubectl_complete-etcd_triage "$stage/kubectl_complete-etcd_triage"
  if tar --version 2>/dev/null | grep -q 'GNU tar'; then
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -C "$stage" -cf - \
      kubectl-etcd_triage LICENSE kubectl_complete-etcd_triage | gzip -n -9 > "$out/$name"
  else
    # bsdtar (macOS): no --sort/--mtime; the names are given in order, owners zeroed, no AppleDouble files.
    touch -t "$(date -r "$mtime" +%Y%m%d%H%M.%S 2>/dev/null || echo 197001010000)" "$stage"/*
    COPYFILE_DISABLE=1 tar --uid 0 --gid 0 -C "$stage" -cf - \
      kubectl-etcd_triage LICENSE kubectl_complete-etcd_triage | gzip -n -9 > "$out/$name"
  fi
  rm -rf "$stage"
  echo "release.sh: $platform: $out/$name ($(du -h "$out/$name" | cut -f1))"
}

built=()
skipped=()
for platform in $platforms; do
  target=$(triple "$platform")
  name=etcd-triage_${version}_${platform%/*}_${platform#*/}.tar.gz
  case $platform in
    linux/*)
      need_zigbuild
      rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target"
      echo "release.sh: building $platform ($target) with cargo zigbuild"
      cargo zigbuild --locked --release --target "$target"
      ;;
    darwin/*)
      if [ "$host_os" != Darwin ]; then
        if [ -f "$out/$name" ]; then
          echo "release.sh: $platform: not buildable here; using $out/$name from a macOS build"
          built+=("$platform")
        else
          echo "release.sh: $platform: NOT BUILT: linking for macOS needs Apple's SDK (Security, CoreFoundation); run this script on a macOS runner (see README, Releasing)" >&2
          skipped+=("$platform")
        fi
        continue
      fi
      rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target"
      echo "release.sh: building $platform ($target)"
      cargo build --locked --release --target "$target"
      ;;
  esac
  archive "$platform" "target/$target/release/kubectl-etcd_triage"
  built+=("$platform")
done

if [ ${#built[@]} -eq 0 ]; then
  echo "release.sh: nothing was built" >&2
  exit 1
fi
# The man page, from whichever binary runs here.
host_bin=""
case "$host_os/$(uname -m)" in
  Linux/x86_64) host_bin=target/x86_64-unknown-linux-musl/release/kubectl-etcd_triage ;;
  Linux/aarch64) host_bin=target/aarch64-unknown-linux-musl/release/kubectl-etcd_triage ;;
  Darwin/x86_64) host_bin=target/x86_64-apple-darwin/release/kubectl-etcd_triage ;;
  Darwin/arm64) host_bin=target/aarch64-apple-darwin/release/kubectl-etcd_triage ;;
esac
if [ -x "$host_bin" ]; then
  "$host_bin" man > "$out/kubectl-etcd_triage.1"
fi
(cd "$out" && sha256sum etcd-triage_"${version}"_*.tar.gz > SHA256SUMS 2>/dev/null || shasum -a 256 etcd-triage_"${version}"_*.tar.gz > SHA256SUMS)
if [ "${RELEASE_MANIFEST:-1}" = 0 ]; then
  echo "release.sh: RELEASE_MANIFEST=0: etcd-triage.yaml not rendered (the run that gathers all archives renders it)"
else
  scripts/krew-manifest.sh "$version" "$out"
fi
echo "release.sh: built ${built[*]}"
if [ ${#skipped[@]} -gt 0 ]; then
  echo "release.sh: not built here: ${skipped[*]} (left out of SHA256SUMS and etcd-triage.yaml)"
fi
