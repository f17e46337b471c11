#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Static analysis of the core and the ports with Debian's cppcheck; any
# finding fails. Suppressions are listed in scripts/cppcheck-suppressions.txt
# with the reason for each.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
incs=(-I include -I src)
for d in ports/*/include; do incs+=(-I "$d"); done
cppcheck --version
cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
  --std=c99 --inline-suppr --suppressions-list=scripts/cppcheck-suppressions.txt \
  -D__GNUC__ -DIOTL_FEATURE_ZLIB=1 -DIOTL_FEATURE_JSON=1 \
  "${incs[@]}" src ports
echo "cppcheck: src/ and ports/ clean"
