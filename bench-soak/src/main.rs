//! Soak benchmark (a benchmark, not a test): does a ferrymcp HTTP server give
//! its memory back once its sessions and tasks are gone?
//!
//! ```text
//! cargo build --release -p bench-soak
//! nice target/release/soak [--sessions 10000] [--tasks 10000] [--idle-ms 30000] [--ttl-ms 30000] [--connections 32]
//! ```
//!
//! Starts the server in a process of its own (`soak serve`, on 127.0.0.1),
//! then from 32 keep-alive connections opens `--sessions` 2025-11-25
//! sessions (`initialize`, `notifications/initialized`) and creates
//! `--tasks` tasks on them (`tools/call` with `params.task.ttl` = `--ttl-ms`,
//! the default in-memory task store), reading each task's result
//! (`tasks/result`). Every session then idles. It prints the server's RSS
//! (and the bytes its allocator has handed out) at baseline, at peak, once
//! every session's idle timeout and every task's TTL has passed with no
//! request, after one `initialize` and one `tasks/get` (the requests that
//! sweep expired sessions and tasks), and after `malloc_trim(0)`.
//! It exits with status 1 when the heap in use does not return within
//! max(2 MiB, 10%) of its baseline.

mod client;
mod memory;
mod serve;

use client::Connection;
use http::{Method, StatusCode};
use memory::mib;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The run's settings.
#[derive(Debug, Clone, Copy)]
struct Args {
    sessions: usize,
    tasks: usize,
    idle_ms: u64,
    ttl_ms: u64,
    connections: usize,
}

const USAGE: &str =
    "usage: soak [--sessions N] [--tasks N] [--idle-ms MS] [--ttl-ms MS] [--connections N]";

fn args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        sessions: 10_000,
        tasks: 10_000,
        idle_ms: 30_000,
        ttl_ms: 30_000,
        connections: 32,
    };
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{name} needs a number; {USAGE}"))
        };
        match arg.as_str() {
            "--sessions" => args.sessions = value(&arg)?.max(1) as usize,
            "--tasks" => args.tasks = value(&arg)? as usize,
            "--idle-ms" => args.idle_ms = value(&arg)?,
            "--ttl-ms" => args.ttl_ms = value(&arg)?,
            "--connections" => args.connections = value(&arg)?.max(1) as usize,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}; {USAGE}")),
        }
    }
    Ok(args)
}

/// The server process, killed when dropped.
struct ServerProcess {
    child: Child,
    addr: SocketAddr,
}

impl ServerProcess {
    fn start(args: &Args) -> Result<ServerProcess, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .args([
                "serve".to_string(),
                args.idle_ms.to_string(),
                (args.sessions + 100).to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let mut line = String::new();
        use std::io::BufRead;
        std::io::BufReader::new(child.stdout.take().ok_or("no stdout")?)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let addr = line
            .trim()
            .parse()
            .map_err(|_| format!("the server printed {line:?}, not its address"))?;
        Ok(ServerProcess { child, addr })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn rss(&self) -> u64 {
        memory::rss(self.pid()).map_or(0, |(rss, _)| rss)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One line of the report.
struct Figure {
    phase: String,
    rss: u64,
    heap: Value,
}

impl Figure {
    fn in_use(&self) -> u64 {
        self.heap["in_use"].as_u64().unwrap_or(0)
    }
}

async fn figure(server: &ServerProcess, phase: &str, heap: Value) -> Figure {
    let figure = Figure {
        phase: phase.to_owned(),
        rss: server.rss(),
        heap,
    };
    println!(
        "  {:<48} RSS {:>10}   heap in use {:>10}   free kept by malloc {:>10}",
        figure.phase,
        mib(figure.rss),
        mib(figure.in_use()),
        mib(figure.heap["free_kept"].as_u64().unwrap_or(0)),
    );
    figure
}

/// One session's worth of load: opens it, then creates its share of tasks
/// (task `t` goes to session `t % sessions`) and reads each result.
async fn session_load(conn: &mut Connection, s: usize, args: &Args) -> Result<String, String> {
    let session = conn.open_session().await?;
    for t in (s..args.tasks).step_by(args.sessions) {
        let label = format!("task-{t}");
        let created = conn
            .call(
                &session,
                "tools/call",
                json!({"name": "work", "arguments": {"label": label}, "task": {"ttl": args.ttl_ms}}),
            )
            .await?;
        let id = created["task"]["taskId"]
            .as_str()
            .ok_or(format!("no CreateTaskResult: {created}"))?;
        let result = conn
            .call(&session, "tasks/result", json!({"taskId": id}))
            .await?;
        let text = result["content"][0]["text"].as_str().unwrap_or_default();
        if text != format!("done {label}") {
            return Err(format!("task {id} ({label}) answered {result}"));
        }
    }
    Ok(session)
}

/// Opens every session and creates every task from `args.connections`
/// connections; returns one session id (to check it ended later).
async fn load(addr: SocketAddr, args: Args) -> Result<String, String> {
    let mut lanes = tokio::task::JoinSet::new();
    for k in 0..args.connections.min(args.sessions) {
        lanes.spawn(async move {
            let mut conn = Connection::open(addr).await?;
            let mut last = String::new();
            for s in (k..args.sessions).step_by(args.connections) {
                last = session_load(&mut conn, s, &args).await?;
            }
            Ok::<_, String>(last)
        });
    }
    let mut one = String::new();
    while let Some(lane) = lanes.join_next().await {
        one = lane.map_err(|e| e.to_string())??;
    }
    Ok(one)
}

async fn drive(args: Args) -> Result<bool, String> {
    let server = ServerProcess::start(&args)?;
    let mut admin = Connection::open(server.addr).await?;
    println!(
        "soak: {} sessions, {} tasks (TTL {} ms), session idle timeout {} ms, {} connections; server pid {} on {}",
        args.sessions,
        args.tasks,
        args.ttl_ms,
        args.idle_ms,
        args.connections,
        server.pid(),
        server.addr
    );

    // Baseline: one session and one task have run (lazy initialisation done).
    let mut warm = Connection::open(server.addr).await?;
    session_load(
        &mut warm,
        0,
        &Args {
            sessions: 1,
            tasks: 1,
            ..args
        },
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let baseline = figure(
        &server,
        "baseline (after 1 session and 1 task)",
        admin.soak(Method::GET, "/soak/heap").await?,
    )
    .await;

    // Load, sampling RSS every 20 ms.
    let peak = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling, pid) = (Arc::clone(&peak), Arc::clone(&sampling), server.pid());
        tokio::spawn(async move {
            while sampling.load(Ordering::SeqCst) {
                if let Some((rss, _)) = memory::rss(pid) {
                    peak.fetch_max(rss, Ordering::SeqCst);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let started = Instant::now();
    let old_session = load(server.addr, args).await?;
    let took = started.elapsed();
    let loaded = figure(
        &server,
        "end of load (all sessions open, tasks kept)",
        admin.soak(Method::GET, "/soak/heap").await?,
    )
    .await;
    sampling.store(false, Ordering::SeqCst);
    let _ = sampler.await;
    let hwm = memory::rss(server.pid()).map_or(0, |(_, hwm)| hwm);
    println!(
        "  {:<48} RSS {:>10}   (VmHWM {}; load took {:.1} s)",
        "peak (sampled every 20 ms)",
        mib(peak.load(Ordering::SeqCst).max(loaded.rss)),
        mib(hwm),
        took.as_secs_f64()
    );
    if took.as_millis() as u64 >= args.idle_ms.min(args.ttl_ms) {
        println!("  warning: the load took longer than the idle timeout or the TTL: the first sessions or tasks expired before the peak");
    }

    // Everything expires: no request for the idle timeout and the TTL, plus
    // the stores' one-second sweep period.
    let wait = Duration::from_millis(args.idle_ms.max(args.ttl_ms)) + Duration::from_millis(1500);
    tokio::time::sleep(wait).await;
    let idle = figure(
        &server,
        "expired, no MCP request since",
        admin.soak(Method::GET, "/soak/heap").await?,
    )
    .await;

    // One initialize sweeps the sessions; one tasks/get sweeps the tasks.
    let mut poke = Connection::open(server.addr).await?;
    let fresh = poke.open_session().await?;
    let get = poke
        .request(Some(&fresh), "tasks/get", json!({"taskId": "0".repeat(32)}))
        .await?;
    if get.message.as_ref().map(|m| &m["error"]["code"]) != Some(&json!(-32602)) {
        return Err(format!("tasks/get of an unknown id: {:?}", get.message));
    }
    let ended = poke
        .request(Some(&old_session), "tools/list", json!({}))
        .await?;
    if ended.status != StatusCode::NOT_FOUND {
        return Err(format!(
            "a session idle for longer than the timeout answered {}",
            ended.status
        ));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let swept = figure(
        &server,
        "after one initialize + one tasks/get (sweeps)",
        admin.soak(Method::GET, "/soak/heap").await?,
    )
    .await;
    let trimmed = figure(
        &server,
        "after malloc_trim(0) in the server",
        admin.soak(Method::POST, "/soak/trim").await?,
    )
    .await;

    let margin = (2 << 20).max(baseline.in_use() / 10);
    let returned = swept.in_use() <= baseline.in_use() + margin;
    println!(
        "soak: heap in use {} at baseline, {} at the end of the load, {} once expired without requests, {} after the sweeps: {}",
        mib(baseline.in_use()),
        mib(loaded.in_use()),
        mib(idle.in_use()),
        mib(swept.in_use()),
        if returned { "back near baseline" } else { "NOT back near baseline" }
    );
    println!(
        "soak: RSS {} at baseline, {} after the sweeps, {} after malloc_trim",
        mib(baseline.rss),
        mib(swept.rss),
        mib(trimmed.rss)
    );
    Ok(returned)
}

fn main() {
    let mut argv = std::env::args().skip(1).peekable();
    if argv.peek().map(String::as_str) == Some("serve") {
        argv.next();
        let idle = argv.next().and_then(|v| v.parse().ok()).unwrap_or(30_000);
        let max = argv.next().and_then(|v| v.parse().ok()).unwrap_or(10_000);
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
        if let Err(e) = runtime.block_on(serve::run(Duration::from_millis(idle), max)) {
            eprintln!("soak serve: {e}");
            std::process::exit(2);
        }
        return;
    }
    let args = match args(argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(drive(args)) {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("soak: {e}");
            std::process::exit(2);
        }
    }
}
