//! Task throughput, round-trip latency and Redis commands per task (a
//! benchmark, not a test).
//!
//! ```text
//! cargo run --release -p bench-redis [-- --tasks 20000 --rounds 1000 --count 2000]
//! cargo run --release -p bench-redis -- --durability [ROUNDS]
//! cargo run --release -p bench-redis -- --cluster [--shards 3] [--tasks N]
//! ```
//!
//! `--shards N` splits the queue of the single-server runs into N shards;
//! `--cluster` measures throughput on a three-primary Redis Cluster
//! started here, with the queue in one shard and then in N (default 3).
//!
//! Starts its own `redis-server` on a free port (no persistence), then
//! measures the in-memory backend (one server running its own tasks) and
//! the Redis backend with one node and 1, then 2, workers, each a server
//! with its own `RedisBackend` and connections, in this process. The
//! node's client is in-process (`ferrymcp::Client`), so the numbers are the
//! task engine and its store, not HTTP.
//!
//! * round trip: one `tools/call` as a task, then `tasks/result`, one at a
//!   time; p50 and p99.
//! * throughput: `--tasks` tasks created with 64 in flight; tasks per second
//!   from the first create to the last result.
//! * Redis commands per task: `--count` tasks (one at a time, then 64 in
//!   flight) with a `MONITOR` connection open, which lists every command
//!   Redis runs, those a client sent and those a script ran; round trips
//!   are the socket reads Redis made (`INFO stats`, `total_reads_processed`).
//!   These figures do not depend on the machine's load; the timed runs are
//!   made without `MONITOR`.
//!
//! * CPU per task: the CPU time (user + system) this process (client, node
//!   and workers) and `redis-server` used in the throughput run, per task;
//!   `2 cores / CPU per task` is the rate the two cores would allow with
//!   nothing else running (a ceiling, less dependent on the load than
//!   tasks/s).
//!
//! Every row says the load average (`/proc/loadavg`, 1 minute) before and
//! after it: other work on the machine lowers tasks/s.

use ferrymcp::prelude::*;
use ferrymcp::task::redis::{RedisBackend, RedisConfig};
use ferrymcp::{Client, TaskOptions};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Returns its input; runs as a task.
#[tool(task = true)]
async fn echo(n: u64) -> u64 {
    n
}

/// How many tasks are in flight in the throughput runs.
const IN_FLIGHT: usize = 64;

/// The queue shards of the single-server runs (`--shards`).
static SHARDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

async fn redis_server(url: &str, prefix: &str, run_workers: bool) -> Server {
    let shards = SHARDS.load(std::sync::atomic::Ordering::Relaxed);
    redis_server_with(
        RedisConfig::new(url).prefix(prefix).shards(shards),
        run_workers,
    )
    .await
}

async fn redis_server_with(config: RedisConfig, run_workers: bool) -> Server {
    let backend = RedisBackend::new(config).expect("redis url");
    Server::builder("bench")
        .tools(tools![echo])
        .tasks(backend)
        .task_options(
            TaskOptions::default()
                .concurrency(IN_FLIGHT)
                .run_workers(run_workers),
        )
        .build()
        .await
        .expect("server")
}

async fn memory_server() -> Server {
    Server::builder("bench")
        .tools(tools![echo])
        .task_options(TaskOptions::default().concurrency(IN_FLIGHT))
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

/// `rounds` round trips one at a time, sorted.
async fn latencies(client: &Client, rounds: u64) -> Vec<Duration> {
    let mut times = Vec::with_capacity(rounds as usize);
    for n in 0..rounds {
        let t = Instant::now();
        round_trip(client, n).await;
        times.push(t.elapsed());
    }
    times.sort();
    times
}

/// `tasks` round trips with `in_flight` at a time; tasks per second.
async fn throughput(client: &Arc<Client>, tasks: u64, in_flight: usize) -> f64 {
    let started = Instant::now();
    let limit = Arc::new(tokio::sync::Semaphore::new(in_flight));
    let mut set = tokio::task::JoinSet::new();
    for n in 0..tasks {
        let (client, limit) = (Arc::clone(client), Arc::clone(&limit));
        set.spawn(async move {
            let _p = limit.acquire().await.expect("open");
            round_trip(&client, n).await;
        });
    }
    while let Some(r) = set.join_next().await {
        r.expect("a task finished");
    }
    tasks as f64 / started.elapsed().as_secs_f64()
}

/// CPU time (user + system) a process used so far, from `/proc/PID/stat`
/// (clock ticks of 10 ms).
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    Duration::from_millis(ticks * 10)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

struct RedisProcess(Child, std::path::PathBuf);

impl Drop for RedisProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn start_redis() -> (RedisProcess, u16) {
    start_redis_with(&[])
}

fn start_redis_with(extra: &[String]) -> (RedisProcess, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = std::env::temp_dir().join(format!(
        "ferrymcp-bench-redis-{}-{port}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .args(extra)
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server starts (apt-get install redis-server)");
    let redis = RedisProcess(child, dir);
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "redis-server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (redis, port)
}

/// One field of `INFO stats` of the Redis on `port`.
fn info_stat(port: u16, field: &str) -> u64 {
    info(port, "stats")
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().parse().ok())
        .expect("the field")
}

/// One section of `INFO` of the Redis on `port`.
fn info(port: u16, section: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("redis");
    s.write_all(format!("INFO {section}\r\n").as_bytes())
        .expect("write");
    let mut r = BufReader::new(s);
    let mut header = String::new();
    r.read_line(&mut header).expect("read");
    let len: usize = header
        .trim()
        .trim_start_matches('$')
        .parse()
        .expect("a bulk reply");
    let mut body = vec![0; len + 2];
    r.read_exact(&mut body).expect("read");
    String::from_utf8_lossy(&body).into_owned()
}

/// Where Redis spent its time over the whole bench, by command
/// (`INFO commandstats`; a script's time includes the commands it ran).
fn command_times(port: u16) -> Vec<(String, u64, u64)> {
    let mut out: Vec<(String, u64, u64)> = info(port, "commandstats")
        .lines()
        .filter_map(|l| {
            let (name, rest) = l.strip_prefix("cmdstat_")?.split_once(':')?;
            let field = |key: &str| {
                rest.split(',')
                    .find_map(|kv| kv.strip_prefix(key))
                    .and_then(|v| v.parse::<u64>().ok())
            };
            Some((name.to_owned(), field("calls=")?, field("usec=")?))
        })
        .collect();
    out.sort_by_key(|(_, _, usec)| std::cmp::Reverse(*usec));
    out
}

/// Every command Redis runs while it is open, read from `MONITOR`.
struct Monitor {
    port: u16,
    lines: std::thread::JoinHandle<Vec<String>>,
    stop: TcpStream,
    reads_before: u64,
}

impl Monitor {
    fn start(port: u16) -> Monitor {
        let reads_before = info_stat(port, "total_reads_processed");
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("redis");
        s.write_all(b"MONITOR\r\n").expect("write");
        let stop = s.try_clone().expect("clone");
        let mut r = BufReader::new(s);
        let mut ok = String::new();
        r.read_line(&mut ok).expect("MONITOR answers");
        assert!(ok.starts_with("+OK"), "MONITOR: {ok}");
        let lines = std::thread::spawn(move || {
            let mut out = Vec::new();
            for line in r.lines() {
                let Ok(line) = line else { break };
                if line.contains("\"MONITOR-END\"") {
                    break;
                }
                out.push(line);
            }
            out
        });
        Monitor {
            port,
            lines,
            stop,
            reads_before,
        }
    }

    /// Stops and counts per task: (client commands by name, script
    /// commands, socket reads).
    fn finish(self, tasks: u64) -> Counted {
        // A marker command ends the listing; its error is ignored.
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("redis");
        s.write_all(b"ECHO MONITOR-END\r\n").expect("write");
        let mut r = BufReader::new(s);
        let mut ok = String::new();
        r.read_line(&mut ok).expect("ECHO");
        let lines = self.lines.join().expect("monitor thread");
        let _ = self.stop.shutdown(std::net::Shutdown::Both);
        // Our own INFO and ECHO reads are 2 (one each).
        let reads = info_stat(self.port, "total_reads_processed") - self.reads_before - 2;
        let mut by_name: BTreeMap<String, u64> = BTreeMap::new();
        let mut scripted = 0u64;
        for line in &lines {
            // 1700000000.123456 [0 127.0.0.1:5555] "CMD" "arg" ...
            let Some((source, rest)) = line.split_once("] ") else {
                continue;
            };
            let name = rest
                .split('"')
                .nth(1)
                .unwrap_or_default()
                .to_ascii_uppercase();
            if name == "INFO" || name == "ECHO" {
                continue;
            }
            if source.ends_with(" lua") {
                scripted += 1;
            } else {
                *by_name.entry(name).or_default() += 1;
            }
        }
        Counted {
            tasks,
            by_name,
            scripted,
            reads,
        }
    }
}

struct Counted {
    tasks: u64,
    by_name: BTreeMap<String, u64>,
    scripted: u64,
    reads: u64,
}

impl Counted {
    fn per_task(&self, n: u64) -> f64 {
        n as f64 / self.tasks as f64
    }

    fn sent(&self) -> u64 {
        self.by_name.values().sum()
    }

    fn row(&self, workers: usize, flight: usize) -> String {
        let detail: Vec<String> = self
            .by_name
            .iter()
            .map(|(name, n)| format!("{name} {:.2}", self.per_task(*n)))
            .collect();
        format!(
            "| {workers} | {flight} | {:.2} | {:.2} | {:.2} | {} |",
            self.per_task(self.sent()),
            self.per_task(self.scripted),
            self.per_task(self.reads),
            detail.join(", ")
        )
    }
}

struct Row {
    name: String,
    p50: Duration,
    p99: Duration,
    rate: f64,
    /// CPU per task in the throughput run: this process, redis-server.
    cpu: (Duration, Duration),
    load: (String, String),
}

impl Row {
    fn print(&self) {
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let total = us(self.cpu.0) + us(self.cpu.1);
        println!(
            "| {} | {:.2} ms | {:.2} ms | {:.0} tasks/s | {:.0} + {:.0} µs | {:.0} tasks/s | {} → {} |",
            self.name,
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0,
            self.rate,
            us(self.cpu.0),
            us(self.cpu.1),
            2e6 / total,
            self.load.0,
            self.load.1
        );
    }
}

async fn measure(
    name: String,
    client: &Arc<Client>,
    rounds: u64,
    tasks: u64,
    redis_pid: u32,
) -> Row {
    for n in 0..50 {
        round_trip(client, n).await; // warm up
    }
    let before = load();
    let times = latencies(client, rounds).await;
    let (me, redis) = (cpu_time(std::process::id()), cpu_time(redis_pid));
    let rate = throughput(client, tasks, IN_FLIGHT).await;
    let per_task = |d: Duration| d / tasks.max(1) as u32;
    let cpu = (
        per_task(cpu_time(std::process::id()).saturating_sub(me)),
        per_task(cpu_time(redis_pid).saturating_sub(redis)),
    );
    Row {
        name,
        p50: percentile(&times, 0.5),
        p99: percentile(&times, 0.99),
        rate,
        cpu,
        load: (before, load()),
    }
}

/// Sends one inline command to the Redis on `port`; its first reply line.
fn command(port: u16, line: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("redis");
    s.write_all(format!("{line}\r\n").as_bytes())
        .expect("write");
    let mut reply = String::new();
    BufReader::new(s).read_line(&mut reply).expect("a reply");
    reply
}

/// `--cluster`: throughput on a Redis Cluster of three primaries (no
/// replicas; started here, `redis-cli --cluster create`), one node and two
/// workers in this process, with the queue in one shard, then in
/// `shards` shards (each of their own prefix).
async fn cluster(tasks: u64, shards: usize) {
    let nodes: Vec<(RedisProcess, u16)> = (0..3)
        .map(|_| {
            let bus = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            start_redis_with(&[
                "--cluster-enabled".into(),
                "yes".into(),
                "--cluster-config-file".into(),
                "nodes.conf".into(),
                "--cluster-port".into(),
                bus.to_string(),
            ])
        })
        .collect();
    let addresses: Vec<String> = nodes
        .iter()
        .map(|(_, port)| format!("127.0.0.1:{port}"))
        .collect();
    let out = Command::new("redis-cli")
        .args(["--cluster", "create"])
        .args(&addresses)
        .args(["--cluster-replicas", "0", "--cluster-yes"])
        .output()
        .expect("redis-cli runs");
    assert!(out.status.success(), "redis-cli --cluster create failed");
    let start = Instant::now();
    while !nodes.iter().all(|(_, port)| cluster_ok(*port)) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the cluster never became ok"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let seeds: Vec<String> = addresses.iter().map(|a| format!("redis://{a}")).collect();
    println!(
        "| queue shards | throughput (64 in flight, {tasks} tasks) | CPU per task (bench + 3 redis) | load 1 min (before → after) |"
    );
    println!("|---|---|---|---|");
    for n in [1, shards] {
        let config = RedisConfig::cluster(seeds.clone())
            .prefix(format!("cluster{n}"))
            .shards(n);
        let node = redis_server_with(config.clone(), false).await;
        let mut pool = Vec::new();
        for _ in 0..2 {
            let worker = redis_server_with(config.clone(), true).await;
            let w = worker.clone();
            tokio::spawn(async move { w.run_task_workers().await });
            pool.push(worker);
        }
        let client = Arc::new(Client::connect(&node).await.expect("client"));
        throughput(&client, 500, IN_FLIGHT).await; // warm up
        let before = load();
        let cpu = |pids: &[u32]| pids.iter().map(|p| cpu_time(*p)).sum::<Duration>();
        let mut pids: Vec<u32> = nodes.iter().map(|(r, _)| r.0.id()).collect();
        pids.push(std::process::id());
        let cpu_before = cpu(&pids);
        let rate = throughput(&client, tasks, IN_FLIGHT).await;
        let per_task = (cpu(&pids) - cpu_before).as_secs_f64() / tasks as f64;
        println!(
            "| {n} | {rate:.0} tasks/s | {:.3} ms | {before} → {} |",
            per_task * 1000.0,
            load()
        );
        for w in &pool {
            w.shutdown().await;
        }
        node.shutdown().await;
    }
}

/// Whether the cluster node on `port` says `cluster_state:ok`.
fn cluster_ok(port: u16) -> bool {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("redis");
    s.write_all(b"CLUSTER INFO\r\n").expect("write");
    let mut r = BufReader::new(s);
    let mut header = String::new();
    r.read_line(&mut header).expect("read");
    let len: usize = header.trim().trim_start_matches('$').parse().unwrap_or(0);
    let mut body = vec![0; len + 2];
    r.read_exact(&mut body).expect("read");
    String::from_utf8_lossy(&body).contains("cluster_state:ok")
}

/// `--durability`: creation latency without and with
/// `RedisConfig::durable(1, 1 s)`, on a primary with one replica (both
/// started here), one node and one worker in this process.
async fn durability(rounds: u64) {
    let (_primary, port) = start_redis();
    let (_replica, replica_port) = start_redis();
    let reply = command(replica_port, &format!("REPLICAOF 127.0.0.1 {port}"));
    assert!(reply.starts_with("+OK"), "{reply}");
    let start = Instant::now();
    while !info(port, "replication").contains("state=online") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the replica never synced"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let url = format!("redis://127.0.0.1:{port}");
    println!(
        "| setting | creation p50 | creation p99 | round trip p50 (create + result) | load 1 min |"
    );
    println!("|---|---|---|---|---|");
    for (name, durable) in [("default (no WAIT)", false), ("durable(1, 1 s)", true)] {
        let mut config = RedisConfig::new(url.as_str()).prefix(format!("durable{durable}"));
        if durable {
            config = config.durable(1, Duration::from_secs(1));
        }
        let node = redis_server_with(config.clone(), false).await;
        let worker = redis_server_with(config, true).await;
        let w = worker.clone();
        tokio::spawn(async move { w.run_task_workers().await });
        let client = Client::connect(&node).await.expect("client");
        for n in 0..50 {
            round_trip(&client, n).await; // warm up
        }
        let before = load();
        let mut creations = Vec::new();
        let mut trips = Vec::new();
        for n in 0..rounds {
            let t = Instant::now();
            let created = client
                .request(
                    "tools/call",
                    json!({"name": "echo", "arguments": {"n": n}, "task": {}}),
                )
                .await
                .expect("task created");
            creations.push(t.elapsed());
            let id = created["task"]["taskId"].as_str().expect("task id");
            client
                .request("tasks/result", json!({"taskId": id}))
                .await
                .expect("task result");
            trips.push(t.elapsed());
        }
        creations.sort();
        trips.sort();
        println!(
            "| {name} | {:.3} ms | {:.3} ms | {:.3} ms | {before}–{} |",
            percentile(&creations, 0.5).as_secs_f64() * 1000.0,
            percentile(&creations, 0.99).as_secs_f64() * 1000.0,
            percentile(&trips, 0.5).as_secs_f64() * 1000.0,
            load()
        );
        worker.shutdown().await;
        node.shutdown().await;
    }
}

#[tokio::main]
async fn main() {
    let mut tasks = 20_000u64;
    let mut rounds = 1_000u64;
    let mut count = 2_000u64;
    if std::env::args().nth(1).as_deref() == Some("--durability") {
        let rounds = std::env::args()
            .nth(2)
            .and_then(|r| r.parse().ok())
            .unwrap_or(rounds);
        durability(rounds).await;
        return;
    }
    let mut shards = 1usize;
    let mut on_cluster = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--cluster" {
            on_cluster = true;
            continue;
        }
        let v = args.next().and_then(|v| v.parse().ok());
        match (a.as_str(), v) {
            ("--tasks", Some(v)) => tasks = v,
            ("--rounds", Some(v)) => rounds = v.max(1),
            ("--count", Some(v)) => count = v.max(1),
            ("--shards", Some(v)) => shards = (v as usize).clamp(1, 1024),
            _ => {
                eprintln!(
                    "usage: bench-redis [--tasks N] [--rounds N] [--count N] [--shards N] [--cluster]"
                );
                std::process::exit(2);
            }
        }
    }
    if on_cluster {
        cluster(tasks, if shards == 1 { 3 } else { shards }).await;
        return;
    }
    SHARDS.store(shards, std::sync::atomic::Ordering::Relaxed);
    let (redis, port) = start_redis();
    let redis_pid = redis.0.id();
    let url = format!("redis://127.0.0.1:{port}");
    let mut rows = Vec::new();
    let mut counts = Vec::new();

    let server = memory_server().await;
    let client = Arc::new(Client::connect(&server).await.expect("client"));
    rows.push(measure("memory".into(), &client, rounds, tasks, redis_pid).await);
    drop(client);
    server.shutdown().await;

    for workers in [1usize, 2] {
        let prefix = format!("bench{workers}");
        let node = redis_server(&url, &prefix, false).await;
        let mut pool = Vec::new();
        for _ in 0..workers {
            let worker = redis_server(&url, &prefix, true).await;
            let w = worker.clone();
            tokio::spawn(async move { w.run_task_workers().await });
            pool.push(worker);
        }
        let client = Arc::new(Client::connect(&node).await.expect("client"));
        let s = if workers == 1 { "" } else { "s" };
        let name = format!("redis, {workers} worker{s}");
        rows.push(measure(name, &client, rounds, tasks, redis_pid).await);
        for flight in [1, IN_FLIGHT] {
            let monitor = Monitor::start(port);
            throughput(&client, count, flight).await;
            counts.push(monitor.finish(count).row(workers, flight));
        }
        for w in &pool {
            w.shutdown().await;
        }
        node.shutdown().await;
    }

    println!(
        "| backend | round trip p50 | round trip p99 | throughput | CPU per task (bench + redis) | 2 cores / CPU per task | load 1 min (before → after) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for row in &rows {
        row.print();
    }
    println!();
    println!("Redis commands per task ({count} tasks under MONITOR):");
    println!();
    println!(
        "| workers | in flight | sent by clients | run inside scripts | round trips (socket reads) | sent, by command |"
    );
    println!("|---|---|---|---|---|---|");
    for row in &counts {
        println!("{row}");
    }
    println!();
    println!("Redis time by command over the whole run (INFO commandstats; scripts include their commands):");
    println!();
    println!("| command | calls | µs per call | total ms |");
    println!("|---|---|---|---|");
    for (name, calls, usec) in command_times(port).iter().take(16) {
        println!(
            "| {name} | {calls} | {:.2} | {:.0} |",
            *usec as f64 / (*calls).max(1) as f64,
            *usec as f64 / 1000.0
        );
    }
}
