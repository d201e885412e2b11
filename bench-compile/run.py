#!/usr/bin/env python3
"""Compile time of ferrymcp's macros beside rmcp's, side by side in one run.

Writes two crates that serve the same N tools over streamable HTTP (each tool:
three scalar arguments, one struct argument, one struct result), one with
ferrymcp (`#[tool]` functions, `tools![..]`), one with rmcp (`#[tool_router]`,
`#[tool]` methods taking `Parameters<Args>`, returning `Json<T>`), then
measures with `cargo build` (debug, incremental, as `cargo build` is by
default for a crate being worked on):

* clean: the tool crate compiled from nothing (its incremental cache removed),
  its dependencies already built (they are built once, untimed, first);
* rebuild: the crate rebuilt after one tool's body is edited.

Rounds alternate between the two crates so load from other processes falls
on both. Then it expands both crates (`rustc -Zunpretty=expanded`) and counts
the lines each framework's macros generate per tool.

    python3 bench-compile/run.py                # 50 tools, 3 rounds
    python3 bench-compile/run.py --tools 50 --rounds 5 --no-expand
    python3 bench-compile/run.py --rounds 0     # only the expanded lines

The crates are written to target/bench-compile/ and built into the
workspace's target directory (no second target directory). The rmcp crate
uses the newest rmcp on crates.io (`--rmcp-version` to pin one).
"""

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sh(cmd, cwd, env, capture=False):
    """Runs `cmd`; fails loudly with its output when it fails."""
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return r.stdout if capture else r.stderr


# ---------------------------------------------------------------- the crates

def types_rs(n, rmcp):
    """The structs every tool takes and returns (the same in both crates;
    rmcp also needs one struct for each tool's arguments)."""
    out = ["//! The argument and result types of the tools.", "",
           "use schemars::JsonSchema;", "use serde::{Deserialize, Serialize};", ""]
    for i in range(n):
        out += [
            f"/// What tool {i} selects.",
            "#[derive(Debug, Deserialize, JsonSchema)]",
            f"pub struct Filter{i} {{",
            "    /// A name to match.",
            "    pub name: String,",
            "    /// At most this many items.",
            "    pub limit: u32,",
            "    /// Tags to keep.",
            "    pub tags: Vec<String>,",
            "}",
            "",
            f"/// What tool {i} answers.",
            "#[derive(Debug, Serialize, JsonSchema)]",
            f"pub struct Report{i} {{",
            "    /// The total.",
            "    pub total: i64,",
            "    /// A label.",
            "    pub label: String,",
            "    /// The items kept.",
            "    pub items: Vec<String>,",
            "}",
            "",
        ]
        if rmcp:
            out += [
                f"/// The arguments of tool {i}.",
                "#[derive(Debug, Deserialize, JsonSchema)]",
                f"pub struct Tool{i}Args {{",
                "    /// The first number.",
                "    pub a: i64,",
                "    /// A word.",
                "    pub b: String,",
                "    /// A switch.",
                "    pub c: bool,",
                "    /// What to select.",
                f"    pub filter: Filter{i},",
                "}",
                "",
            ]
    return "\n".join(out)


def body(i, edit):
    """A tool's body; `edit` changes one constant, as an edit of one tool."""
    k = i + 1000 if edit else i
    return [
        f"    let total = a + {k} + i64::from(filter.limit);",
        "    let label = format!(\"{b}-{c}-{}\", filter.name);",
    ]


def ferry_tools_rs(n, edited):
    out = ["//! The tools.", "", "use crate::types::*;", "use ferrymcp::prelude::*;", ""]
    for i in range(n):
        out += [
            f"/// Tool {i}: combines its arguments into a report.",
            "#[tool(read_only)]",
            f"pub async fn tool_{i}(",
            "    /// The first number.",
            "    a: i64,",
            "    /// A word.",
            "    b: String,",
            "    /// A switch.",
            "    c: bool,",
            "    /// What to select.",
            f"    filter: Filter{i},",
            f") -> Report{i} {{",
            *body(i, i == edited),
            f"    Report{i} {{",
            "        total,",
            "        label,",
            "        items: filter.tags,",
            "    }",
            "}",
            "",
        ]
    return "\n".join(out)


def ferry_main_rs(n):
    names = ", ".join(f"tools::tool_{i}" for i in range(n))
    return f"""//! {n} tools with ferrymcp, served over streamable HTTP.

mod tools;
mod types;

use ferrymcp::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {{
    let server = Server::builder("bench-compile")
        .tools(tools![{names}])
        .build()
        .await?;
    server.serve("127.0.0.1:8000").await?;
    Ok(())
}}
"""


def rmcp_tools_rs(n, edited):
    out = [
        "//! The tools.", "",
        "use crate::types::*;",
        "use rmcp::handler::server::wrapper::{Json, Parameters};",
        "use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};",
        "use rmcp::{tool, tool_handler, tool_router, ServerHandler};",
        "",
        "/// The server: its tools are its methods.",
        "#[derive(Clone)]",
        "pub struct Bench;",
        "",
        "#[tool_router]",
        "impl Bench {",
    ]
    for i in range(n):
        out += [
            f"    /// Tool {i}: combines its arguments into a report.",
            "    #[tool(annotations(read_only_hint = true))]",
            f"    async fn tool_{i}(",
            "        &self,",
            f"        Parameters(Tool{i}Args {{ a, b, c, filter }}): Parameters<Tool{i}Args>,",
            f"    ) -> Json<Report{i}> {{",
            *["    " + line for line in body(i, i == edited)],
            f"        Json(Report{i} {{",
            "            total,",
            "            label,",
            "            items: filter.tags,",
            "        })",
            "    }",
            "",
        ]
    out.pop()
    out += [
        "}",
        "",
        "#[tool_handler]",
        "impl ServerHandler for Bench {",
        "    fn get_info(&self) -> ServerConfig {",
        "        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())",
        "            .with_server_info(Implementation::new(\"bench-compile\", \"0.1.0\"))",
        "    }",
        "}",
        "",
    ]
    return "\n".join(out)


def rmcp_main_rs(n):
    return f"""//! {n} tools with rmcp, served over streamable HTTP.

mod tools;
mod types;

use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{{StreamableHttpServerConfig, StreamableHttpService}};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {{
    let service = StreamableHttpService::new(
        || Ok(tools::Bench),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    let app = axum::Router::new().nest_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
    axum::serve(listener, app).await?;
    Ok(())
}}
"""


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def generate(out, n, rmcp_version):
    """Writes the workspace of the two crates; returns their tool files."""
    runtime = ROOT / "runtime"
    write(out / "Cargo.toml", f"""# Generated by bench-compile/run.py: {n} tools, ferrymcp and rmcp.
[workspace]
resolver = "2"
members = ["ferry", "rmcp"]

# Dependencies are compiled as the workspace compiles them (no incremental
# cache); the two tool crates as `cargo build` compiles a crate being worked
# on (incremental).
[profile.dev]
incremental = false
[profile.dev.package.bench-compile-ferry]
incremental = true
[profile.dev.package.bench-compile-rmcp]
incremental = true
""")
    write(out / "ferry/Cargo.toml", f"""[package]
name = "bench-compile-ferry"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
ferrymcp = {{ path = "{runtime}" }}
serde = {{ version = "1", features = ["derive"] }}
schemars = "1"
tokio = {{ version = "1", features = ["rt-multi-thread", "macros"] }}
""")
    write(out / "rmcp/Cargo.toml", f"""[package]
name = "bench-compile-rmcp"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
rmcp = {{ version = "{rmcp_version}", default-features = false, features = ["server", "macros", "transport-streamable-http-server"] }}
axum = {{ version = "0.8", default-features = false, features = ["http1", "tokio"] }}
serde = {{ version = "1", features = ["derive"] }}
schemars = "1"
tokio = {{ version = "1", features = ["rt-multi-thread", "macros"] }}
""")
    lock = out / "Cargo.lock"
    if not lock.exists():
        # The workspace's versions, so shared dependencies are built once...
        shutil.copy(ROOT / "Cargo.lock", lock)
    write(out / "ferry/src/main.rs", ferry_main_rs(n))
    write(out / "ferry/src/types.rs", types_rs(n, rmcp=False))
    write(out / "ferry/src/tools.rs", ferry_tools_rs(n, edited=-1))
    write(out / "rmcp/src/main.rs", rmcp_main_rs(n))
    write(out / "rmcp/src/types.rs", types_rs(n, rmcp=True))
    write(out / "rmcp/src/tools.rs", rmcp_tools_rs(n, edited=-1))


# ---------------------------------------------------------------- measuring

def timed_build(out, env, package, packages):
    """Times `cargo build` of both crates (so that the features of their
    shared dependencies are always resolved alike) when only `package` is
    stale; fails when anything else was compiled."""
    start = time.monotonic()
    log = sh(["cargo", "build", *[a for p in packages for a in ("-p", p)]], out, env)
    took = time.monotonic() - start
    compiled = re.findall(r"Compiling (\S+)", log)
    if compiled != [package]:
        raise SystemExit(f"expected to compile {package} alone, compiled {compiled}:\n{log}")
    return took


def forget(target, package):
    """Removes the crate's incremental cache, so the next build is clean."""
    crate = package.replace("-", "_")
    for d in (target / "debug/incremental").glob(f"{crate}-*"):
        shutil.rmtree(d)


def rmcp_version_resolved(out):
    text = (out / "Cargo.lock").read_text()
    m = re.search(r'name = "rmcp"\nversion = "([^"]+)"', text)
    return m.group(1) if m else "?"


def rustc_command(out, env, package, packages):
    """The rustc command line and environment cargo uses for `package`
    (read from `cargo build -v` after touching its main.rs)."""
    main_rs = out / ("ferry" if package.endswith("ferry") else "rmcp") / "src/main.rs"
    main_rs.touch()
    log = sh(["cargo", "build", "-v", *[a for p in packages for a in ("-p", p)]], out, env)
    crate = package.replace("-", "_")
    line = next(l for l in log.split("\n")
                if "Running `" in l and f"--crate-name {crate} " in l)
    words = shlex.split(line.split("Running `", 1)[1].rstrip("`"))
    run_env = dict(env)
    while "=" in words[0] and not words[0].startswith("/"):
        key, value = words.pop(0).split("=", 1)
        run_env[key] = value
    keep, skip = [], False
    for w in words:
        if skip:
            skip = False
        elif w in ("--emit", "--out-dir", "--error-format", "--json"):
            skip = True
        elif w.startswith(("--emit=", "--error-format=", "--json=", "incremental=")):
            if keep and keep[-1] == "-C":
                keep.pop()
        else:
            keep.append(w)
    return keep, run_env


def expanded_lines(out, env, package, packages):
    """Lines of the expanded `mod tools` and `mod types`, and of the source:
    cargo's own rustc command for the crate, with `-Zunpretty=expanded`
    (`RUSTC_BOOTSTRAP=1` on that one command, so no dependency is rebuilt)."""
    cmd, run_env = rustc_command(out, env, package, packages)
    run_env["RUSTC_BOOTSTRAP"] = "1"
    # cargo runs rustc at the workspace root.
    r = subprocess.run(cmd + ["-Zunpretty=expanded"], cwd=out, env=run_env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr[-4000:])
        raise SystemExit(f"expanding {package} failed")
    text = r.stdout
    counts = {}
    lines = text.split("\n")
    for module in ("tools", "types"):
        start = next(i for i, l in enumerate(lines) if l.startswith(f"mod {module} {{"))
        end = next(i for i in range(start + 1, len(lines)) if lines[i] == "}")
        counts[module] = sum(1 for l in lines[start + 1:end] if l.strip())
    (out / f"{package}.expanded.rs").write_text(text)
    src = out / ("ferry" if package.endswith("ferry") else "rmcp") / "src"
    for module in ("tools", "types"):
        counts[f"{module}_src"] = sum(
            1 for l in (src / f"{module}.rs").read_text().split("\n")
            if l.strip() and not l.strip().startswith("//"))
    return counts


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tools", type=int, default=50, help="tools per crate (default 50)")
    p.add_argument("--rounds", type=int, default=3, help="measured rounds (default 3; 0: only count the expanded lines)")
    p.add_argument("--rmcp-version", default="*", help="rmcp version requirement (default: newest)")
    p.add_argument("--no-expand", action="store_true", help="skip counting the expanded lines")
    args = p.parse_args()

    out = ROOT / "target/bench-compile"
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    env = dict(os.environ, CARGO_TARGET_DIR=str(target), CARGO_TERM_COLOR="never")
    # The profiles above decide what is incremental; the environment would override them.
    env.pop("CARGO_INCREMENTAL", None)
    n = args.tools
    generate(out, n, args.rmcp_version)
    # ... and the newest rmcp the requirement allows.
    sh(["cargo", "update", "-p", "rmcp"], out, env)
    crates = {"ferrymcp": "bench-compile-ferry", "rmcp": "bench-compile-rmcp"}
    tools_file = {"ferrymcp": (out / "ferry/src/tools.rs", ferry_tools_rs),
                  "rmcp": (out / "rmcp/src/tools.rs", rmcp_tools_rs)}

    print(f"== building the dependencies once (untimed) in {out}", flush=True)
    sh(["cargo", "build", "-p", crates["ferrymcp"], "-p", crates["rmcp"]], out, env)
    rmcp_version = rmcp_version_resolved(out)

    results = {name: {"clean": [], "rebuild": []} for name in crates}
    for r in range(args.rounds):
        for name, package in crates.items():
            path, render = tools_file[name]
            path.write_text(render(n, edited=-1))
            forget(target, package)
            clean = timed_build(out, env, package, crates.values())
            # Edit one tool's body (the middle one).
            path.write_text(render(n, edited=n // 2))
            rebuild = timed_build(out, env, package, crates.values())
            results[name]["clean"].append(clean)
            results[name]["rebuild"].append(rebuild)
            print(f"   round {r + 1} {name:8}  clean {clean:6.2f} s   rebuild {rebuild:6.2f} s", flush=True)

    for path, render in tools_file.values():
        path.write_text(render(n, edited=-1))
    load = open("/proc/loadavg").read().split()[:3] if Path("/proc/loadavg").exists() else ["?"] * 3
    print()
    print(f"{n} tools, `cargo build` (debug), dependencies prebuilt; median (min) of {args.rounds} rounds;"
          f" rustc {subprocess.run(['rustc', '--version'], capture_output=True, text=True).stdout.split()[1]},"
          f" rmcp {rmcp_version}, {os.cpu_count()} CPUs, load average {' '.join(load)}")
    print()
    print("| | clean build of the crate | rebuild after editing one tool |")
    print("|---|---|---|")
    for name in crates if args.rounds else []:
        c, b = results[name]["clean"], results[name]["rebuild"]
        print(f"| {name} | {statistics.median(c):.1f} s ({min(c):.1f}) | {statistics.median(b):.1f} s ({min(b):.1f}) |")

    if not args.no_expand:
        print()
        print("| per tool (lines, blank lines and comments left out) | ferrymcp | rmcp |")
        print("|---|---|---|")
        counts = {name: expanded_lines(out, env, package, crates.values()) for name, package in crates.items()}
        rows = [
            ("written: the tool", "tools_src"),
            ("written: its types", "types_src"),
            ("expanded: the tool (the framework's macros)", "tools"),
            ("expanded: its types (serde and schemars derives)", "types"),
        ]
        for label, key in rows:
            f, m = counts["ferrymcp"][key] / n, counts["rmcp"][key] / n
            print(f"| {label} | {f:.0f} | {m:.0f} |")


if __name__ == "__main__":
    main()
