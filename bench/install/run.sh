#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install throughput of the staging module (hash + write through the posix
# storage port) versus plain `sha256sum` of the same file, in the same run.
# Prints markdown tables.
#   bench/install/run.sh [size_MiB]      (default 64)
#
# Rows: slots on the work directory's file system (fsync at every checkpoint)
# and on tmpfs (flash as fast as RAM: iotlife's own cost); a first install into
# erased slots and an update over slots holding an older image; SHA-256 from
# the Mbed TLS port (software, as on an MCU without a hash engine) and, when
# OpenSSL is installed, from libcrypto (the CPU's SHA extensions, as a device
# with a hash engine would plug into the crypto port).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${IOTL_BUILD_DIR:-$ROOT/build}"
MIB="${1:-64}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/iotl-bench-install.XXXXXX")"
SHM=""
trap 'rm -rf "$WORK" ${SHM:+"$SHM"}' EXIT

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j2 --target iotlife iotlife_port_posix iotlife_port_mbedtls >/dev/null
CFLAGS=(-O2 -std=c99 -D_POSIX_C_SOURCE=200809L -I"$ROOT/include" -I"$ROOT/ports/posix/include"
        -I"$ROOT/ports/mbedtls/include" -I"$ROOT/tools/delta")
LIBS=("$BUILD/libiotlife_port_posix.a" "$BUILD/libiotlife_port_mbedtls.a" "$BUILD/libiotlife.a"
      -lmbedcrypto -lz)
cc "${CFLAGS[@]}" "$ROOT/bench/install/bench_install.c" "${LIBS[@]}" -o "$WORK/bench_sw"
variants=(sw)
if [ -f /usr/include/openssl/sha.h ]; then
  cc "${CFLAGS[@]}" -DBENCH_HOST_CRYPTO -Wno-deprecated-declarations "$ROOT/bench/install/bench_install.c" \
    "$ROOT/tools/delta/host_crypto.c" "${LIBS[@]}" -lcrypto -o "$WORK/bench_hw"
  variants+=(hw)
fi

head -c "$((MIB * 1024 * 1024))" /dev/urandom > "$WORK/payload.bin"
cat "$WORK/payload.bin" > /dev/null # warm the page cache for every contender

secs() { awk -F'|' '{gsub(/ /,"",$4); print $4}'; }
# best_of N CMD...: the row with the smallest time out of N runs.
best_of() {
  local n="$1" row="" best="" r t
  shift
  for _ in $(seq "$n"); do
    r=$("$@")
    t=$(secs <<<"$r")
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then row="$r"; best="$t"; fi
  done
  echo "$row"
}

# sha256sum's time is its run on the payload minus its run on an empty file
# (process start-up), best of 9 each: the bench rows time the work only.
now() { echo "$EPOCHREALTIME"; }
best_run() {
  local best="" t0 t1 t
  for _ in 1 2 3 4 5 6 7 8 9; do
    t0=$(now); sha256sum "$1" > /dev/null; t1=$(now)
    t=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best="$t"; fi
  done
  echo "$best"
}
: > "$WORK/empty"
sha_t=$(echo "$(best_run "$WORK/payload.bin") - $(best_run "$WORK/empty")" | bc -l)

dirs=("disk:$WORK")
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  SHM="$(mktemp -d /dev/shm/iotl-bench-install.XXXXXX)"
  dirs+=("tmpfs:$SHM")
fi

echo "(best of 5 runs each; the machine may be shared, so compare rows of one run only)"
echo
echo "### Install throughput ($MIB MiB random payload, 4 KiB erase / 16 B write)"
echo
echo "| path | MiB | seconds | MiB/s | state writes | state erases |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
printf '| sha256sum (coreutils, start-up excluded) | %d | %.3f | %.1f | - | - |\n' "$MIB" "$sha_t" "$(echo "$MIB / $sha_t" | bc -l)"
ratios=()
for v in "${variants[@]}"; do
  row=$(BENCH_HASH_ROW=1 best_of 5 "$WORK/bench_$v" "$WORK/payload.bin" "$WORK" 0)
  echo "$row"
  hash_t=$(secs <<<"$row")
  ratios+=("$(sed -E 's/^\| ([^|]*) \|.*/\1/' <<<"$row")|$hash_t|$hash_t")
  for d in "${dirs[@]}"; do
    label="${d%%:*}"; dir="${d#*:}"
    for old in "" 1; do
      for ck in 262144 4294967295; do
        [ -n "$old" ] && [ "$ck" != 262144 ] && continue
        [ "$v" = hw ] && [ "$ck" != 262144 ] && continue
        row=$(BENCH_OLD_IMAGE="$old" best_of 5 "$WORK/bench_$v" "$WORK/payload.bin" "$dir" "$ck")
        row="${row/| install/| install, slots on $label,}"
        echo "$row"
        ratios+=("$(sed -E 's/^\| ([^|]*) \|.*/\1/' <<<"$row")|$(secs <<<"$row")|$hash_t")
      done
    done
    if [ "$v" = sw ]; then
      # The inactive slot erased while idle (iotl_stage_prepare): the install
      # programs without erasing.
      for old in "" 1; do
        row=$(BENCH_PREPARED=1 BENCH_OLD_IMAGE="$old" best_of 5 "$WORK/bench_$v" "$WORK/payload.bin" "$dir" 262144)
        row="${row/| install/| install, slots on $label,}"
        echo "$row"
        ratios+=("$(sed -E 's/^\| ([^|]*) \|.*/\1/' <<<"$row")|$(secs <<<"$row")|$hash_t")
      done
      # The same install with a SHA-256 that does no work: what staging and
      # the storage port cost on top of reading the file.
      row=$(BENCH_NO_HASH=1 best_of 5 "$WORK/bench_$v" "$WORK/payload.bin" "$dir" 262144)
      row="${row/| install/| install, slots on $label,}"
      echo "$row"
    fi
  done
done
echo
echo "| path | ratio to sha256sum (target >= 0.8) | ratio to read + SHA-256 with the same hash |"
echo "| --- | ---: | ---: |"
for e in "${ratios[@]}"; do
  IFS='|' read -r name t h <<<"$e"
  printf '| %s | %.2f | %.2f |\n' "$name" "$(echo "$sha_t / $t" | bc -l)" "$(echo "$h / $t" | bc -l)"
done
