#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds and runs three consumer projects: add_subdirectory, FetchContent (the
# local git checkout at HEAD) and find_package against a temporary install.
#   tests/consumers/run.sh [WORK_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${1:-$ROOT/build/consumers}"
HERE="$ROOT/tests/consumers"
rm -rf "$WORK"
mkdir -p "$WORK"
jobs="$(nproc)"

run_app() {
  local name="$1" dir="$2"
  "$dir/app"
  echo "consumer $name: ok"
}

# 1. add_subdirectory
cmake -S "$HERE/subdir" -B "$WORK/subdir" -DIOTLIFE_SOURCE_DIR="$ROOT" >/dev/null
cmake --build "$WORK/subdir" -j "$jobs" >/dev/null
run_app add_subdirectory "$WORK/subdir"

# 2. FetchContent from the local repository at the commit under test
ref="$(git -C "$ROOT" rev-parse HEAD)"
cmake -S "$HERE/fetchcontent" -B "$WORK/fetchcontent" -DIOTLIFE_GIT="$ROOT" -DIOTLIFE_REF="$ref" >/dev/null
cmake --build "$WORK/fetchcontent" -j "$jobs" >/dev/null
run_app FetchContent "$WORK/fetchcontent"

# 3. install to a temporary prefix, then find_package and pkg-config
cmake -S "$ROOT" -B "$WORK/lib" -DIOTLIFE_BUILD_TESTS=OFF -DIOTLIFE_BUILD_EXAMPLES=OFF \
  -DIOTLIFE_BUILD_TOOLS=OFF -DIOTLIFE_INSTALL=ON -DCMAKE_INSTALL_PREFIX="$WORK/prefix" >/dev/null
cmake --build "$WORK/lib" -j "$jobs" >/dev/null
cmake --install "$WORK/lib" >/dev/null
cmake -S "$HERE/findpackage" -B "$WORK/findpackage" -DCMAKE_PREFIX_PATH="$WORK/prefix" >/dev/null
cmake --build "$WORK/findpackage" -j "$jobs" >/dev/null
run_app find_package "$WORK/findpackage"
pc="$(find "$WORK/prefix" -name iotlife.pc | head -n 1)"
PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --modversion iotlife
PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --cflags --libs iotlife
echo "consumers: 3 of 3 built and ran"
