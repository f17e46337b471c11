#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Delta-patch benchmark: iotlife against bsdiff, xdelta3 -9 -S djw,
# zstd -19 --long --patch-from and gzip -9 of the new image, on
#   - the five firmware pairs in ../shared/bench-data/firmware-pairs,
#   - three Debian shared libraries, two published versions each
#     (apt-get download, cached in bench/delta/.cache, never committed),
#   - two builds (-O2, -Os) of a small Cortex-M firmware, release 1 -> 2
#     (bench/delta/fw/fw.c, arm-none-eabi-gcc).
# Prints markdown tables: sizes (and multiples of bsdiff), encode and apply
# times (iotlife vs bsdiff / bspatch, measured in the same run), and the
# decoder's measured peak memory. Peers come from Debian packages (deps.sh).
#   bench/delta/run.sh [BUILD_DIR]      REPS=7 (timing repetitions; the best is kept)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/bench/delta"
BUILD="${1:-$ROOT/build-bench}"
REPS="${REPS:-7}"
CACHE="$HERE/.cache"
SHARED="$ROOT/../shared/bench-data/firmware-pairs"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

for t in bsdiff bspatch xdelta3 zstd gzip arm-none-eabi-gcc dpkg-deb apt-get; do
  command -v "$t" >/dev/null || { echo "bench: $t missing (scripts/deps.sh installs it)"; exit 1; }
done

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DIOTLIFE_BUILD_TESTS=OFF \
  -DIOTLIFE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$BUILD" -j2 --target iotlife_cli >/dev/null
CLI="$BUILD/tools/iotlife"

# ---- corpus ------------------------------------------------------------------------
mkdir -p "$CACHE"
PAIRS=()
for p in upy-esp8266 pybv11-v1.10 pybv11-dirty shell-m4 shell-pi3; do
  if [ -f "$SHARED/$p/old" ]; then PAIRS+=("$p|$SHARED/$p/old|$SHARED/$p/new"); fi
done

# Debian: package, old version, new version, file inside the package.
DEBS=(
  "libexpat1|2.5.0-1+deb12u2|2.5.0-1+deb12u5|usr/lib/x86_64-linux-gnu/libexpatw.so.1.8.10"
  "libxslt1.1|1.1.35-1+deb12u3|1.1.35-1+deb12u4|usr/lib/x86_64-linux-gnu/libxslt.so.1.1.35"
  "libcurl4|7.88.1-10+deb12u5|7.88.1-10+deb12u15|usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0"
)
for d in "${DEBS[@]}"; do
  IFS='|' read -r pkg v1 v2 file <<<"$d"
  ok=1
  for v in "$v1" "$v2"; do
    dir="$CACHE/$pkg/$v"
    if [ ! -f "$dir/$file" ]; then
      mkdir -p "$dir"
      if (cd "$dir" && apt-get download -q "$pkg=$v" >/dev/null 2>&1); then
        dpkg-deb -x "$dir"/*.deb "$dir"
      else
        echo "bench: cannot download $pkg=$v (skipped)" >&2
        ok=0
      fi
    fi
  done
  if [ "$ok" = 1 ]; then
    PAIRS+=("deb:$pkg|$CACHE/$pkg/$v1/$file|$CACHE/$pkg/$v2/$file")
  fi
done

FW="$CACHE/fw"
mkdir -p "$FW"
for opt in O2 Os; do
  for rel in 1 2; do
    def=""
    if [ "$rel" = 2 ]; then def="-DFW_V2"; fi
    arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=soft "-$opt" $def --specs=nano.specs \
      --specs=nosys.specs -u _printf_float -ffunction-sections -fdata-sections -Wl,--gc-sections \
      "$HERE/fw/fw.c" -o "$FW/fw$rel-$opt.elf"
    arm-none-eabi-objcopy -O binary "$FW/fw$rel-$opt.elf" "$FW/fw$rel-$opt.bin"
  done
  PAIRS+=("arm-fw-$opt|$FW/fw1-$opt.bin|$FW/fw2-$opt.bin")
done

# ---- helpers -----------------------------------------------------------------------
now_ns() { date +%s%N; }
# ms CMD...: best wall time of REPS runs, in milliseconds (3 decimals); the
# minimum is the least disturbed by the other jobs on a shared machine.
ms() {
  local t0 t1 best=""
  for ((r = 0; r < REPS; r++)); do
    t0=$(now_ns)
    "$@" >/dev/null 2>&1
    t1=$(now_ns)
    if [ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ]; then best=$((t1 - t0)); fi
  done
  echo "scale=3; $best / 1000000" | bc | sed 's/^\./0./'
}
ratio() { echo "scale=3; $1 / $2" | bc | sed 's/^\./0./'; }
size() { stat -c %s "$1"; }

echo "## Delta patches: size (bytes, and multiple of bsdiff)"
echo
echo "| pair | old | new | iotlife | ×bsdiff | iotlife 1 KiB window | ×bsdiff | bsdiff | xdelta3 -9 -S djw | ×bsdiff | zstd -19 --long --patch-from | ×bsdiff | gzip -9 new | ×bsdiff | decision |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
S_W10=0 S_IOT=0 S_BS=0 S_XD=0 S_ZS=0 S_GZ=0 WORST=0 WORST_P=""
TIMES=()
for entry in "${PAIRS[@]}"; do
  IFS='|' read -r name old new <<<"$entry"
  out="$WORK/$(echo "$name" | tr ':/' '__')"
  dec=$("$CLI" delta create "$old" "$new" -o "$out.iot" -q | sed -n 's/^decision: //p')
  "$CLI" delta create "$old" "$new" -o "$out.w10" -q --window-bits 10 >/dev/null
  bsdiff "$old" "$new" "$out.bs"
  xdelta3 -9 -S djw -e -f -s "$old" "$new" "$out.xd"
  zstd -q -q -f -19 --long=27 --patch-from="$old" "$new" -o "$out.zs"
  gzip -9 -c "$new" >"$out.gz"
  "$CLI" delta apply "$old" "$out.iot" -o "$out.new" --stats >"$out.stats"
  cmp -s "$out.new" "$new" || { echo "bench: $name: iotlife round trip FAILED"; exit 1; }
  bspatch "$old" "$out.bsnew" "$out.bs"
  cmp -s "$out.bsnew" "$new" || { echo "bench: $name: bspatch round trip FAILED"; exit 1; }
  a10=$(size "$out.w10")
  S_W10=$((S_W10 + a10))
  a=$(size "$out.iot") b=$(size "$out.bs") x=$(size "$out.xd") z=$(size "$out.zs") g=$(size "$out.gz")
  S_IOT=$((S_IOT + a)) S_BS=$((S_BS + b)) S_XD=$((S_XD + x)) S_ZS=$((S_ZS + z)) S_GZ=$((S_GZ + g))
  r=$(ratio "$a" "$b")
  if [ "$(echo "$r > $WORST" | bc)" = 1 ]; then WORST=$r WORST_P=$name; fi
  echo "| $name | $(size "$old") | $(size "$new") | $a | $r | $a10 | $(ratio "$a10" "$b") | $b | $x | $(ratio "$x" "$b") | $z | $(ratio "$z" "$b") | $g | $(ratio "$g" "$b") | $dec |"
  # timings, same run
  te=$(ms "$CLI" delta create "$old" "$new" -o "$out.iot2" -q)
  tb=$(ms bsdiff "$old" "$new" "$out.bs2")
  ta=$(ms "$CLI" delta apply "$old" "$out.iot" -o "$out.new2")
  tp=$(ms bspatch "$old" "$out.bsnew2" "$out.bs")
  mem=$(sed -n 's/^decoder memory: peak \([0-9]*\) of \([0-9]*\).* + \([0-9]*\) object.*/\1 \2 \3/p' "$out.stats")
  TIMES+=("$name|$te|$tb|$ta|$tp|$mem")
done
echo "| **sum** | | | **$S_IOT** | **$(ratio $S_IOT $S_BS)** | $S_W10 | $(ratio $S_W10 $S_BS) | $S_BS | $S_XD | $(ratio $S_XD $S_BS) | $S_ZS | $(ratio $S_ZS $S_BS) | $S_GZ | $(ratio $S_GZ $S_BS) | |"
echo
echo "Worst pair: $WORST_P at ${WORST}× bsdiff. Targets: sum ≤ 1.10×, no pair above 1.25× (goal ≤ 1.00×)."
echo
echo "## Time (ms, best of $REPS runs, whole processes) and decoder memory"
echo
echo "| pair | encode iotlife | encode bsdiff | ratio | apply iotlife | bspatch | ratio | decoder peak (work buffer) | + object | declared work buffer |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
T_E=0 T_B=0 T_A=0 T_P=0 PEAK=0
for t in "${TIMES[@]}"; do
  IFS='|' read -r name te tb ta tp mem <<<"$t"
  read -r peak decl obj <<<"$mem"
  T_E=$(echo "$T_E + $te" | bc) T_B=$(echo "$T_B + $tb" | bc) T_A=$(echo "$T_A + $ta" | bc) T_P=$(echo "$T_P + $tp" | bc)
  if [ "$peak" -gt "$PEAK" ]; then PEAK=$peak; fi
  echo "| $name | $te | $tb | $(ratio "$te" "$tb") | $ta | $tp | $(ratio "$ta" "$tp") | $peak | $obj | $decl |"
done
echo "| **sum** | $T_E | $T_B | **$(ratio "$T_E" "$T_B")** | $T_A | $T_P | **$(ratio "$T_A" "$T_P")** | max $PEAK | | |"
echo
echo "Decoder: 4 KiB deflate window (window_bits 12), checkpoint every 128 KiB of new image."
echo "iotlife apply verifies the old image's and the new image's SHA-256 (bspatch verifies nothing);"
echo "the CLI hashes with OpenSSL libcrypto when it was found at build time, else Mbed TLS."
