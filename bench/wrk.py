#!/usr/bin/env python3
"""Server CPU per request, driven by wrk (a C load generator) on its own core.

    python3 bench/wrk.py [--servers bare,ferrymcp,quickstart,rmcp]
                         [--flows session,stateless] [--clients 1,16]
                         [--rounds 3] [--duration 5] [--warmup 2] [--out FILE]

Servers (each started alone, pinned to core 1 with one Tokio worker):

* `bare`, `ferrymcp`, `rmcp`: `ferrymcp-bench serve SERVER FLOW --cpu 1`
  (`ferrymcp` is the tuned form: `server.router_at("/mcp")`, one tool, no
  tracing subscriber);
* `quickstart`: the README's main example exactly as users run it,
  `target/release/http-quickstart --bind 127.0.0.1:0` (six tools, its tracing
  subscriber at `info`, served the way the example serves).

wrk runs pinned to core 0 with one thread per connection. Before each
measured run a warm-up run checks every response (status 200 and the
structured result of `add(5, 7)`); the measured run does not parse bodies.
In the session flow each connection has its own session (`initialize` and
`notifications/initialized` sent first); in the stateless flow every request
carries the 2026-07-28 `_meta` and the `Mcp-Method` / `Mcp-Name` headers.

Reported per configuration (median of the rounds): req/s, p50 and p99 latency
(wrk's), the server's CPU µs per request (user + system time of the server
process from /proc, over the measured run) and its ratio to the bare
handler's in the same flow and client count, and how busy each core was
(server: its CPU time over wall time; driver: wrk's own rusage). A driver
above about 70% busy means the driver, not the server, may set the pace: the
table says so.

Needs `wrk` (installed with apt-get when missing and running as root), and
builds the release binaries it runs (`cargo build --release -p
ferrymcp-bench -p http-quickstart`) unless `--no-build`.
"""

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SERVER_CPU = "1"
DRIVER_CPU = "0"
CLK_TCK = os.sysconf("SC_CLK_TCK")
EXPECT = '"structuredContent":{"result":12}'
VERSIONS = {"session": "2025-11-25", "stateless": "2026-07-28"}

LUA = r"""
local sessions = {}
for s in string.gmatch(os.getenv("WRK_SESSIONS") or "", "[^,]+") do
  table.insert(sessions, s)
end
local threads = {}
local next_session = 0

function setup(thread)
  next_session = next_session + 1
  thread:set("session", sessions[next_session] or "")
  table.insert(threads, thread)
end

function init(args)
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Accept"] = "application/json, text/event-stream"
  headers["MCP-Protocol-Version"] = os.getenv("WRK_VERSION")
  if session ~= "" then headers["Mcp-Session-Id"] = session end
  if os.getenv("WRK_STATELESS") == "1" then
    headers["Mcp-Method"] = "tools/call"
    headers["Mcp-Name"] = "add"
  end
  req = wrk.format("POST", os.getenv("WRK_PATH"), headers, os.getenv("WRK_BODY"))
  good = 0
  bad = 0
  first_bad = ""
end

function request()
  return req
end

local expect = os.getenv("WRK_EXPECT")
if expect and expect ~= "" then
  function response(status, headers, body)
    if status == 200 and string.find(body, expect, 1, true) then
      good = good + 1
    else
      bad = bad + 1
      if first_bad == "" then first_bad = status .. " " .. string.sub(body, 1, 300) end
    end
  end
end

function done(summary, latency, requests)
  local good_total, bad_total, first = 0, 0, ""
  for _, t in ipairs(threads) do
    good_total = good_total + (t:get("good") or 0)
    bad_total = bad_total + (t:get("bad") or 0)
    local f = t:get("first_bad") or ""
    if first == "" then first = f end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"good":%d,"bad":%d,"errors":%d,"first_bad":%q}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    good_total, bad_total, e.connect + e.read + e.write + e.status + e.timeout, first))
end
"""


def body(flow):
    meta = ""
    if flow == "stateless":
        meta = (',"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
                '"io.modelcontextprotocol/clientCapabilities":{}}')
    return ('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add",'
            '"arguments":{"a":5,"b":7}' + meta + '}}')


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("== installing wrk (apt-get)", file=sys.stderr)
    if shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if not shutil.which("wrk"):
        sys.exit("wrk is required (apt-get install wrk)")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3); utime and stime are fields 14 and 15.
    return int(fields[11]) + int(fields[12])


class Server:
    def __init__(self, target, name, flow):
        if name == "quickstart":
            cmd = [os.path.join(target, "release", "http-quickstart"), "--bind", "127.0.0.1:0"]
        else:
            cmd = [os.path.join(target, "release", "ferrymcp-bench"), "serve", name, flow]
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CPU, *cmd],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        line = self.proc.stdout.readline().strip()
        if not line:
            self.stop()
            sys.exit(f"{name} did not start")
        # `listening 127.0.0.1:PORT` (the bench) or `http://127.0.0.1:PORT/mcp`.
        addr = line.removeprefix("listening ").removeprefix("http://").removesuffix("/mcp")
        self.host, port = addr.rsplit(":", 1)
        self.port = int(port)

    def post(self, payload, headers):
        c = http.client.HTTPConnection(self.host, self.port, timeout=10)
        c.request("POST", "/mcp", payload, {
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            **headers})
        r = c.getresponse()
        r.read()
        c.close()
        return r

    def open_session(self):
        init = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "wrk-bench", "version": "0.1.0"}}})
        r = self.post(init, {"MCP-Protocol-Version": "2025-11-25"})
        sid = r.getheader("Mcp-Session-Id")
        if r.status != 200 or not sid:
            sys.exit(f"initialize failed: HTTP {r.status}")
        self.post('{"jsonrpc":"2.0","method":"notifications/initialized"}',
                  {"MCP-Protocol-Version": "2025-11-25", "Mcp-Session-Id": sid})
        return sid

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_wrk(server, lua, flow, clients, seconds, sessions, check):
    env = {**os.environ,
           "WRK_SESSIONS": ",".join(sessions),
           "WRK_VERSION": VERSIONS[flow],
           "WRK_STATELESS": "1" if flow == "stateless" else "0",
           "WRK_PATH": "/mcp",
           "WRK_BODY": body(flow),
           "WRK_EXPECT": EXPECT if check else ""}
    url = f"http://{server.host}:{server.port}/mcp"
    before = cpu_ticks(server.proc.pid)
    start = time.monotonic()
    wrk = subprocess.Popen(
        ["taskset", "-c", DRIVER_CPU, "wrk", "-t", str(clients), "-c", str(clients),
         "-d", f"{seconds}s", "--timeout", "5s", "-s", lua, url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out, err = wrk.communicate()
    wall = time.monotonic() - start
    after = cpu_ticks(server.proc.pid)
    line = next((l for l in out.splitlines() if l.startswith("WRKJSON ")), None)
    if line is None:
        sys.exit(f"wrk failed: {out}\n{err}")
    result = json.loads(line[len("WRKJSON "):])
    result["server_cpu_s"] = (after - before) / CLK_TCK
    result["wall_s"] = wall
    return result


def wrk_with_rusage(server, lua, flow, clients, seconds, sessions, check):
    """run_wrk, with wrk's own CPU time taken from its rusage."""
    r0 = os.times()
    result = run_wrk(server, lua, flow, clients, seconds, sessions, check)
    r1 = os.times()
    result["driver_cpu_s"] = (r1.children_user - r0.children_user) + (
        r1.children_system - r0.children_system)
    return result


def measure(target, lua, name, flow, clients, a):
    server = Server(target, name, flow)
    try:
        sessions = [server.open_session() for _ in range(clients)] if flow == "session" else []
        warm = wrk_with_rusage(server, lua, flow, clients, a.warmup, sessions, True)
        if warm["bad"] or warm["errors"] or warm["good"] == 0:
            sys.exit(f"{name} {flow} {clients}: {warm['bad']} bad responses, "
                     f"{warm['errors']} errors in the warm-up; first: {warm['first_bad']}")
        r = wrk_with_rusage(server, lua, flow, clients, a.duration, sessions, False)
        if r["errors"]:
            sys.exit(f"{name} {flow} {clients}: {r['errors']} errors in the measured run")
    finally:
        server.stop()
    secs = r["duration_us"] / 1e6
    return {
        "rps": r["requests"] / secs,
        "p50": r["p50_us"],
        "p99": r["p99_us"],
        "cpu_us": r["server_cpu_s"] * 1e6 / r["requests"],
        "server_busy": r["server_cpu_s"] / secs,
        "driver_busy": r["driver_cpu_s"] / r["wall_s"],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--servers", default="bare,ferrymcp,quickstart,rmcp")
    ap.add_argument("--flows", default="session,stateless")
    ap.add_argument("--clients", default="1,16")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--out")
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    servers = a.servers.split(",")
    flows = a.flows.split(",")
    clients = [int(c) for c in a.clients.split(",")]
    if os.cpu_count() < 2:
        sys.exit("needs 2 cores: the server and wrk each get one")
    ensure_wrk()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "ferrymcp-bench",
                        "-p", "http-quickstart"], cwd=root, check=True)
    lua_dir = tempfile.mkdtemp(prefix="wrk-bench-")
    lua = os.path.join(lua_dir, "mcp.lua")
    with open(lua, "w") as f:
        f.write(LUA)
    runs = {}
    load = os.getloadavg()
    try:
        for rnd in range(a.rounds):
            for flow in flows:
                for c in clients:
                    for name in servers:
                        m = measure(target, lua, name, flow, c, a)
                        runs.setdefault((flow, c, name), []).append(m)
                        print(f"round {rnd + 1}: {name:10} {flow:9} {c:2} clients: "
                              f"{m['rps']:8.0f} req/s {m['cpu_us']:6.1f} µs/req "
                              f"server {m['server_busy']:4.0%} driver {m['driver_busy']:4.0%}",
                              file=sys.stderr)
    finally:
        shutil.rmtree(lua_dir, ignore_errors=True)
    report = table(runs, flows, clients, servers, a, load)
    print(report)
    if a.out:
        with open(a.out, "w") as f:
            f.write(report + "\n")


def table(runs, flows, clients, servers, a, load):
    med = lambda xs: statistics.median(xs)
    lines = [
        f"wrk, {a.rounds} rounds × {a.duration} s (median; spread = max/min of CPU µs/req "
        f"over the rounds), server on core {SERVER_CPU}, wrk on core {DRIVER_CPU}; "
        f"load average at start {load[0]:.2f}",
        "",
        "| flow | clients | server | req/s | p50 µs | p99 µs | server CPU µs/req | × bare | spread "
        "| server busy | driver busy |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for flow in flows:
        for c in clients:
            bare = runs.get((flow, c, "bare"))
            bare_cpu = med([m["cpu_us"] for m in bare]) if bare else None
            for name in servers:
                ms = runs[(flow, c, name)]
                cpu = med([m["cpu_us"] for m in ms])
                ratio = f"{cpu / bare_cpu:.2f}" if bare_cpu else "–"
                spread = max(m["cpu_us"] for m in ms) / min(m["cpu_us"] for m in ms)
                driver = med([m["driver_busy"] for m in ms])
                flag = " (driver-bound?)" if driver > 0.7 else ""
                lines.append(
                    f"| {VERSIONS[flow]} {flow} | {c} | {name} | {med([m['rps'] for m in ms]):.0f} "
                    f"| {med([m['p50'] for m in ms]):.0f} | {med([m['p99'] for m in ms]):.0f} "
                    f"| {cpu:.1f} | {ratio} | {spread:.2f} "
                    f"| {med([m['server_busy'] for m in ms]):.0%} | {driver:.0%}{flag} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
