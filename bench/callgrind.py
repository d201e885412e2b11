#!/usr/bin/env python3
"""Instructions and allocations per request of a bench server, counted by callgrind.

    python3 bench/callgrind.py SERVER FLOW [--clients 16] [--requests 500] [--bin PATH]

Starts `ferrymcp-bench serve SERVER FLOW --cpu 1` (or, for SERVER `quickstart`,
the README's main example `http-quickstart --bind 127.0.0.1:0`, next to BIN)
under `valgrind --tool=callgrind`,
warms it up, then sends two runs of checked calls with `ferrymcp-bench count`
(CLIENTS clients, 50 and 50 + REQUESTS calls each, new connections each run)
and dumps the counters after each. The difference of the two dumps is the cost
of CLIENTS × REQUESTS calls: connections, sessions and start-up cancel out.

Prints, per request: every instruction of the server process (`process Ir`),
the instructions under axum's handler future (`handler Ir`: everything the
endpoint does, extractors included), and the calls to `malloc`, `realloc` and
`free`. Needs valgrind (callgrind_control) and a release build of the bench
(`cargo build --release -p ferrymcp-bench`); BIN defaults to
`$CARGO_TARGET_DIR/release/ferrymcp-bench` (or `target/release/...`).
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# The future axum builds for a handler: extractors plus the handler's body.
HANDLER = re.compile(r"^<F as axum::handler::Handler<.*>>::call::\{\{closure\}\}")
ALLOC = {"malloc": "malloc", "realloc": "realloc", "free": "free", "calloc": "malloc"}


def parse(path):
    """Total Ir, inclusive Ir of the handler futures, and calls per allocator function.

    Reads callgrind's format as written by default (`positions: line`, one event):
    a cost line is `position Ir`; after `calls=N ...`, the next cost line is the
    inclusive cost of those calls to `cfn`. Names are compressed as `(id) name`
    the first time and `(id)` after.
    """
    total = 0
    handler = 0
    calls = {"malloc": 0, "realloc": 0, "free": 0}
    fn = None
    cfn = None
    pending_call = None  # (count, callee) of the `calls=` line just read
    fn_names = {}

    def fn_name(value):
        m = re.match(r"\((\d+)\)(?: (.*))?$", value)
        if not m:
            return value
        if m.group(2) is not None:
            fn_names[m.group(1)] = m.group(2)
        return fn_names.get(m.group(1), "?")

    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                cost = line.split()
                ir = int(cost[1]) if len(cost) > 1 else 0
                if pending_call is not None:
                    count, callee = pending_call
                    pending_call = None
                    base = callee.split("'")[0]
                    if base in ALLOC:
                        calls[ALLOC[base]] += count
                    # Inclusive cost of the handler future, not counted again
                    # when it polls itself.
                    if HANDLER.match(callee) and not HANDLER.match(fn or ""):
                        handler += ir
                else:
                    total += ir
                continue
            if line.startswith("fn="):
                fn = fn_name(line[3:])
            elif line.startswith("cfn="):
                cfn = fn_name(line[4:])
            elif line.startswith("calls="):
                pending_call = (int(line[6:].split()[0]), cfn)
    return total, handler, calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("flow")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--bin")
    ap.add_argument("--keep", help="keep the dumps in this directory")
    ap.add_argument("--valgrind-arg", action="append", default=[],
                    help="pass to valgrind (e.g. --separate-callers6=malloc)")
    a = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    exe = a.bin or os.path.join(target, "release", "ferrymcp-bench")
    out_dir = a.keep or tempfile.mkdtemp(prefix="callgrind-")
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, f"{a.server}-{a.flow}.cg")
    for old in glob.glob(out + "*"):
        os.remove(old)
    if a.server == "quickstart":
        served = [os.path.join(os.path.dirname(exe), "http-quickstart"), "--bind", "127.0.0.1:0"]
    else:
        served = [exe, "serve", a.server, a.flow, "--cpu", "1"]
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
         *a.valgrind_arg, *served],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        # `listening ADDR` (the bench) or `http://ADDR/mcp` (the example).
        addr = line.strip().removeprefix("listening ").removeprefix("http://").removesuffix("/mcp")
        pid = str(server.pid)

        def count(n):
            r = subprocess.run([exe, "count", addr, a.flow, str(a.clients), str(n)],
                               capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"count failed: {r.stderr}")

        def control(flag):
            subprocess.run(["callgrind_control", flag, pid], capture_output=True, check=True)
            time.sleep(0.5)

        count(50)  # warm-up: pools, lazy statics, caches
        dumps = []
        for n in (50, 50 + a.requests):
            control("-z")
            count(n)
            time.sleep(0.3)
            before = set(glob.glob(out + "*"))
            control("-d")
            new = sorted(set(glob.glob(out + "*")) - before, key=os.path.getmtime)
            dumps.append(new[-1])
        (t0, h0, c0), (t1, h1, c1) = (parse(d) for d in dumps)
        n = a.clients * a.requests
        print(f"{a.server} {a.flow}: {n} requests ({a.clients} clients)")
        print(f"  process Ir/req  {(t1 - t0) / n:10.0f}")
        print(f"  handler Ir/req  {(h1 - h0) / n:10.0f}")
        for k in ("malloc", "realloc", "free"):
            print(f"  {k}/req {(c1[k] - c0[k]) / n:14.1f}")
        if a.keep:
            print(f"  dumps: {dumps[0]} {dumps[1]}")
    finally:
        server.terminate()
        server.wait()
        if not a.keep:
            shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
