#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end: a compressed (raw deflate) update with restart points, served by
# nginx, installed by iotlife-device over HTTP with a SIGKILL mid-download;
# the resumed install must end confirmed on exactly the new image.
# Run through tests/e2e/run.sh (starts nginx, exports IOTL_E2E_*):
#   compressed_update.sh BUILD_DIR
set -euo pipefail
BUILD="$(cd "$1" && pwd)"
CLI="$BUILD/tools/iotlife"
DEV="$BUILD/examples/posix-device/iotlife-device"
: "${IOTL_E2E_ROOT:?run through tests/e2e/run.sh}"
W="$(mktemp -d "${TMPDIR:-/tmp}/iotl_deflate_e2e.XXXXXX")"
BG=""
cleanup() {
  if [ -n "$BG" ]; then kill -9 "$BG" 2>/dev/null || true; fi
  rm -rf "$W"
}
trap cleanup EXIT
cd "$W"
REPO="$IOTL_E2E_ROOT/repo-deflate"
URL="$IOTL_E2E_HTTP/repo-deflate/deployments/stable.jws"
die() { echo "compressed update FAILED: $*" >&2; exit 1; }
json() { "$DEV" --dir dev status --json | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d'+sys.argv[1]))" "$2"; }

for k in root publisher operator; do "$CLI" keygen $k.key $k.pub >/dev/null; done
"$CLI" keyring create --version 1 --expires +30d --key root:root.pub --key publisher:publisher.pub \
  --key operator:operator.pub --sign root.key -o ring.json >/dev/null
"$CLI" publish keyring --repo "$REPO" ring.json >/dev/null

# Images that compress like firmware: repeated structure with some entropy.
/usr/bin/python3 - <<'PY'
import os, random, zlib
def image(version, seed, size):
    rnd = random.Random(seed)
    words = [bytes(rnd.randrange(256) for _ in range(16)) for _ in range(64)]
    body = b"".join(rnd.choice(words) for _ in range(size // 16))
    return (b"IOTLSIM version=%s health=ok\n" % version.encode()) + body
open("v1.img", "wb").write(image("1.0.0", 1, 200000))
v2 = image("2.0.0", 2, 600000)
open("v2.img", "wb").write(v2)
# Raw deflate with a full flush every 4 KiB of input: restart points a device
# can resume from (the simulator's erase size is 4 KiB).
c = zlib.compressobj(9, zlib.DEFLATED, -15)
out = []
for off in range(0, len(v2), 4096):
    out.append(c.compress(v2[off:off + 4096]))
    out.append(c.flush(zlib.Z_FULL_FLUSH))
out.append(c.flush(zlib.Z_FINISH))
open("v2.deflate", "wb").write(b"".join(out))
PY
full=$(stat -c %s v2.img)
packed=$(stat -c %s v2.deflate)
[ "$packed" -lt "$full" ] || die "test setup: the image does not compress"

"$CLI" manifest create --key publisher.key --product thermo --hardware rev-a --version 2.0.0 \
  --security-version 1 --sequence 2 --expires +30d \
  --payload "name=main,component=main,file=v2.deflate,image=v2.img,kind=deflate,restart-points=1,location=main.deflate" \
  -o m2.jws >/dev/null
"$CLI" publish release --repo "$REPO" m2.jws v2.deflate >/dev/null
"$CLI" deploy create --key operator.key --manifest m2.jws --id rollout-2 --sequence 2 --expires +7d -o d2.jws >/dev/null
"$CLI" publish deployment --repo "$REPO" --channel stable d2.jws >/dev/null

"$DEV" --dir dev init --product thermo --image v1.img --anchor root.pub --id dev-deflate --slot-size 1048576 >/dev/null
# Throttled so the kill lands mid-download.
"$DEV" --dir dev poll --url "$URL" --throttle 40 >poll.out 2>poll.err &
BG=$!
for _ in $(seq 1 400); do
  kill -0 "$BG" 2>/dev/null || { cat poll.out poll.err; die "poll ended before the power cut"; }
  pct=$(tr '\r' '\n' <poll.err | grep -o '[0-9]*%' | tail -n 1 | tr -d '%' || true)
  [ -n "$pct" ] && [ "$pct" -ge 40 ] && break
  sleep 0.05
done
kill -9 "$BG"; wait "$BG" 2>/dev/null || true; BG=""
[ "$(json dev "['stage']['phase']")" = downloading ] || die "no download in flight after the cut"
"$DEV" --dir dev run --url "$URL" -q >run.out 2>&1 || { cat run.out; die "run after the power cut"; }
[ "$(json dev "['running']['version']")" = 2.0.0 ] || { cat run.out; die "v2 not running"; }
[ "$(json dev "['outcome']['kind']")" = confirmed ] || die "v2 not confirmed"
slot=$(json dev "['running']['slot']")
case "$slot" in A|a|0) f=dev/slot_a.bin ;; *) f=dev/slot_b.bin ;; esac
[ -f "$f" ] || f=$(ls dev/*slot*"${slot,,}"* 2>/dev/null | head -n 1)
cmp -n "$full" "$f" v2.img || die "the installed slot differs from v2"
echo "compressed update: $packed of $full bytes downloaded as raw deflate, SIGKILL at ${pct:-?}%, resumed, confirmed, slot matches v2"
echo "compressed update e2e: 1 passed, 0 failed"
