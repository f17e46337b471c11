#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Footprint and stack report for iotlife on Cortex-M4, with budget checks.

    footprint.py --root ROOT --m4 M4_BUILD --deps DEPS_BUILD --fw FW_BUILD --budget FILE

Code size: unlinked object sizes of each core module (arm-none-eabi-size on
the cortex-m4 preset's archives): every function counted, the upper bound a
firmware using all of a module pays. Whole firmware: linked sizes by
component from the linker map (after --gc-sections).

Stack: GCC's call graphs (-fcallgraph-info=su, one .ci per object, with each
function's frame) of iotlife and of the third-party code it calls (zlib,
cJSON, Mbed TLS) are merged; the worst case of a public call is its frame
plus the deepest callee chain. Calls through a port's ops table are indirect
calls and are excluded (the port's own worst case is listed beside). Calls
to libc leaf functions (memcpy, memset, ...) are not in any graph and count
0. Recursion in iotlife fails the check; recursion in third-party code
(cJSON's parse_value) counts its cycle IOTL_JSON_MAX_DEPTH times, the nesting
bound the core enforces before cJSON sees a document.

Exit status 1 when a budget is exceeded.
"""
import argparse
import fnmatch
import glob
import os
import re
import subprocess
import sys

EXPECTED_MODULES = {"manifest": ["manifest"], "trust": ["jws", "keyring"], "deploy": ["deploy"],
                    "stage": ["stage"], "boot": ["boot"], "delta": ["delta"], "diag": ["diag"],
                    "health": ["health"], "agent": ["agent"]}


def size_archive(path):
    """{object file name: (text, data, bss)} from arm-none-eabi-size -B."""
    out = subprocess.run(["arm-none-eabi-size", "-B", path], check=True, capture_output=True,
                         text=True).stdout
    res = {}
    for line in out.splitlines()[1:]:
        f = line.split()
        if len(f) >= 6 and f[0].isdigit():
            res[f[5].replace(".obj", "").replace(".o", "")] = (int(f[0]), int(f[1]), int(f[2]))
    return res


def load_budget(path):
    rules = []
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        waive = None
        m = re.search(r'\swaive="([^"]*)"\s*$', line)
        if m:
            waive = m.group(1)
            line = line[: m.start()]
        f = line.split()
        rules.append({"name": f[0], "limit": int(f[1]), "metric": f[2], "globs": f[3:], "waive": waive})
    return rules


def matches(name, globs):
    inc = [g for g in globs if not g.startswith("!")]
    exc = [g[1:] for g in globs if g.startswith("!")]
    return any(fnmatch.fnmatch(name, g) for g in inc) and not any(fnmatch.fnmatch(name, g) for g in exc)


# ---- call graphs ------------------------------------------------------------
NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
FRAME = re.compile(r"(\d+) bytes \(([a-z, ]+)\)")


def load_graph(ci_files):
    frame, kind, owner, edges = {}, {}, {}, {}
    for ci in ci_files:
        for line in open(ci, errors="replace"):
            m = NODE.search(line)
            if m:
                title, label = m.group(1), m.group(2).split("\\n")
                fm = FRAME.search(label[2]) if len(label) > 2 else None
                if fm:
                    frame[title] = int(fm.group(1))
                    kind[title] = fm.group(2)
                    owner[title] = ci
                continue
            m = EDGE.search(line)
            if m:
                edges.setdefault(m.group(1), []).append(m.group(2))
    return frame, kind, owner, edges


RECURSION_DEPTH = 8  # IOTL_JSON_MAX_DEPTH; set from config_defaults.h in main()


def worst_stack(fn, frame, edges, memo, onstack, notes):
    """(bytes, path) of the deepest chain from fn; externals count 0. Adds to
    notes everything reachable: indirect calls, externals, recursion. A call
    back into a function already on the chain (cJSON's parse_value) is bounded
    by the JSON nesting limit: the frames of the cycle count RECURSION_DEPTH-1
    more times."""
    if fn in memo:
        notes.update(memo[fn][2])
        return memo[fn][:2]
    if fn not in frame:
        notes.add("indirect" if fn == "__indirect_call" else "extern:" + fn)
        return (0, [fn])
    onstack.append(fn)
    best = (0, [])
    mine = set()
    for callee in sorted(set(edges.get(fn, []))):
        if callee in onstack:
            mine.add("recursion:" + callee)
            cycle = sum(frame[x] for x in onstack[onstack.index(callee):])
            sub = ((RECURSION_DEPTH - 1) * cycle, [f"{short(callee)} x{RECURSION_DEPTH - 1}"])
        else:
            sub = worst_stack(callee, frame, edges, memo, onstack, mine)
        if sub[0] > best[0] or not best[1]:
            best = sub
    onstack.pop()
    memo[fn] = (frame[fn] + best[0], [fn] + best[1], mine)
    notes.update(mine)
    return memo[fn][:2]


def short(fn):
    return fn.rsplit(":", 1)[-1]


# ---- linker map ---------------------------------------------------------------
def component(path, sect):
    if re.search(r"\.rodata\.(img_|fw_pubkey)", sect):
        return "test images (example payload)"
    for pat, name in [("libiotlife_port_ram.a", "iotlife port_ram"),
                      ("libiotlife_port_mbedtls.a", "iotlife port_mbedtls"),
                      ("libiotlife.a", "iotlife core"), ("libmbedcrypto.a", "Mbed TLS"),
                      ("libz.a", "zlib"), ("libcjson.a", "cJSON"), ("libgcc.a", "libgcc"),
                      ("libc_nano.a", "newlib-nano"), ("libg_nano.a", "newlib-nano"),
                      ("libm.a", "newlib-nano"), ("libnosys.a", "newlib-nano"),
                      ("fw.dir", "example firmware (app, board, startup)")]:
        if pat in path:
            return name
    return "other"


LINKED = {}  # object name -> bytes it contributes to the linked firmware
BSS_SYMS = []  # (bytes, symbol, component) of the firmware's zero-initialised RAM


def parse_map(path):
    """{component: {'rom': n, 'data': n, 'bss': n, 'noinit': n}} from a GNU ld map."""
    comps = {}
    out_sect = None
    started = False
    pending = None
    for line in open(path):
        if line.startswith("Linker script and memory map"):
            started = True
            continue
        if not started:
            continue
        m = re.match(r"^(\.[A-Za-z0-9_.]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)", line)
        if m and m.group(1) == ".stack":
            comps.setdefault("stack", {"rom": 0, "data": 0, "bss": 0, "noinit": 0, "stack": 0})["stack"] = int(m.group(2), 16)
        m = re.match(r"^(\.[A-Za-z0-9_.]+)(\s+0x|\s*$)", line)
        if m:
            out_sect = m.group(1)
            continue
        m = re.match(r"^ (\.[^\s]+|COMMON)\s*$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^ (\.[^\s]+|COMMON)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if m and out_sect is not None:
            sect = m.group(1) or pending
            pending = None
            size = int(m.group(3), 16)
            if sect is None or size == 0:
                continue
            comp = component(m.group(4), sect)
            if out_sect == ".bss" and sect.startswith(".bss."):
                BSS_SYMS.append((size, sect[5:], comp))
            om = re.search(r"libiotlife[a-z_]*\.a\(([^)]+?)(\.obj|\.o)\)", m.group(4))
            if om and out_sect in (".text", ".ARM.exidx", ".data", ".bss"):
                LINKED[om.group(1)] = LINKED.get(om.group(1), 0) + size
            bucket = {".text": "rom", ".ARM.exidx": "rom", ".data": "data", ".bss": "bss",
                      ".noinit": "noinit", ".stack": "stack"}.get(out_sect)
            if bucket is None:
                continue
            c = comps.setdefault(comp, {"rom": 0, "data": 0, "bss": 0, "noinit": 0, "stack": 0})
            c[bucket] += size
        else:
            pending = None if not re.match(r"^\s+0x", line) else pending
    return comps


def main():
    ap = argparse.ArgumentParser()
    for a in ("root", "m4", "deps", "fw", "budget"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--qemu-log")
    args = ap.parse_args()

    global RECURSION_DEPTH
    m = re.search(r"#define IOTL_JSON_MAX_DEPTH (\d+)",
                  open(os.path.join(args.root, "include", "iotlife", "config_defaults.h")).read())
    if m:
        RECURSION_DEPTH = int(m.group(1))
    rules = load_budget(args.budget)
    failed = []
    waived = []

    # ---- per-module sizes ------------------------------------------------------
    core = size_archive(os.path.join(args.m4, "libiotlife.a"))
    ports = {}
    for lib in ("libiotlife_port_ram.a", "libiotlife_port_mbedtls.a"):
        p = os.path.join(args.m4, lib)
        if os.path.exists(p):
            ports.update(size_archive(p))
    fw_map = os.path.join(args.fw, "fw.map")
    comps = parse_map(fw_map) if os.path.exists(fw_map) else {}
    print("### iotlife modules on Cortex-M4 (-Os, bytes)\n")
    print(".text/.data/.bss: the whole object (unlinked); linked: what the reference firmware "
          "(examples/bare-metal) keeps of it after --gc-sections.\n")
    print("| module | .text | .data | .bss | linked in firmware | budget group |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name in sorted(core):
        groups = [r["name"] for r in rules if r["metric"] == "text" and matches(name, r["globs"])]
        t, d, b = core[name]
        print(f"| src/{name} | {t} | {d} | {b} | {LINKED.get(name, 0)} | {', '.join(groups) or '-'} |")
    for name in sorted(ports):
        t, d, b = ports[name]
        print(f"| ports/{name} | {t} | {d} | {b} | {LINKED.get(name, 0)} | (port) |")
    for r in rules:
        if r["metric"] == "text":
            names = [n for n in core if matches(n, r["globs"])]
            print(f"\n{r['name']}: {sum(core[n][0] for n in names)} bytes unlinked, "
                  f"{sum(LINKED.get(n, 0) for n in names)} bytes linked in the reference firmware", end="")
    print()
    present = " ".join(core)
    absent = [m for m, files in EXPECTED_MODULES.items()
              if not any(n.startswith(f) for f in files for n in core)]
    if absent:
        print(f"\nabsent (not in this tree yet, not failed): {', '.join(absent)}")

    # ---- stack ---------------------------------------------------------------
    ci_core = sorted(glob.glob(os.path.join(args.m4, "CMakeFiles", "iotlife.dir", "**", "*.ci"), recursive=True))
    ci_ports = sorted(glob.glob(os.path.join(args.m4, "CMakeFiles", "iotlife_port_*.dir", "**", "*.ci"), recursive=True))
    ci_deps = sorted(glob.glob(os.path.join(args.deps, "CMakeFiles", "*.dir", "**", "*.ci"), recursive=True))
    frame, kind, owner, edges = load_graph(ci_core + ci_ports + ci_deps)
    core_set = set(ci_core)
    stack_rows = []
    memo = {}
    for fn in sorted(frame):
        if owner[fn] not in core_set or ":" in fn or not fn.startswith("iotl_"):
            continue
        notes = set()
        total, path = worst_stack(fn, frame, edges, memo, [], notes)
        if "dynamic" in kind[fn]:
            notes.add("dynamic frame")
        stack_rows.append((fn, total, path, notes))
    # The port callbacks the core calls indirectly, for reference.
    port_rows = []
    for fn in sorted(frame):
        if owner[fn] in ci_ports and re.search(r"(sha256_|p256_verify|ram_)", fn):
            notes = set()
            total, path = worst_stack(fn, frame, edges, memo, [], notes)
            port_rows.append((fn, total, path, notes))

    print("\n### Worst-case stack per public call (Cortex-M4, -Os; GCC call graph)\n")
    print("| call | bytes | deepest chain | notes |")
    print("| --- | ---: | --- | --- |")
    recursion_in_core = []
    for fn, total, path, notes in sorted(stack_rows, key=lambda r: -r[1]):
        ext = sorted(n[7:] for n in notes if n.startswith("extern:"))
        rec = sorted(n[10:] for n in notes if n.startswith("recursion:"))
        for r in rec:
            if owner.get(r) in core_set:
                recursion_in_core.append(f"{fn} -> {short(r)}")
        ntxt = []
        if "indirect" in notes:
            ntxt.append("+ callbacks (port ops, zlib allocator)")
        if rec:
            ntxt.append(f"recursion bounded by IOTL_JSON_MAX_DEPTH={RECURSION_DEPTH}: "
                        + ", ".join(short(r) for r in rec))
        if ext:
            ntxt.append("libc/libgcc (not counted): " + ", ".join(ext[:3]) + ("..." if len(ext) > 3 else ""))
        chain = " > ".join(short(p) for p in path[:6]) + (" > ..." if len(path) > 6 else "")
        print(f"| {fn} | {total} | {chain} | {'; '.join(ntxt)} |")
    if port_rows:
        print("\nPort callbacks (not in the sums above; Mbed TLS port with the minimal target config):\n")
        print("| port function | bytes | deepest chain |")
        print("| --- | ---: | --- |")
        for fn, total, path, notes in sorted(port_rows, key=lambda r: -r[1]):
            chain = " > ".join(short(p) for p in path[:6]) + (" > ..." if len(path) > 6 else "")
            print(f"| {short(fn)} | {total} | {chain} |")

    # ---- whole firmware -------------------------------------------------------
    if comps:
        print("\n### Bare-metal firmware (examples/bare-metal, linked with --gc-sections, bytes)\n")
        print("| component | ROM (.text+.rodata+.data init) | RAM .data | RAM .bss |")
        print("| --- | ---: | ---: | ---: |")
        order = ["iotlife core", "iotlife port_ram", "iotlife port_mbedtls", "Mbed TLS", "zlib", "cJSON",
                 "newlib-nano", "libgcc", "example firmware (app, board, startup)",
                 "test images (example payload)", "other"]
        tot = {"rom": 0, "data": 0, "bss": 0}
        for c in order:
            if c not in comps:
                continue
            v = comps[c]
            rom = v["rom"] + v["data"]
            print(f"| {c} | {rom} | {v['data']} | {v['bss']} |")
            for k in tot:
                tot[k] += rom if k == "rom" else v[k]
        print(f"| **total** | **{tot['rom']}** | **{tot['data']}** | **{tot['bss']}** |")
        stack_res = sum(v["stack"] for v in comps.values())
        noinit = sum(v["noinit"] for v in comps.values())
        lib = ["iotlife core", "iotlife port_ram", "iotlife port_mbedtls"]
        third = ["Mbed TLS", "zlib", "cJSON", "newlib-nano", "libgcc"]

        def rom_of(names):
            return sum(comps[c]["rom"] + comps[c]["data"] for c in names if c in comps)

        def ram_of(names):
            return sum(comps[c]["data"] + comps[c]["bss"] for c in names if c in comps)
        payload = rom_of(["test images (example payload)"])
        print(f"\nreserved besides: stack {stack_res} B; emulated flash (.noinit) {noinit} B.")
        print("\nLargest RAM buffers (all caller-owned statics of the example; iotlife itself has none):\n")
        print("| buffer | bytes | what |")
        print("| --- | ---: | --- |")
        what = {"g_stage_work": "staging work buffer (IOTL_STAGE_WORKBUF_DELTA: delta decoder or inflater, 4 KiB window)",
                "g_heap": "libc malloc arena (Mbed TLS bignums, cJSON parse)",
                "g_trust_work": "iotl_trust_work_t (decoded JWS payload + candidate key ring)",
                "g_zarena": "deflate arena for diag chunks (IOTL_DIAG_Z_ARENA(256)); factory inflate",
                "g_block": "flash block buffer (example)", "g_ring": "iotl_keyring_t",
                "g_manifest": "struct iotl_manifest", "g_deployment": "struct iotl_deployment",
                "g_trust": "struct iotl_trust_result (verified manifest + deployment)",
                "g_stage": "iotl_stage_t", "g_diag": "iotl_diag_t", "g_boot": "iotl_boot_t"}
        for size, sym, comp in sorted(BSS_SYMS, reverse=True)[:10]:
            name = sym.split(".")[0]
            print(f"| {name} | {size} | {what.get(name, comp)} |")
        peaks = None
        if args.qemu_log and os.path.exists(args.qemu_log):
            m = re.search(r"memory peaks over all boots: stack (\d+) of \d+ bytes, heap arena (\d+) of \d+ bytes.*"
                          r"inflate arena (\d+) of", open(args.qemu_log).read())
            if m:
                peaks = tuple(int(x) for x in m.groups())
                print(f"measured on QEMU (whole scenario): stack peak {peaks[0]} B, Mbed TLS heap peak "
                      f"{peaks[1]} B, inflate arena peak {peaks[2]} B.")
        print("\n### Beside peers (ROM / RAM, KiB)\n")
        print("| build | ROM | RAM | notes |")
        print("| --- | ---: | ---: | --- |")
        kib = lambda n: f"{n / 1024:.1f}"
        print(f"| iotlife (core + ports, linked here) | {kib(rom_of(lib))} | {kib(ram_of(lib))} | what this firmware uses |")
        rom_all = rom_of(lib + third)
        ram_all = ram_of(lib + third)
        lib_objs = ("g_stage_work", "g_trust_work", "g_trust", "g_zarena", "g_ring", "g_manifest",
                    "g_deployment", "g_stage", "g_diag", "g_boot", "health")
        ram_all += sum(sz for sz, sym, _ in BSS_SYMS if sym.split(".")[0] in lib_objs)
        ram_note = "libraries' statics + the iotlife objects and work buffers the firmware provides"
        if peaks:
            ram_all += peaks[0] + peaks[1]
            ram_note += " + measured stack and heap peaks"
        print(f"| iotlife + Mbed TLS + zlib + cJSON + libc | {kib(rom_all)} | {kib(ram_all)} | {ram_note} |")
        print(f"| whole example firmware without test images | {kib(tot['rom'] - payload)} | "
              f"{kib(tot['data'] + tot['bss'])} | RAM: every static buffer incl. 16 KiB heap arena |")
        print("| mender-mcu (reference) | 33 | 15 | published figure |")
        print("| MCUboot (reference) | 43-48 | - | bootloader with crypto, published figure |")

    # ---- budgets ---------------------------------------------------------------
    print("\n### Budgets (bench/footprint/budget.txt)\n")
    print("| budget | measured | limit | modules | result |")
    print("| --- | ---: | ---: | --- | --- |")
    for r in rules:
        if r["metric"] == "stack":
            rows = [x for x in stack_rows if any(matches(os.path.basename(owner[x[0]])[:-3], r["globs"]) for _ in [0])]
            val = max((x[1] for x in rows), default=0)
            mods = f"{len(rows)} public calls"
        else:
            names = [n for n in core if matches(n, r["globs"])]
            if r["metric"] == "text":
                val = sum(core[n][0] for n in names)
            else:
                allobj = dict(core)
                allobj.update(ports)
                names = [n for n in allobj if matches(n, r["globs"])]
                val = sum(allobj[n][1] + allobj[n][2] for n in names)
            mods = ", ".join(n[:-2] for n in sorted(names)) or "none present"
        if r["metric"] != "stack" and mods == "none present":
            res = "absent"
        elif val <= r["limit"]:
            res = "ok"
        elif r["waive"]:
            res = f"**EXCEEDED** (waived: {r['waive']})"
            waived.append(f"{r['name']} {val} > {r['limit']}")
        else:
            res = "**EXCEEDED**"
            failed.append(r["name"])
        print(f"| {r['name']} ({r['metric']}) | {val} | {r['limit']} | {mods} | {res} |")
    if recursion_in_core:
        print(f"\nFAIL: recursion in iotlife: {', '.join(recursion_in_core)}")
        failed.append("no-recursion")
    if failed:
        print(f"\nfootprint: FAIL: {', '.join(failed)}")
        return 1
    if waived:
        print(f"\nfootprint: WAIVED budgets exceeded: {'; '.join(waived)} (see bench/footprint/budget.txt)")
    print("\nfootprint: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
