//! `ferrymcp-bench`: ferrymcp, rmcp and a bare axum handler, side by side, in
//! one run on one machine.
//!
//! ```text
//! cargo run --release -p ferrymcp-bench -- [options]
//!
//!   --rounds N        interleaved rounds per configuration (default 3)
//!   --duration S      measured seconds per run (default 3)
//!   --warmup S        unmeasured seconds before each run (default 1)
//!   --clients 1,16    concurrent keep-alive clients (default 1,16)
//!   --servers LIST    ferrymcp,rmcp,bare (default all)
//!   --flows LIST      session,stateless (default both)
//!   --sessions N      legacy sessions for the memory figure (default 1000; 0 skips)
//!   --no-pin          do not pin servers and driver to separate cores
//!   --out FILE        also write the report (Markdown) to FILE
//!
//! cargo run --release -p ferrymcp-bench -- drive ADDR FLOW CLIENTS SECONDS [SERVER_PID]
//!   drives a server started elsewhere (to profile it, or to cross-check);
//!   with its PID, also its CPU time per request over the measured window
//! cargo run --release -p ferrymcp-bench -- count ADDR FLOW CLIENTS N
//!   sends exactly N checked calls per client, no warm-up (for instruction
//!   counts per request: see `bench/callgrind.py`)
//! ```
//!
//! Each server runs in a process of its own (this binary, `serve`), pinned to
//! core 1; the driver runs on core 0 on a single-threaded runtime.
//!
//! Built with `--features otel`, `serve` exports its spans and metrics over
//! OTLP/HTTP to `$FERRYMCP_BENCH_OTLP` when that is set (the cost of
//! OpenTelemetry: `bench/otel_cost.py`).

#[cfg(feature = "otel")]
mod otlp;

use ferrymcp_bench::report::{self, Config};
use ferrymcp_bench::{client, servers, sys, Flow, Kind, Load, Outcome, Stop};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const DRIVER_CPU: usize = 0;
const SERVER_CPU: usize = 1;

struct Options {
    rounds: usize,
    duration: Duration,
    warmup: Duration,
    clients: Vec<usize>,
    servers: Vec<Kind>,
    flows: Vec<Flow>,
    sessions: usize,
    pin: bool,
    out: Option<String>,
}

fn usage() -> ! {
    eprintln!(
        "usage: ferrymcp-bench [--rounds N] [--duration S] [--warmup S] [--clients 1,16] \
         [--servers ferrymcp,rmcp,bare] [--flows session,stateless] [--sessions N] [--no-pin] [--out FILE]\n\
         \x20      ferrymcp-bench serve SERVER FLOW [--cpu N]\n\
         \x20      ferrymcp-bench drive ADDR FLOW CLIENTS SECONDS [SERVER_PID]\n\
         \x20      ferrymcp-bench count ADDR FLOW CLIENTS N"
    );
    std::process::exit(2)
}

fn list<T>(value: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    value
        .split(',')
        .map(|s| parse(s.trim()).unwrap_or_else(|| usage()))
        .collect()
}

fn parse_options(args: &[String]) -> Options {
    let mut o = Options {
        rounds: 3,
        duration: Duration::from_secs(3),
        warmup: Duration::from_secs(1),
        clients: vec![1, 16],
        servers: Kind::ALL.to_vec(),
        flows: Flow::ALL.to_vec(),
        sessions: 1000,
        pin: true,
        out: None,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().unwrap_or_else(|| usage());
        let secs = |v: String| Duration::from_secs_f64(v.parse().unwrap_or_else(|_| usage()));
        match flag.as_str() {
            "--rounds" => o.rounds = value().parse().unwrap_or_else(|_| usage()),
            "--duration" => o.duration = secs(value()),
            "--warmup" => o.warmup = secs(value()),
            "--clients" => o.clients = list(&value(), |s| s.parse().ok()),
            "--servers" => o.servers = list(&value(), Kind::parse),
            "--flows" => o.flows = list(&value(), Flow::parse),
            "--sessions" => o.sessions = value().parse().unwrap_or_else(|_| usage()),
            "--no-pin" => o.pin = false,
            "--out" => o.out = Some(value()),
            _ => usage(),
        }
    }
    if o.rounds == 0 || o.clients.contains(&0) {
        usage()
    }
    o
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        serve(&args[1..]);
        return;
    }
    if args.first().map(String::as_str) == Some("drive") {
        drive(&args[1..]);
        return;
    }
    if args.first().map(String::as_str) == Some("count") {
        count(&args[1..]);
        return;
    }
    let mut options = parse_options(&args);
    if options.pin && sys::available_cores() < 2 {
        eprintln!("fewer than 2 cores: not pinning");
        options.pin = false;
    }
    if options.pin {
        if let Err(e) = sys::pin_to_cpu(DRIVER_CPU) {
            eprintln!("could not pin the driver to core {DRIVER_CPU}: {e}");
            options.pin = false;
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    if let Err(e) = runtime.block_on(run(&options)) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// `serve SERVER FLOW [--cpu N]`: serves on a loopback port, prints
/// `listening ADDR` and serves until killed.
fn serve(args: &[String]) {
    let kind = args
        .first()
        .and_then(|s| Kind::parse(s))
        .unwrap_or_else(|| usage());
    let flow = args
        .get(1)
        .and_then(|s| Flow::parse(s))
        .unwrap_or_else(|| usage());
    if let (Some("--cpu"), Some(cpu)) = (args.get(2).map(String::as_str), args.get(3)) {
        let cpu = cpu.parse().unwrap_or_else(|_| usage());
        if let Err(e) = sys::pin_to_cpu(cpu) {
            eprintln!("could not pin the server to core {cpu}: {e}");
        }
    }
    // A multi-threaded runtime sized by the cores the process may use: one
    // worker when pinned, as for a server given one core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    #[cfg(feature = "otel")]
    let _telemetry = otlp::from_env();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let app = servers::app(kind, flow).await;
        println!("listening {}", listener.local_addr().expect("an address"));
        let _ = std::io::stdout().flush();
        if let Err(e) = servers::serve(listener, app).await {
            eprintln!("serve: {e}");
        }
    });
}

/// `drive ADDR FLOW CLIENTS SECONDS [SERVER_PID]`: drives a server started
/// elsewhere; with its PID, also reports its CPU time per request.
fn drive(args: &[String]) {
    let (addr, flow, clients, seconds, pid) = match args {
        [addr, flow, clients, seconds] => (addr, flow, clients, seconds, None),
        [addr, flow, clients, seconds, pid] => (
            addr,
            flow,
            clients,
            seconds,
            Some(pid.parse::<u32>().unwrap_or_else(|_| usage())),
        ),
        _ => usage(),
    };
    let addr: SocketAddr = addr.parse().unwrap_or_else(|_| usage());
    let flow = Flow::parse(flow).unwrap_or_else(|| usage());
    let load = Load {
        clients: clients.parse().unwrap_or_else(|_| usage()),
        warmup: Duration::from_millis(500),
        stop: Stop::After(Duration::from_secs_f64(
            seconds.parse().unwrap_or_else(|_| usage()),
        )),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    match runtime.block_on(client::run(addr, flow, load, pid)) {
        Ok(o) => {
            let cpu = match o.server_cpu_per_request() {
                Some(cpu) => format!("  server CPU {:.1} µs/req", cpu.as_secs_f64() * 1e6),
                None => String::new(),
            };
            println!(
                "{:.0} req/s  p50 {:.0} µs  p99 {:.0} µs{cpu}  ({} requests, all checked)",
                o.rate(),
                o.quantile(0.5).as_secs_f64() * 1e6,
                o.quantile(0.99).as_secs_f64() * 1e6,
                o.requests
            )
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1)
        }
    }
}

/// `count ADDR FLOW CLIENTS N`: every client sends exactly `N` checked calls,
/// with no warm-up; prints the total. Two counts of different `N` against a
/// server under callgrind give the cost of the requests in between, with the
/// connections and sessions of each run cancelling out.
fn count(args: &[String]) {
    let [addr, flow, clients, n] = args else {
        usage()
    };
    let addr: SocketAddr = addr.parse().unwrap_or_else(|_| usage());
    let flow = Flow::parse(flow).unwrap_or_else(|| usage());
    let clients: usize = clients.parse().unwrap_or_else(|_| usage());
    let n: u64 = n.parse().unwrap_or_else(|_| usage());
    if clients == 0 || n == 0 {
        usage()
    }
    let load = Load {
        clients,
        warmup: Duration::ZERO,
        stop: Stop::Requests(n),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    match runtime.block_on(client::run(addr, flow, load, None)) {
        Ok(o) => println!("{} requests, all checked", o.requests),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1)
        }
    }
}

/// A server process, killed when dropped.
struct ServerProcess {
    child: Child,
    addr: SocketAddr,
}

impl ServerProcess {
    fn start(kind: Kind, flow: Flow, pin: bool) -> Result<ServerProcess, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut command = Command::new(exe);
        command.args(["serve", kind.name(), flow.name()]);
        if pin {
            command.args(["--cpu", &SERVER_CPU.to_string()]);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting the {} server: {e}", kind.name()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let addr = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("the {} server said {line:?}", kind.name()))?;
        Ok(ServerProcess { child, addr })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn run(o: &Options) -> Result<(), String> {
    let mut header = String::new();
    let load0 = sys::load_average();
    header.push_str(&format!(
        "machine: {} ({} cores); server pinned to core {}, driver to core {}: {}\n",
        sys::cpu_model().unwrap_or_else(|| "unknown CPU".into()),
        sys::online_cores(),
        SERVER_CPU,
        DRIVER_CPU,
        if o.pin { "yes" } else { "no" },
    ));
    header.push_str(&format!(
        "load: {} rounds x ({:.1} s warm-up + {:.1} s measured) per configuration, clients {:?}, keep-alive HTTP/1.1, every response checked\n",
        o.rounds,
        o.warmup.as_secs_f64(),
        o.duration.as_secs_f64(),
        o.clients
    ));
    if cfg!(debug_assertions) {
        header.push_str("WARNING: debug build; run with --release\n");
    }
    eprint!("{header}");
    let mut results: BTreeMap<Config, Vec<Outcome>> = BTreeMap::new();
    for round in 1..=o.rounds {
        for &flow in &o.flows {
            for &kind in &o.servers {
                let server = ServerProcess::start(kind, flow, o.pin)?;
                for &clients in &o.clients {
                    let load = Load {
                        clients,
                        warmup: o.warmup,
                        stop: Stop::After(o.duration),
                    };
                    let outcome = client::run(server.addr, flow, load, Some(server.pid()))
                        .await
                        .map_err(|e| format!("{} {} x{clients}: {e}", kind.name(), flow.name()))?;
                    eprintln!(
                        "round {round}: {:<8} {:<9} x{clients:<3} {:>8.0} req/s  p50 {:>5.0} µs  p99 {:>5.0} µs  server CPU {:>5.1} µs/req",
                        kind.name(),
                        flow.name(),
                        outcome.rate(),
                        outcome.quantile(0.5).as_secs_f64() * 1e6,
                        outcome.quantile(0.99).as_secs_f64() * 1e6,
                        outcome
                            .server_cpu_per_request()
                            .map_or(f64::NAN, |d| d.as_secs_f64() * 1e6),
                    );
                    results
                        .entry(Config::new(kind, flow, clients))
                        .or_default()
                        .push(outcome);
                }
            }
        }
    }
    let mut text = header;
    text.push_str(&format!(
        "load average (1 min) before: {}, after: {}\n\n",
        load0.map_or("?".into(), |l| format!("{l:.2}")),
        sys::load_average().map_or("?".into(), |l| format!("{l:.2}")),
    ));
    text.push_str("Medians over the rounds. Server CPU per request is the steadier comparison when the driver's core is saturated (driver CPU near 100%).\n\n");
    text.push_str(&report::tables(&results));
    if o.sessions > 0 {
        text.push('\n');
        text.push_str(&memory(o).await?);
    }
    text.push_str("\nServers:\n");
    for &kind in &o.servers {
        for &flow in &o.flows {
            text.push_str(&format!(
                "- {} / {}: {}\n",
                kind.name(),
                flow.label(),
                kind.describe(flow)
            ));
        }
    }
    println!("{text}");
    if let Some(path) = &o.out {
        std::fs::write(path, &text).map_err(|e| format!("writing {path}: {e}"))?;
    }
    Ok(())
}

/// RSS of each server idle, and after `o.sessions` legacy sessions were opened.
async fn memory(o: &Options) -> Result<String, String> {
    let mut out = format!(
        "| server | RSS idle | RSS with {} open legacy sessions | per session |\n|---|---:|---:|---:|\n",
        o.sessions
    );
    for &kind in &o.servers {
        let server = ServerProcess::start(kind, Flow::Session, o.pin)?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let idle = sys::rss_bytes(server.pid()).unwrap_or(0);
        client::open_sessions(server.addr, o.sessions)
            .await
            .map_err(|e| format!("{}: opening sessions: {e}", kind.name()))?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let loaded = sys::rss_bytes(server.pid()).unwrap_or(0);
        let mib = |b: u64| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0));
        let per = if kind == Kind::Bare {
            "(keeps no sessions)".to_string()
        } else {
            format!(
                "{:.1} KiB",
                loaded.saturating_sub(idle) as f64 / 1024.0 / o.sessions as f64
            )
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            kind.name(),
            mib(idle),
            mib(loaded),
            per
        ));
    }
    Ok(out)
}
