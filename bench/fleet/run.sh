#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fleet simulation: >= 1000 devices (real agent + trust decision over the curl
# transport, simulated clock, counted staging) poll an nginx-served iotlife
# repository during a staged rollout 10 % -> 50 % -> 100 %, once with the
# agent's +-10 % poll jitter and once in lockstep. Prints markdown tables:
# requests, 304 share, bytes with full vs delta payloads, load spread.
#   bench/fleet/run.sh [DEVICES] [INTERVAL_S] [DURATION_S]   (default 1000 600 10800)
# IOTL_BUILD_DIR picks the build tree, IOTL_BENCH_CFLAGS adds compiler flags
# (e.g. "-fsanitize=address,undefined" with a -DIOTLIFE_SANITIZE=ON tree).
# Loopback only; nginx runs under a temporary directory and is stopped on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${IOTL_BUILD_DIR:-$ROOT/build}"
N="${1:-1000}"
INTERVAL="${2:-600}"
DURATION="${3:-10800}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/iotl-bench-fleet.XXXXXX")"
NG="$WORK/nginx"
cleanup() {
  "$ROOT/tests/e2e/nginx.sh" stop "$NG" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [ ! -f "$BUILD/libiotlife_port_curl.a" ] || [ ! -x "$BUILD/tools/iotlife" ]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD" -j2 --target iotlife iotlife_port_curl iotlife_port_mbedtls iotlife_cli >/dev/null
cc ${IOTL_BENCH_CFLAGS:-} -O2 -std=c99 -Wall -Wextra -Werror -Wcast-qual -Wformat=2 -Wmissing-prototypes -Wshadow \
  -Wstrict-prototypes -Wswitch-enum -Wundef -Wvla -Wwrite-strings -I"$ROOT/include" -I"$ROOT/ports/curl/include" \
  -I"$ROOT/ports/mbedtls/include" "$ROOT/bench/fleet/bench_fleet.c" \
  "$BUILD/libiotlife_port_curl.a" "$BUILD/libiotlife_port_mbedtls.a" "$BUILD/libiotlife.a" \
  -lcurl -lmbedcrypto -lcjson -lz -o "$WORK/bench_fleet"
CLI="$BUILD/tools/iotlife"

"$ROOT/tests/e2e/nginx.sh" start "$NG" >/dev/null
# shellcheck disable=SC1091
. "$NG/env"
REPO="$IOTL_E2E_ROOT/repo"
cd "$WORK"

# --- repository: key ring, one release with a full and a delta payload --------
for k in root publisher operator; do "$CLI" keygen $k.key $k.pub >/dev/null; done
"$CLI" keyring create --version 1 --expires +30d --key root:root.pub --key publisher:publisher.pub \
  --key operator:operator.pub --sign root.key -o ring.json >/dev/null
"$CLI" publish keyring --repo "$REPO" ring.json >/dev/null
/usr/bin/python3 - <<'PY'
import random
r = random.Random(7)
old = bytearray(r.getrandbits(8) for _ in range(256 * 1024))
new = bytearray(old)
for _ in range(12):                      # a few patched functions, a new table
    at = r.randrange(0, len(new) - 2048)
    new[at:at + 600] = bytes(r.getrandbits(8) for _ in range(600))
new += bytes(r.getrandbits(8) for _ in range(4096))
open("v1.img", "wb").write(old)
open("v2.img", "wb").write(new)
PY
"$CLI" delta create v1.img v2.img -o v2.from-1.0.0.delta -q >/dev/null
"$CLI" manifest create --key publisher.key --product thermo --hardware rev-a --version 2.0.0 \
  --security-version 1 --sequence 2 --expires +30d \
  --payload "name=full,component=main,file=v2.img,location=main.bin" \
  --payload "name=delta,component=main,file=v2.from-1.0.0.delta,location=main.from-1.0.0.delta,kind=delta,image=v2.img,base-version=1.0.0,base=v1.img" \
  -o m2.jws >/dev/null
"$CLI" publish release --repo "$REPO" m2.jws v2.img v2.from-1.0.0.delta >/dev/null
mkdir -p "$REPO/deployments"
seq=10
stages=()
h=$((DURATION / 3))
t=0
for pct in 10 50 100; do
  "$CLI" deploy create --key operator.key --manifest m2.jws --id fleet-rollout --sequence "$seq" \
    --rollout "$pct" --expires +7d -o "d$pct.jws" >/dev/null
  stages+=(--stage "$t:$pct:$WORK/d$pct.jws")
  seq=$((seq + 1)); t=$((t + h))
done
full_size=$(stat -c %s v2.img)
delta_size=$(stat -c %s v2.from-1.0.0.delta)

run() { # LABEL [--no-jitter]
  local before after
  before=$(wc -l <"$NG/logs/access.log" 2>/dev/null || echo 0)
  "$WORK/bench_fleet" --url "$IOTL_E2E_HTTP/repo/deployments/stable.jws" --root root.pub --keyring ring.json \
    --publish "$REPO/deployments/stable.jws" "${stages[@]}" --devices "$N" --interval "$INTERVAL" \
    --duration "$DURATION" --label "$@" >"$1.out"
  after=$(wc -l <"$NG/logs/access.log")
  # nginx's own view of the same run (combined log: status and body bytes)
  tail -n "$((after - before))" "$NG/logs/access.log" | awk '
    { split($7, u, "?"); uri = u[1]; st = $9; b = $10;
      k = "other";
      if (uri ~ /\/deployments\//) k = "deployment";
      else if (uri ~ /manifest\.jws$/) k = "manifest";
      else if (uri ~ /\.delta$/) k = "payload (delta)";
      else if (uri ~ /\/releases\//) k = "payload (full)";
      n[k]++; bytes[k] += b; s[k "/" st]++; tot++; if (st == 304) t304++ }
    END { printf "nginx access log: %d requests, %d answered 304 (%.1f %%)", tot, t304, tot ? 100 * t304 / tot : 0;
          for (k in n) printf "; %s %d req %d B", k, n[k], bytes[k]; printf "\n" }' >"$1.nginx"
}
run jitter
run lockstep --no-jitter

echo "## Fleet simulation: $N devices, poll every $INTERVAL s, rollout 10 % -> 50 % -> 100 % every $h s (simulated)"
echo
echo "Release 2.0.0: full image $full_size B, delta from 1.0.0 $delta_size B; 75 % of the devices run 1.0.0 (delta), 25 % run 0.9.0 (full)."
echo
echo "## With the agent's +-10 % jitter"
echo
cat jitter.out
echo
cat jitter.nginx
echo
echo "## Without jitter (every device draws the same numbers: lockstep)"
echo
cat lockstep.out
echo
cat lockstep.nginx
echo
j=$(grep '^FLEET' jitter.out); l=$(grep '^FLEET' lockstep.out)
get() { echo "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }
echo "## Summary"
echo
echo "| | with jitter | lockstep |"
echo "| --- | ---: | ---: |"
echo "| requests | $(get "$j" requests) | $(get "$l" requests) |"
echo "| answered 304 | $(get "$j" r304) | $(get "$l" r304) |"
echo "| peak req/s, whole run (1 s buckets) | $(get "$j" peak) | $(get "$l" peak) |"
echo "| mean req/s, whole run | $(get "$j" mean) | $(get "$l" mean) |"
echo "| peak req/s, last quarter of the run | $(get "$j" peak_late) | $(get "$l" peak_late) |"
echo "| mean req/s, last quarter of the run | $(get "$j" mean_late) | $(get "$l" mean_late) |"
fb=$(get "$j" full_bytes); db=$(get "$j" delta_bytes)
echo
echo "| payload bytes served (jitter run) | bytes |"
echo "| --- | ---: |"
echo "| full images | $fb |"
echo "| deltas | $db |"
echo "| total | $((fb + db)) |"
echo "| if every device had taken the full image | $((N * full_size)) |"
