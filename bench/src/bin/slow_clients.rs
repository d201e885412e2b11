//! `slow_clients`: what 5,000 slow sockets do to honest clients.
//!
//! ```text
//! cargo run --release -p ferrymcp-bench --bin slow_clients -- [options]
//!
//!   --servers LIST   serve (ferrymcp::transport::http::serve, its defaults)
//!                    and/or axum (axum::serve, what `serve` was before its
//!                    timeouts and caps); default both
//!   --slow N         slow sockets (default 5000)
//!   --sources N      loopback addresses they come from, 127.0.0.2 and up
//!                    (default 20: 250 each, under the per-address cap of 256)
//!   --duration S     measured seconds per load (default 5)
//!   --clients N      honest keep-alive clients (default 4)
//! ```
//!
//! Each server runs the README's app (`tools/call add` at `/mcp`) in a
//! process of its own pinned to core 1; this driver runs on core 0 on one
//! thread. For each server, twice (quiet, then with the slow sockets open):
//! honest keep-alive clients call back to back (p50, p99, rate, server CPU
//! per call), then one honest client calls on a new connection each time
//! (p50, p99). A slow socket sends `POST /mcp HTTP/1.1` and one header line,
//! then nothing; when the server closes it, it connects again, so the
//! number open stays at `--slow` while the server lets it.

use ferrymcp_bench::client::{self, Connection};
use ferrymcp_bench::{servers, sys, Flow, Load, Stop};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

const DRIVER_CPU: usize = 0;
const SERVER_CPU: usize = 1;

struct Options {
    servers: Vec<String>,
    slow: usize,
    sources: usize,
    duration: Duration,
    clients: usize,
}

fn usage() -> ! {
    eprintln!(
        "usage: slow_clients [--servers serve,axum] [--slow N] [--sources N] [--duration S] [--clients N]\n\
         \x20      slow_clients serve-child serve|axum"
    );
    std::process::exit(2)
}

fn parse_options(args: &[String]) -> Options {
    let mut o = Options {
        servers: vec!["serve".into(), "axum".into()],
        slow: 5_000,
        sources: 20,
        duration: Duration::from_secs(5),
        clients: 4,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| usage());
        let number = || value.parse::<usize>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--servers" => o.servers = value.split(',').map(str::to_owned).collect(),
            "--slow" => o.slow = number(),
            "--sources" => o.sources = number().clamp(1, 250),
            "--duration" => o.duration = Duration::from_secs(number() as u64),
            "--clients" => o.clients = number().max(1),
            _ => usage(),
        }
    }
    if o.servers.iter().any(|s| s != "serve" && s != "axum") {
        usage()
    }
    o
}

/// Raises this process's soft limit on open files to its hard limit.
fn allow_open_files() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    allow_open_files();
    if args.first().map(String::as_str) == Some("serve-child") {
        serve_child(args.get(1).map(String::as_str).unwrap_or_else(|| usage()));
        return;
    }
    let options = parse_options(&args);
    if sys::available_cores() >= 2 {
        if let Err(e) = sys::pin_to_cpu(DRIVER_CPU) {
            eprintln!("could not pin the driver: {e}");
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let mut rows = Vec::new();
    for server in &options.servers {
        rows.extend(runtime.block_on(measure(server, &options)));
    }
    println!(
        "\n{} slow sockets from {} loopback addresses; {} honest keep-alive clients; {} s per load\n",
        options.slow,
        options.sources,
        options.clients,
        options.duration.as_secs()
    );
    println!("| server | slow sockets open | keep-alive p50 | p99 | calls/s | server CPU/call | new connection p50 | p99 | server files | server RSS |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
}

/// The server process: the README's app, served one way or the other.
fn serve_child(kind: &str) {
    if sys::available_cores() >= 2 {
        if let Err(e) = sys::pin_to_cpu(SERVER_CPU) {
            eprintln!("could not pin the server: {e}");
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let app = servers::ferry::app().await;
        println!("listening {}", listener.local_addr().expect("an address"));
        let _ = std::io::stdout().flush();
        let served = match kind {
            "serve" => ferrymcp::transport::http::serve(listener, app).await,
            "axum" => servers::serve(listener, app).await,
            _ => usage(),
        };
        if let Err(e) = served {
            eprintln!("serve: {e}");
        }
    });
}

struct ServerProcess(Child, SocketAddr);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(kind: &str) -> ServerProcess {
    let exe = std::env::current_exe().expect("this binary");
    let mut child = Command::new(exe)
        .args(["serve-child", kind])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("its stdout"))
        .read_line(&mut line)
        .expect("it prints its address");
    let addr = line
        .trim()
        .strip_prefix("listening ")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("not an address: {line:?}"));
    ServerProcess(child, addr)
}

/// Both loads on `kind`, quiet and under attack: two table rows.
async fn measure(kind: &str, options: &Options) -> Vec<String> {
    let server = start_server(kind);
    let (pid, addr) = (server.0.id(), server.1);
    let mut rows = Vec::new();
    eprintln!("{kind}: quiet");
    rows.push(honest_row(kind, "0", pid, addr, options).await);

    eprintln!("{kind}: opening {} slow sockets", options.slow);
    let open = Arc::new(AtomicUsize::new(0));
    let reconnects = Arc::new(AtomicU64::new(0));
    let mut slow = tokio::task::JoinSet::new();
    for i in 0..options.slow {
        let source = [127, 0, 0, 2 + (i % options.sources) as u8];
        slow.spawn(slow_socket(
            source,
            addr,
            Arc::clone(&open),
            Arc::clone(&reconnects),
        ));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while open.load(Ordering::Relaxed) < options.slow && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = reconnects.load(Ordering::Relaxed);
    let label = format!("{}", open.load(Ordering::Relaxed));
    rows.push(honest_row(kind, &label, pid, addr, options).await);
    eprintln!(
        "{kind}: {} slow sockets open at the end, {} reconnections while measuring",
        open.load(Ordering::Relaxed),
        reconnects.load(Ordering::Relaxed) - before
    );
    slow.shutdown().await;
    rows
}

/// One table row: the honest loads against the server as it is now.
async fn honest_row(
    kind: &str,
    slow: &str,
    pid: u32,
    addr: SocketAddr,
    options: &Options,
) -> String {
    let load = Load {
        clients: options.clients,
        warmup: Duration::from_secs(1),
        stop: Stop::After(options.duration),
    };
    let kept = client::run(addr, Flow::Stateless, load, Some(pid))
        .await
        .unwrap_or_else(|e| panic!("{kind}: keep-alive clients failed: {e}"));
    let mut fresh = Vec::new();
    let until = Instant::now() + options.duration;
    let mut id = 10_000_000u64;
    while Instant::now() < until {
        let started = Instant::now();
        let mut connection = Connection::open(addr, Flow::Stateless)
            .await
            .unwrap_or_else(|e| panic!("{kind}: a new connection failed: {e}"));
        connection
            .call(id)
            .await
            .unwrap_or_else(|e| panic!("{kind}: a call on a new connection failed: {e}"));
        fresh.push(started.elapsed());
        id += 1;
    }
    fresh.sort_unstable();
    let quantile = |q: f64| fresh[((fresh.len() - 1) as f64 * q).round() as usize];
    let files = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    let rss = sys::rss_bytes(pid).unwrap_or(0);
    format!(
        "| {kind} | {slow} | {} | {} | {:.0} | {} | {} | {} | {files} | {:.1} MB |",
        micros(kept.quantile(0.5)),
        micros(kept.quantile(0.99)),
        kept.rate(),
        kept.server_cpu_per_request().map_or("?".into(), micros),
        micros(quantile(0.5)),
        micros(quantile(0.99)),
        rss as f64 / 1e6
    )
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// A socket that sends half a request head and nothing more; connects again
/// whenever the server closes it (or refuses it: then after 100 ms).
async fn slow_socket(
    source: [u8; 4],
    addr: SocketAddr,
    open: Arc<AtomicUsize>,
    reconnects: Arc<AtomicU64>,
) {
    loop {
        let connected = async {
            let socket = TcpSocket::new_v4().ok()?;
            socket.bind(SocketAddr::from((source, 0))).ok()?;
            let mut stream = socket.connect(addr).await.ok()?;
            stream
                .write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .await
                .ok()?;
            Some(stream)
        }
        .await;
        let Some(mut stream) = connected else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        open.fetch_add(1, Ordering::Relaxed);
        let mut reply = [0u8; 512];
        let answered = matches!(stream.read(&mut reply).await, Ok(n) if n > 0);
        open.fetch_sub(1, Ordering::Relaxed);
        reconnects.fetch_add(1, Ordering::Relaxed);
        if answered {
            // Refused with 503: as a real attacker would, try again soon.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
