#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Diagnostics upload end to end against nginx on loopback: the device program
# PUTs its chunks to the WebDAV location, then `iotlife diag decode` reads the
# objects the server stored.   diag_upload.sh DEVICE_PROGRAM IOTLIFE_CLI
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
exec "$HERE/run.sh" bash -c '
  set -euo pipefail
  "$1"
  out="$("$2" diag decode "$IOTL_E2E_ROOT"/upload/diag/e2e-dev/*.bin)"
  n=$(printf "%s\n" "$out" | wc -l)
  [ "$n" -eq 300 ] || { echo "FAIL: iotlife diag decode gave $n records, want 300"; exit 1; }
  echo "iotlife diag decode: $n records from the object store"
' diag_upload "$1" "$2"
