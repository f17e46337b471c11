#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run one end-to-end program against a fresh nginx on loopback:
#   run.sh PROGRAM [ARGS...]
# nginx is started under a temporary directory and always stopped (trap),
# whatever the program does.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="$(mktemp -d "${TMPDIR:-/tmp}/iotl_e2e.XXXXXX")"
cleanup() {
  "$HERE/nginx.sh" stop "$DIR" || true
  if [ "${IOTL_E2E_KEEP:-0}" = 1 ]; then echo "kept $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT INT TERM
"$HERE/nginx.sh" start "$DIR"
# shellcheck disable=SC1091
. "$DIR/env"
"$@"
