//! Chaos on the distributed task engine: two HTTP nodes and two worker
//! processes on one real `redis-server` (append-only file, fsync always),
//! clients of both task protocols creating tasks all along, while a worker
//! is killed with SIGKILL and then Redis itself is killed with SIGKILL and
//! restarted. Every acknowledged task completes once, with its own result;
//! every refused creation says the task was not created.

#[path = "redis_support/mod.rs"]
mod redis_support;

use redis_support::{eventually, serial, Mcp, Process, Redis, Stateless, LIMIT};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How each task is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Wire {
    /// 2025-11-25 core tasks: `tools/call` with `params.task` on a session.
    Core,
    /// 2026-07-28 tasks extension: a stateless `tools/call` opted in by `_meta`.
    Extension,
}

/// Where the run stood when a creation was sent.
const BEFORE: u8 = 0;
const WORKER_KILLED: u8 = 1;
const REDIS_DOWN: u8 = 2;
const REDIS_BACK: u8 = 3;

/// What a client was told about one creation.
#[derive(Debug, Clone)]
struct Creation {
    /// The creation's number: its `duration` argument is `200 + n` ms, so
    /// every task's arguments are unique.
    n: u64,
    wire: Wire,
    /// The node it was sent to (0 or 1).
    node: usize,
    /// [`BEFORE`] .. [`REDIS_BACK`] when it was sent.
    phase: u8,
    /// `Some(task id)` when acknowledged; `None` when refused.
    id: Option<String>,
    /// The JSON-RPC response.
    response: Value,
}

impl Creation {
    fn duration(&self) -> u64 {
        200 + self.n
    }
}

/// The clients and the record of every creation, shared by the lanes.
struct Load {
    sessions: [Mcp; 2],
    stateless: [Stateless; 2],
    next: AtomicU64,
    phase: AtomicU8,
    stop: AtomicBool,
    creations: Mutex<Vec<Creation>>,
    /// Reads answered "task storage failed" (and tried again).
    retried: AtomicU64,
}

impl Load {
    fn creations(&self) -> Vec<Creation> {
        self.creations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn acknowledged(&self, phase: Option<u8>) -> usize {
        self.creations()
            .iter()
            .filter(|c| c.id.is_some() && phase.is_none_or(|p| c.phase == p))
            .count()
    }

    fn refused(&self, wire: Wire, phase: u8) -> usize {
        self.creations()
            .iter()
            .filter(|c| c.id.is_none() && c.wire == wire && c.phase == phase)
            .count()
    }

    /// Sends creation `n`: even numbers speak 2025-11-25, odd ones 2026-07-28;
    /// the node alternates every two.
    async fn create(&self, n: u64) -> Creation {
        let wire = if n.is_multiple_of(2) {
            Wire::Core
        } else {
            Wire::Extension
        };
        let node = (n / 2 % 2) as usize;
        let phase = self.phase.load(Ordering::SeqCst);
        let mut creation = Creation {
            n,
            wire,
            node,
            phase,
            id: None,
            response: Value::Null,
        };
        let response = match wire {
            Wire::Core => self.sessions[node].start_slow(creation.duration()).await,
            Wire::Extension => self.stateless[node]
                .call(
                    "tools/call",
                    json!({"name": "slow_task", "arguments": {"duration": creation.duration()}}),
                )
                .await,
        };
        let id = match wire {
            Wire::Core => response["result"]["task"]["taskId"].as_str(),
            Wire::Extension if response["result"]["resultType"] == "task" => {
                response["result"]["taskId"].as_str()
            }
            Wire::Extension => None,
        };
        creation.id = id.map(str::to_owned);
        assert!(
            creation.id.is_some() || response.get("error").is_some(),
            "creation {n} ({wire:?}) is neither a task nor an error: {response}"
        );
        creation.response = response;
        creation
    }
}

/// Creates tasks until told to stop, one at a time with a pause, so the
/// workers stay busy without an ever-growing queue.
async fn lane(load: Arc<Load>, acked: tokio::sync::mpsc::UnboundedSender<Creation>) {
    while !load.stop.load(Ordering::SeqCst) {
        let n = load.next.fetch_add(1, Ordering::SeqCst);
        let creation = load.create(n).await;
        if creation.id.is_some() {
            acked.send(creation.clone()).expect("the readers run");
        }
        load.creations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(creation);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How many queue entries the worker with process id `pid` holds (claimed,
/// not acknowledged), from Redis's pending entries lists (of each of
/// `shards` queue shards).
fn pending_on(redis: &Redis, pid: u32, shards: usize) -> usize {
    (0..shards)
        .map(|k| {
            let queue = if k == 0 {
                "{ferrymcp}:queue".to_owned()
            } else {
                format!("{{ferrymcp:{k}}}:queue")
            };
            redis
                .command(&["XPENDING", &queue, "workers", "-", "+", "10000"])
                .map_or(0, |reply| reply.matches(&format!("-{pid}-")).count())
        })
        .sum()
}

/// One run's end as a worker's stderr records it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Finished {
    pid: u32,
    id: String,
    status: String,
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The value of the first `name=value` field of a log line.
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=");
    let mut from = 0;
    while let Some(at) = line[from..].find(&key).map(|i| i + from) {
        let before = line[..at].chars().last();
        if matches!(before, None | Some(' ' | '{')) {
            let value = &line[at + key.len()..];
            let end = value.find([' ', '}']).unwrap_or(value.len());
            return Some(&value[..end]);
        }
        from = at + key.len();
    }
    None
}

/// Every `task finished` record of a worker's stderr.
fn finished_runs(worker: &Process) -> Vec<Finished> {
    worker
        .log()
        .lines()
        .map(strip_ansi)
        .filter(|l| l.contains("task finished"))
        .map(|l| Finished {
            pid: worker.pid(),
            id: field(&l, "task_id").expect("task_id").to_owned(),
            status: field(&l, "status").expect("status").to_owned(),
        })
        .collect()
}

/// Whether the worker recorded that it could not tell whether a run's end
/// was stored (`task result discarded`: the store's reply was lost).
fn discarded(worker: &Process, id: &str) -> bool {
    worker
        .log()
        .lines()
        .map(strip_ansi)
        .any(|l| l.contains("task result discarded") && field(&l, "task_id") == Some(id))
}

/// What a completed task's result says about the run that produced it.
#[derive(Debug)]
struct Run {
    attempt: u32,
    pid: u32,
}

/// Checks that `text` is the result of creation `c` (its own task id and its
/// own arguments) and returns the attempt and worker process it names.
fn own_result(c: &Creation, text: &str) -> Run {
    let id = c.id.as_deref().expect("acknowledged");
    let prefix = format!(
        "worked {} ms for dev (tenant public) in eu-west (task {id}, attempt ",
        c.duration()
    );
    let rest = text
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("task {id} (creation {}) has another's result: {text}", c.n));
    let (attempt, rest) = rest.split_once("; process ").expect("the process");
    let pid = rest.split_once(' ').expect("the uptime").0;
    Run {
        attempt: attempt.parse().expect("attempt"),
        pid: pid.parse().expect("pid"),
    }
}

/// Whether a response is the error of a node that cannot reach the task
/// store (Redis down): the client tries again.
/// What a refusal says when Redis may have applied the creation's write.
const MAYBE_CREATED: &str = "it may have been created";

fn store_unavailable(r: &Value) -> bool {
    r["error"]["code"] == -32603
        && r["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("task storage failed"))
}

/// The result text of an acknowledged task, read on the other node while
/// the chaos goes on (2025-11-25: `tasks/result`; 2026-07-28: `tasks/get`
/// until terminal); a "task storage failed" error is tried again.
async fn final_text(load: &Load, c: &Creation) -> String {
    let id = c.id.as_deref().expect("acknowledged");
    let other = 1 - c.node;
    let start = std::time::Instant::now();
    loop {
        assert!(start.elapsed() < LIMIT, "task {id} never ended");
        let r = match c.wire {
            Wire::Core => load.sessions[other].result(id).await,
            Wire::Extension => {
                load.stateless[other]
                    .call("tasks/get", json!({"taskId": id}))
                    .await
            }
        };
        if store_unavailable(&r) {
            load.retried.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let result = match c.wire {
            Wire::Core => {
                assert_eq!(
                    r["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"], id,
                    "{r}"
                );
                &r["result"]
            }
            Wire::Extension => {
                let task = &r["result"];
                assert_eq!(task["resultType"], "complete", "task {id}: {r}");
                match task["status"].as_str() {
                    Some("working") => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                    Some("completed") => &task["result"],
                    _ => panic!("task {id} did not complete: {r}"),
                }
            }
        };
        assert_ne!(result["isError"], json!(true), "{r}");
        return result["content"][0]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("task {id} did not complete: {r}"))
            .to_owned();
    }
}

/// Reads the result of every acknowledged task sent on `acked`, as it
/// comes, until the channel closes.
async fn reader(
    load: Arc<Load>,
    acked: Arc<tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<Creation>>>,
) -> Vec<(Creation, String)> {
    let mut out = Vec::new();
    loop {
        let next = acked.lock().await.recv().await;
        let Some(c) = next else { return out };
        let text = final_text(&load, &c).await;
        out.push((c, text));
    }
}

/// The result text of an acknowledged task, read again on the node that
/// created it (it must not have changed).
async fn text_again(load: &Load, c: &Creation) -> String {
    let id = c.id.as_deref().expect("acknowledged");
    let r = match c.wire {
        Wire::Core => load.sessions[c.node].result(id).await["result"].clone(),
        Wire::Extension => load.stateless[c.node]
            .call("tasks/get", json!({"taskId": id}))
            .await["result"]["result"]
            .clone(),
    };
    r["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("task {id}: {r}"))
        .to_owned()
}

/// Over 300 tasks, half 2025-11-25 core tasks on sessions and half 2026-07-28
/// extension tasks on stateless requests, created on two nodes by six lanes
/// all along the run, and run by two workers (visibility timeout 2 s):
///
/// 1. once 60 are acknowledged and worker 1 holds a claimed task, worker 1
///    is killed with SIGKILL and a new worker started;
/// 2. once 150 are acknowledged, Redis is killed with SIGKILL; creations
///    are refused until it is back (at least three per protocol), then it
///    is restarted on the same append-only file;
/// 3. creation goes on until 320 are acknowledged, 60 of them after the
///    restart.
///
/// Then: every refusal is -32603 and says the task was not created (or,
/// when Redis died after applying the write and did not answer again within
/// the node's bound, that it may have been); every acknowledged task
/// completed, and its result (read on the other node, and again on its own)
/// names its own id and its own unique `duration`; some task was taken over
/// from the killed worker (attempt 2 or more); the workers record one stored
/// end per task, in the worker process the result names, and none for a task
/// that was not acknowledged (but for those that may have been created);
/// `tasks/list` holds the acknowledged tasks, each once, completed (and at
/// most those that may have been created besides).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_tasks_survive_a_killed_worker_and_a_killed_redis() {
    chaos(1).await;
}

/// The same with the queue in three shards (`--shards 3`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_tasks_survive_a_killed_worker_and_a_killed_redis_with_three_shards() {
    chaos(3).await;
}

async fn chaos(shards: usize) {
    let _serial = serial().await;
    let started = std::time::Instant::now();
    let step = |what: &str| eprintln!("chaos {:5.1} s: {what}", started.elapsed().as_secs_f64());
    let mut redis = Redis::start(true);
    let n = shards.to_string();
    let sharded = ["--shards", n.as_str()];
    let (a, b) = (
        Process::node(&redis.url(), &sharded),
        Process::node(&redis.url(), &sharded),
    );
    let worker_args = [
        "--visibility-timeout-ms",
        "2000",
        "--concurrency",
        "8",
        "--shards",
        n.as_str(),
    ];
    let mut first = Process::worker_traced(&redis.url(), &worker_args);
    let second = Process::worker_traced(&redis.url(), &worker_args);
    let load = Arc::new(Load {
        sessions: [Mcp::open(a.url()).await, Mcp::open(b.url()).await],
        stateless: [Stateless::new(a.url()), Stateless::new(b.url())],
        next: AtomicU64::new(0),
        phase: AtomicU8::new(BEFORE),
        stop: AtomicBool::new(false),
        creations: Mutex::new(Vec::new()),
        retried: AtomicU64::new(0),
    });
    step("two nodes and two workers started");
    let (to_readers, acked_rx) = tokio::sync::mpsc::unbounded_channel();
    let acked_rx = Arc::new(tokio::sync::Mutex::new(acked_rx));
    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..16 {
        readers.spawn(reader(Arc::clone(&load), Arc::clone(&acked_rx)));
    }
    let mut lanes = tokio::task::JoinSet::new();
    for _ in 0..6 {
        lanes.spawn(lane(Arc::clone(&load), to_readers.clone()));
    }
    drop(to_readers);

    // 1. A worker dies holding claimed tasks.
    eventually("60 acknowledged, and worker 1 holds a claimed task", || {
        load.acknowledged(None) >= 60 && pending_on(&redis, first.pid(), shards) > 0
    })
    .await;
    first.kill9();
    step("worker 1 killed");
    let killed = first.pid();
    load.phase.store(WORKER_KILLED, Ordering::SeqCst);
    let third = Process::worker_traced(&redis.url(), &worker_args);

    // 2. Redis dies, refuses for a while, and comes back.
    eventually("150 acknowledged", || load.acknowledged(None) >= 150).await;
    redis.kill();
    step("redis killed");
    load.phase.store(REDIS_DOWN, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(1)).await;
    eventually("three refusals of each protocol with Redis down", || {
        load.refused(Wire::Core, REDIS_DOWN) >= 3 && load.refused(Wire::Extension, REDIS_DOWN) >= 3
    })
    .await;
    redis.restart();
    load.phase.store(REDIS_BACK, Ordering::SeqCst);
    step("redis restarted");

    // 3. Creation goes on after the restart.
    eventually("320 acknowledged, 60 after the restart", || {
        load.acknowledged(None) >= 320 && load.acknowledged(Some(REDIS_BACK)) >= 60
    })
    .await;
    load.stop.store(true, Ordering::SeqCst);
    while let Some(done) = lanes.join_next().await {
        done.expect("a lane failed");
    }
    step("creation stopped");

    let creations = load.creations();
    let acked: Vec<Creation> = creations
        .iter()
        .filter(|c| c.id.is_some())
        .cloned()
        .collect();
    let refused: Vec<&Creation> = creations.iter().filter(|c| c.id.is_none()).collect();
    assert!(acked.len() >= 320);
    for wire in [Wire::Core, Wire::Extension] {
        let n = acked.iter().filter(|c| c.wire == wire).count();
        assert!(n >= 150, "{n} {wire:?} tasks acknowledged");
    }
    let ids: HashSet<String> = acked.iter().filter_map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), acked.len(), "a task id was given twice");

    // Every refusal is a clear error: the task was not created.
    assert!(refused.len() >= 6);
    for c in &refused {
        let error = &c.response["error"];
        assert_eq!(
            error["code"], -32603,
            "creation {} ({:?}): {error}",
            c.n, c.wire
        );
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("the task was not created") || message.contains(MAYBE_CREATED),
            "creation {} ({:?}) was refused without saying whether the task was created: {message}",
            c.n,
            c.wire
        );
    }

    // Every acknowledged task completed with its own result (read on the
    // other node as it came), and reads the same again on its own node.
    let mut read = Vec::new();
    while let Some(done) = readers.join_next().await {
        read.extend(done.expect("a reader failed"));
    }
    let mut runs: HashMap<String, Run> = HashMap::new();
    for (c, text) in read {
        assert_eq!(
            text,
            text_again(&load, &c).await,
            "the result of task {:?} changed",
            c.id
        );
        let run = own_result(&c, &text);
        assert!(runs
            .insert(c.id.clone().expect("acknowledged"), run)
            .is_none());
    }
    assert_eq!(runs.len(), acked.len());
    step("every result read");

    // The worker-side record: which worker ended which run.
    let workers = [&first, &second, &third];
    let pids: HashSet<u32> = workers.iter().map(|w| w.pid()).collect();
    let mut ended: HashMap<String, Finished> = HashMap::new();
    // A refusal that says the task may have been created (Redis died after
    // applying the write, and did not answer again within the node's
    // bound) is the one way a task nobody was told of may run.
    let maybe = refused
        .iter()
        .filter(|c| {
            c.response["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(MAYBE_CREATED))
        })
        .count();
    let mut unacknowledged_runs = 0;
    for worker in workers {
        for f in finished_runs(worker) {
            if !ids.contains(&f.id) {
                unacknowledged_runs += 1;
                assert!(
                    unacknowledged_runs <= maybe,
                    "worker {} ran task {} that no client was told was (or may have been) created",
                    f.pid,
                    f.id
                );
                continue;
            }
            assert_eq!(f.status, "completed", "{f:?}");
            if let Some(before) = ended.insert(f.id.clone(), f.clone()) {
                panic!("task {} ended twice: {before:?} and {f:?}", f.id);
            }
        }
    }
    for (id, run) in &runs {
        assert!(
            pids.contains(&run.pid),
            "task {id}: unknown process {run:?}"
        );
        match ended.get(id) {
            Some(f) => assert_eq!(
                f.pid, run.pid,
                "task {id}: its result names another worker than the one that recorded its end ({run:?})"
            ),
            // The end was stored but the worker never heard so (Redis died
            // before replying), or the worker was killed right after storing it.
            None => {
                let worker = workers.iter().find(|w| w.pid() == run.pid).expect("known");
                assert!(
                    run.pid == killed || discarded(worker, id),
                    "task {id} completed ({run:?}) but no worker recorded its end"
                );
            }
        }
    }
    assert!(
        runs.values().any(|r| r.attempt >= 2 && r.pid != killed),
        "no task was taken over from the killed worker"
    );

    // tasks/list holds exactly the acknowledged tasks, each once, completed.
    let listed = load.sessions[0].list_all().await;
    let mut seen = HashSet::new();
    for t in &listed {
        let id = t["taskId"].as_str().expect("taskId").to_owned();
        assert_eq!(t["status"], "completed", "{t}");
        assert!(seen.insert(id), "listed twice: {t}");
    }
    let unknown: Vec<&String> = seen.difference(&ids).collect();
    assert!(
        ids.is_subset(&seen) && unknown.len() <= maybe,
        "tasks/list differs from the acknowledged tasks (+ {maybe} that may have been created): {unknown:?}"
    );
    eprintln!(
        "chaos: {} acknowledged ({} after the restart), {} refused ({maybe} may have been created), {} reads tried again, {} taken over",
        acked.len(),
        load.acknowledged(Some(REDIS_BACK)),
        refused.len(),
        load.retried.load(Ordering::SeqCst),
        runs.values().filter(|r| r.attempt >= 2).count()
    );
}
