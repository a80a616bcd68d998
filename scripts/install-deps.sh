#!/usr/bin/env bash
# Installs the Debian packages tritgate needs, when they are missing. Idempotent: with
# everything present it only checks and exits. Needs root (or sudo) to install.
set -euo pipefail
pkgs=(
  build-essential cmake pkg-config ccache
  libfmt-dev libboost-program-options-dev libgtest-dev nlohmann-json3-dev
  verilator iverilog libsystemc-dev
  yosys nextpnr-ice40 fpga-icestorm berkeley-abc
  libtorch-dev libopenblas0-pthread
  cadical z3 graphviz
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing missing Debian packages: ${missing[*]}"
sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; run as root: apt-get install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
