//! Task throughput and round-trip latency through Redis (a benchmark, not a
//! test).
//!
//! ```text
//! cargo run --release -p bench-redis [-- --tasks 5000 --rounds 500]
//! ```
//!
//! Starts its own `redis-server` on a free port (no persistence), one node
//! and 1, then 2, workers, each a server with its own `RedisBackend` and
//! connections, in this process. The node's client is in-process
//! (`ferrymcp::Client`), so the numbers are the task engine and Redis, not
//! HTTP.
//!
//! * round trip: one `tools/call` as a task, then `tasks/result`, one at a
//!   time; p50 and p99.
//! * throughput: `--tasks` tasks created with 64 in flight; tasks per second
//!   from the first create to the last result.

use ferrymcp::prelude::*;
use ferrymcp::task::redis::{RedisBackend, RedisConfig};
use ferrymcp::{Client, TaskOptions};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Returns its input; runs as a task.
#[tool(task = true)]
async fn echo(n: u64) -> u64 {
    n
}

async fn server(url: &str, prefix: &str, run_workers: bool) -> Server {
    let backend = RedisBackend::new(RedisConfig::new(url).prefix(prefix)).expect("redis url");
    Server::builder("bench")
        .tools(tools![echo])
        .tasks(backend)
        .task_options(
            TaskOptions::default()
                .concurrency(64)
                .run_workers(run_workers),
        )
        .build()
        .await
        .expect("server")
}

async fn round_trip(client: &Client, n: u64) {
    let created = client
        .request(
            "tools/call",
            json!({"name": "echo", "arguments": {"n": n}, "task": {}}),
        )
        .await
        .expect("task created");
    let id = created["task"]["taskId"].as_str().expect("task id");
    let result = client
        .request("tasks/result", json!({"taskId": id}))
        .await
        .expect("task result");
    assert_eq!(result["structuredContent"]["result"], n);
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct RedisServer(Child, std::path::PathBuf);

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn start_redis() -> (RedisServer, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = std::env::temp_dir().join(format!("ferrymcp-bench-redis-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server starts (apt-get install redis-server)");
    let redis = RedisServer(child, dir);
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "redis-server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (redis, format!("redis://127.0.0.1:{port}"))
}

#[tokio::main]
async fn main() {
    let mut tasks = 5000u64;
    let mut rounds = 500u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next().and_then(|v| v.parse().ok());
        match (a.as_str(), v) {
            ("--tasks", Some(v)) => tasks = v,
            ("--rounds", Some(v)) => rounds = v,
            _ => {
                eprintln!("usage: bench-redis [--tasks N] [--rounds N]");
                std::process::exit(2);
            }
        }
    }
    let (_redis, url) = start_redis();
    println!("| workers | round trip p50 | round trip p99 | throughput |");
    println!("|---|---|---|---|");
    for workers in [1usize, 2] {
        let prefix = format!("bench{workers}");
        let node = server(&url, &prefix, false).await;
        let mut pool = Vec::new();
        for _ in 0..workers {
            let worker = server(&url, &prefix, true).await;
            let w = worker.clone();
            tokio::spawn(async move { w.run_task_workers().await });
            pool.push(worker);
        }
        let client = Arc::new(Client::connect(&node).await.expect("client"));
        for n in 0..50 {
            round_trip(&client, n).await; // warm up
        }
        let mut times = Vec::with_capacity(rounds as usize);
        for n in 0..rounds {
            let t = Instant::now();
            round_trip(&client, n).await;
            times.push(t.elapsed());
        }
        times.sort();
        let started = Instant::now();
        let limit = Arc::new(tokio::sync::Semaphore::new(64));
        let mut set = tokio::task::JoinSet::new();
        for n in 0..tasks {
            let (client, limit) = (Arc::clone(&client), Arc::clone(&limit));
            set.spawn(async move {
                let _p = limit.acquire().await.expect("open");
                round_trip(&client, n).await;
            });
        }
        while let Some(r) = set.join_next().await {
            r.expect("a task finished");
        }
        let rate = tasks as f64 / started.elapsed().as_secs_f64();
        println!(
            "| {workers} | {:.2} ms | {:.2} ms | {:.0} tasks/s |",
            percentile(&times, 0.5).as_secs_f64() * 1000.0,
            percentile(&times, 0.99).as_secs_f64() * 1000.0,
            rate
        );
        for w in &pool {
            w.shutdown().await;
        }
        node.shutdown().await;
    }
}
