#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages iotlife's build, tests, demo and benchmarks
# need, when any is missing. Idempotent and non-interactive; needs root (or
# sudo) only when something is missing.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config git ca-certificates curl openssl
  libmbedtls-dev libcjson-dev zlib1g-dev libcurl4-openssl-dev libdivsufsort-dev
  check doxygen cppcheck clang libclang-rt-14-dev llvm
  gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi qemu-system-arm
  nginx libnginx-mod-http-dav-ext libnginx-mod-http-echo libnginx-mod-stream
  python3 python3-jwcrypto
  bsdiff xdelta3 zstd gzip valgrind bc libssl-dev
  dpkg-dev devscripts
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
