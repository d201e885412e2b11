#!/usr/bin/env python3
"""What OpenTelemetry costs a ferrymcp server: the same bench server, three ways.

    python3 bench/otel_cost.py [--flow session] [--clients 16] [--seconds 10]
                               [--rounds 1] [--callgrind] [--no-build]

1. `off`: the bench built without the `otel` feature;
2. `on, no exporter`: built with `--features otel`, no SDK installed (no
   tracer or meter provider, no subscriber: what a server with the feature
   compiled in but not set up pays);
3. `on, OTLP export`: the same binary with `FERRYMCP_BENCH_OTLP` set: an SDK
   tracer provider (batch) and meter provider (every 5 s) behind a
   `tracing-opentelemetry` layer, exporting over OTLP/HTTP to a sink this
   script runs on a loopback port (it accepts and discards every export,
   and counts them, so the figure shows the exporter really ran).

Each mode: `ferrymcp-bench serve ferrymcp FLOW --cpu 1` (server on core 1),
`ferrymcp-bench drive ADDR FLOW CLIENTS SECONDS PID` (driver on core 0): the
server's CPU time per `tools/call` over the measured window, as the main
bench reports it, plus the rate and latency. With `--callgrind`, also the
instructions per request of each mode (`bench/callgrind.py`, repeatable on a
busy machine, where CPU time is not).

Builds both binaries first (`cargo build --release -p ferrymcp-bench`, with
and without `--features otel`) and copies them next to each other
(`ferrymcp-bench-off`, `ferrymcp-bench-otel` in the release directory);
`--no-build` uses those copies as they are.
"""

import argparse
import http.server
import os
import shutil
import subprocess
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Sink(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP collector that accepts every export and discards it."""

    exports = {}
    lock = threading.Lock()

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        with Sink.lock:
            n, size = Sink.exports.get(self.path, (0, 0))
            Sink.exports[self.path] = (n + 1, size + len(body))
        # An empty protobuf Export*ServiceResponse: success.
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def build(release_dir):
    off = os.path.join(release_dir, "ferrymcp-bench-off")
    on = os.path.join(release_dir, "ferrymcp-bench-otel")
    built = os.path.join(release_dir, "ferrymcp-bench")
    for features, copy in (([], off), (["--features", "otel"], on)):
        subprocess.run(["cargo", "build", "--release", "-p", "ferrymcp-bench", *features],
                       cwd=ROOT, check=True)
        shutil.copy2(built, copy)
    return off, on


def pinned(cpu):
    def pin():
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError:
            pass
    return pin


def measure(exe, env, a):
    server = subprocess.Popen([exe, "serve", "ferrymcp", a.flow, "--cpu", "1"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, env=env)
    try:
        addr = server.stdout.readline().strip().removeprefix("listening ")
        r = subprocess.run([exe, "drive", addr, a.flow, str(a.clients), str(a.seconds),
                            str(server.pid)],
                           capture_output=True, text=True, preexec_fn=pinned(0))
        if r.returncode != 0:
            sys.exit(f"drive failed: {r.stderr}")
        return r.stdout.strip()
    finally:
        server.terminate()
        server.wait()


def instructions(exe, env, a):
    r = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "callgrind.py"),
                        "ferrymcp", a.flow, "--bin", exe],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"callgrind failed: {r.stderr}")
    for line in r.stdout.splitlines():
        if "process Ir/req" in line:
            return int(line.split()[-1])
    sys.exit(f"no instruction count in: {r.stdout}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flow", default="session")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    release = os.path.join(target, "release")
    if a.no_build:
        off = os.path.join(release, "ferrymcp-bench-off")
        on = os.path.join(release, "ferrymcp-bench-otel")
    else:
        off, on = build(release)

    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{sink.server_address[1]}"
    plain = {k: v for k, v in os.environ.items() if k != "FERRYMCP_BENCH_OTLP"}
    modes = [
        ("off", off, plain),
        ("on, no exporter", on, plain),
        ("on, OTLP export", on, {**plain, "FERRYMCP_BENCH_OTLP": url}),
    ]
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    for rnd in range(1, a.rounds + 1):
        for name, exe, env in modes:
            print(f"round {rnd}: {name:<16} {measure(exe, env, a)}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    with Sink.lock:
        for path, (n, size) in sorted(Sink.exports.items()):
            print(f"sink: {n} exports to {path}, {size} bytes")
    if a.callgrind:
        for name, exe, env in modes:
            print(f"callgrind: {name:<16} {instructions(exe, env, a):>8} Ir/req", flush=True)
    sink.shutdown()


if __name__ == "__main__":
    main()
