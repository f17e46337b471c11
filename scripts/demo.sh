#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The iotlife demo: one simulated device, a static repository on nginx
# (loopback, HTTPS with a generated CA), the real agent over curl.
#   builder:  keys, key ring, v1 -> v2 (full and delta), signed manifests
#   operator: signed deployments
#   device:   update with a progress bar, a power cut (SIGKILL) and resume,
#             confirm; then a bad v3 fails its health check and rolls back;
#             outcome and diagnostics are uploaded (WebDAV PUT) and decoded.
# Installs what it needs (scripts/deps.sh), builds, runs in a temporary
# directory and cleans up. IOTL_DEMO_KEEP=1 keeps the directory.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${IOTL_BUILD_DIR:-$ROOT/build}/demo"
T0=$SECONDS

b() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
"$ROOT/scripts/deps.sh"
b "build (RelWithDebInfo: library, CLI, device simulator)"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIOTLIFE_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target iotlife_cli iotlife_device >/dev/null
CLI="$BUILD/tools/iotlife"
DEV="$BUILD/examples/posix-device/iotlife-device"

W="$(mktemp -d "${TMPDIR:-/tmp}/iotlife-demo.XXXXXX")"
BG=""
cleanup() {
  if [ -n "$BG" ]; then kill -9 "$BG" 2>/dev/null || true; fi
  "$ROOT/tests/e2e/nginx.sh" stop "$W/nginx" >/dev/null 2>&1 || true
  if [ "${IOTL_DEMO_KEEP:-0}" = 1 ]; then echo "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT INT TERM
cd "$W"
mkdir -p www/repo keys
REPO="$W/www/repo"
json() { "$DEV" --dir device status --json | /usr/bin/python3 -c \
  "import json,sys; d=json.load(sys.stdin); print(eval('d'+sys.argv[1]))" "$1"; }

b "builder and operator keys, root-signed key ring"
for k in root publisher operator; do printf '  %-9s kid %s\n' $k "$("$CLI" keygen keys/$k.key keys/$k.pub)"; done
"$CLI" keyring create --version 1 --expires +30d --key root:keys/root.pub --key publisher:keys/publisher.pub \
  --key operator:keys/operator.pub --sign keys/root.key -o keyring.json >/dev/null
"$CLI" publish keyring --repo "$REPO" keyring.json | sed 's/^/  /'

b "firmware images: v1 (factory), v2 (a 24 KiB change), v3 (fails its self-test)"
head -c 240000 /dev/urandom >base.bin
{ printf 'IOTLSIM version=1.0.0 health=ok\n'; cat base.bin; } >v1.img
{ printf 'IOTLSIM version=2.0.0 health=ok\n'; head -c 100000 base.bin; head -c 24576 /dev/urandom;
  tail -c +124577 base.bin; } >v2.img
{ printf 'IOTLSIM version=3.0.0 health=fail\n'; head -c 200000 /dev/urandom; } >v3.img
"$CLI" delta create v1.img v2.img -o v2.from-1.0.0.delta --interval 16384 | sed 's/^/  /'
printf '  v2 full %s bytes, delta from v1 %s bytes\n' "$(stat -c %s v2.img)" "$(stat -c %s v2.from-1.0.0.delta)"

b "publish v2 (full + delta) and deploy it to the 'stable' channel"
"$CLI" manifest create --key keys/publisher.key --product thermo --hardware rev-a --version 2.0.0 \
  --security-version 1 --sequence 2 --expires +30d \
  --payload name=full,component=main,file=v2.img,location=main.bin \
  --payload name=delta,component=main,file=v2.from-1.0.0.delta,location=main.from-1.0.0.delta,kind=delta,image=v2.img,base-version=1.0.0,base=v1.img \
  -o v2.manifest.jws >/dev/null
"$CLI" publish release --repo "$REPO" v2.manifest.jws v2.img v2.from-1.0.0.delta | sed 's/^/  /'
"$CLI" deploy create --key keys/operator.key --manifest v2.manifest.jws --id rollout-2 --sequence 2 \
  --expires +7d -o d2.jws >/dev/null
"$CLI" publish deployment --repo "$REPO" --channel stable d2.jws | sed 's/^/  /'

b "serve the repository with nginx on loopback (HTTP + HTTPS, WebDAV PUT for uploads)"
"$ROOT/tests/e2e/nginx.sh" start "$W/nginx" "$W/www"
# shellcheck disable=SC1091
. "$W/nginx/env"
URL="$IOTL_E2E_HTTPS/repo/deployments/stable.jws"
UP="$IOTL_E2E_HTTPS/upload"
export IOTL_CA_FILE="$IOTL_E2E_CA"
echo "  $URL"
(cd "$W/www" && find repo -type f | sort | sed 's/^/  /')

b "device: factory image v1, trusts only the root key"
"$DEV" --dir device init --product thermo --hardware rev-a --image v1.img --anchor keys/root.pub --id thermo-0042 \
  | sed 's/^/  /'

b "device checks for updates; power is cut (SIGKILL) in the middle of the download"
"$DEV" --dir device poll --url "$URL" --throttle 8 >poll.out 2>poll.err &
BG=$!
for _ in $(seq 1 300); do
  pct=$(tr '\r' '\n' <poll.err | grep -o '[0-9]*%' | tail -n 1 | tr -d '%' || true)
  [ -n "$pct" ] && [ "$pct" -ge 55 ] && break
  sleep 0.05
done
kill -9 "$BG"; wait "$BG" 2>/dev/null || true; BG=""
sed 's/^/  /' poll.out
tr '\r' '\n' <poll.err | grep download | tail -n 1 | sed 's/^/  /'
echo "  *** power cut (SIGKILL) ***"
echo "  staging after the cut: $(json "['stage']['phase']"), $(json "['stage']['next_offset']") payload bytes kept"

b "power returns: the device resumes, installs, reboots into a trial, checks its health, confirms"
"$DEV" --dir device run --url "$URL" --report "$UP" 2>&1 | tr '\r' '\n' | awk '/^download/{d=$0; next} /^ *$/{next} {if (d!="") {print "  " d; d=""} print "  " $0}'
[ "$(json "['outcome']['kind']")" = confirmed ] || { echo "demo: v2 was not confirmed" >&2; exit 1; }
echo "  status report on the server:"
sed 's/^/    /' "$W/www/upload/reports/thermo-0042/status.json"

b "publish a bad v3 (its self-test fails) and deploy it"
"$CLI" manifest create --key keys/publisher.key --product thermo --hardware rev-a --version 3.0.0 \
  --security-version 1 --sequence 3 --expires +30d --payload name=full,component=main,file=v3.img,location=main.bin \
  -o v3.manifest.jws >/dev/null
"$CLI" publish release --repo "$REPO" v3.manifest.jws v3.img | sed 's/^/  /'
"$CLI" deploy create --key keys/operator.key --manifest v3.manifest.jws --id rollout-3 --sequence 3 \
  --expires +7d -o d3.jws >/dev/null
"$CLI" publish deployment --repo "$REPO" --channel stable d3.jws | sed 's/^/  /'

b "device takes v3: trial boot, health check fails, automatic rollback to v2"
"$DEV" --dir device run --url "$URL" --report "$UP" 2>&1 | tr '\r' '\n' | awk '/^download/{d=$0; next} /^ *$/{next} {if (d!="") {print "  " d; d=""} print "  " $0}'
[ "$(json "['running']['version']")" = 2.0.0 ] || { echo "demo: not rolled back to v2" >&2; exit 1; }
echo "  status report on the server:"
sed 's/^/    /' "$W/www/upload/reports/thermo-0042/status.json"

b "diagnostics uploaded by the device (WebDAV PUT), decoded on the host"
ls "$W/www/upload/diag/thermo-0042/" | sed 's/^/  /'
"$CLI" diag decode --text "$W/www/upload/diag/thermo-0042/"*.chunk 2>&1 | sed 's/^/  /'

b "summary"
printf '  %-28s %s\n' "device" "thermo-0042 (thermo rev-a)"
printf '  %-28s %s\n' "running" "v$(json "['running']['version']") in slot $(json "['running']['slot']")"
printf '  %-28s %s\n' "last outcome" "$(json "['outcome']['kind']") $(json "['outcome']['version']") $(json "['outcome']['error']")"
printf '  %-28s %s\n' "v2 delivered as" "delta, $(stat -c %s v2.from-1.0.0.delta) of $(stat -c %s v2.img) bytes, resumed after a power cut"
printf '  %-28s %s\n' "anti-rollback floors" "security $(json "['floors']['security_version']"), manifest seq $(json "['floors']['manifest_seq']"), deployment seq $(json "['floors']['deployment_seq']")"
printf '  %-28s %s\n' "demo time" "$((SECONDS - T0)) s"
