//! The distributed task engine on a real `redis-server`: HTTP nodes and
//! workers are separate OS processes (the `tasks` and `worker` examples,
//! started the way a person starts them), driven over HTTP.

#[path = "redis_support/mod.rs"]
mod redis_support;

use redis_support::{eventually, serial, Mcp, Process, Redis};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// `--shards 3`: the queue split into three shards (three hash tags).
const SHARDS: &[&str] = &["--shards", "3"];

/// `base` and `more` as one argument list.
fn with(base: &[&'static str], more: &[&'static str]) -> Vec<&'static str> {
    base.iter().chain(more).copied().collect()
}

/// A task created on node A is polled, listed and fetched on node B, and
/// its result is what the tool returned on a worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_created_on_one_node_is_answered_by_another() {
    answered_by_another(&[]).await;
}

/// The same with the queue in three shards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_created_on_one_node_is_answered_by_another_with_three_shards() {
    answered_by_another(SHARDS).await;
}

async fn answered_by_another(shards: &[&str]) {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let (a, b) = (
        Process::node(&redis.url(), shards),
        Process::node(&redis.url(), shards),
    );
    let _workers = [
        Process::worker(&redis.url(), shards),
        Process::worker(&redis.url(), shards),
    ];
    let (on_a, on_b) = (Mcp::open(a.url()).await, Mcp::open(b.url()).await);

    let id = on_a.create(300).await;
    let seen = on_b.get(&id).await;
    assert_eq!(seen["taskId"], id.as_str());
    let text = on_b.result_text(&id).await;
    assert!(text.contains(&format!("task {id}")), "{text}");
    assert!(text.contains("for dev (tenant public)"), "{text}");
    assert!(text.contains("attempt 1"), "{text}");
    let result = on_b.result(&id).await;
    assert_eq!(
        result["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        id.as_str()
    );
    assert_eq!(on_a.get(&id).await["status"], "completed");
    let listed = on_b.list_all().await;
    assert!(
        listed.iter().any(|t| t["taskId"] == id.as_str()),
        "{listed:?}"
    );
    // Cancelling a terminal task, from any node, is -32602.
    let again = on_b.request("tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(again["error"]["code"], -32602, "{again}");
    // An unknown id is -32602 on every node.
    let unknown = on_a
        .request("tasks/get", json!({"taskId": "0".repeat(32)}))
        .await;
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
}

/// `tasks/cancel` on node B stops the run on whichever worker runs it, and
/// `tasks/result` waiting on node A wakes up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_on_one_node_stops_the_run_on_a_worker() {
    cancel_on_one_node(&[]).await;
}

/// The same with the queue in three shards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_on_one_node_stops_the_run_on_a_worker_with_three_shards() {
    cancel_on_one_node(SHARDS).await;
}

async fn cancel_on_one_node(shards: &[&str]) {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let (a, b) = (
        Process::node(&redis.url(), shards),
        Process::node(&redis.url(), shards),
    );
    let workers = [
        Process::worker(&redis.url(), shards),
        Process::worker(&redis.url(), shards),
    ];
    let (on_a, on_b) = (Arc::new(Mcp::open(a.url()).await), Mcp::open(b.url()).await);

    let id = on_a.create(600_000).await;
    on_b.wait_running(&id).await;
    let waiting = {
        let on_a = Arc::clone(&on_a);
        let id = id.clone();
        tokio::spawn(async move { on_a.result(&id).await })
    };
    let cancelled = on_b.request("tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(cancelled["result"]["status"], "cancelled", "{cancelled}");

    eventually("a worker drops the cancelled run", || {
        workers
            .iter()
            .any(|w| w.logged(&[&id, "ended elsewhere (cancelled)"]))
    })
    .await;
    let result = waiting.await.expect("the waiter finished");
    assert!(
        result["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cancelled")),
        "{result}"
    );
    assert_eq!(on_a.get(&id).await["status"], "cancelled");
}

/// A worker killed with SIGKILL mid-task: another worker takes the task over
/// after the visibility timeout (2 s here) and it completes, attempt 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_survives_its_worker_being_killed() {
    survives_its_worker(&[]).await;
}

/// The same with the queue in three shards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_survives_its_worker_being_killed_with_three_shards() {
    survives_its_worker(SHARDS).await;
}

async fn survives_its_worker(shards: &[&'static str]) {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let a = Process::node(&redis.url(), shards);
    let vt = with(&["--visibility-timeout-ms", "2000"], shards);
    let mut first = Process::worker(&redis.url(), &vt);
    let on_a = Mcp::open(a.url()).await;

    let id = on_a.create(1500).await;
    on_a.wait_running(&id).await; // on `first`: the only worker so far
    let second = Process::worker(&redis.url(), &vt);
    first.kill9();

    let text = on_a.result_text(&id).await;
    assert!(text.contains(&format!("task {id}")), "{text}");
    assert!(text.contains("attempt 2"), "{text}");
    assert!(second.logged(&["took over a task"]), "{}", second.log());
}

/// 1,000 tasks created on two nodes, run by two workers: every result is in
/// `tasks/result`, each exactly once, and `tasks/list` holds each task once.
/// All are one caller's, created faster than the workers run them: the
/// nodes lift the per-caller limit of active tasks (100 by default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_tasks_through_two_workers_each_complete_once() {
    a_thousand_tasks(&[]).await;
}

/// The same with the queue in three shards: every shard gets tasks, and
/// `tasks/list` pages through all three.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_tasks_through_two_workers_each_complete_once_with_three_shards() {
    a_thousand_tasks(SHARDS).await;
}

async fn a_thousand_tasks(shards: &[&'static str]) {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let lifted = with(&["--max-active-tasks-per-caller", "1000"], shards);
    let (a, b) = (
        Process::node(&redis.url(), &lifted),
        Process::node(&redis.url(), &lifted),
    );
    let c = with(&["--concurrency", "32"], shards);
    let _workers = [
        Process::worker(&redis.url(), &c),
        Process::worker(&redis.url(), &c),
    ];
    let nodes = Arc::new([Mcp::open(a.url()).await, Mcp::open(b.url()).await]);
    let limit = Arc::new(tokio::sync::Semaphore::new(32));

    let mut created = tokio::task::JoinSet::new();
    for i in 0..1000usize {
        let (nodes, limit) = (Arc::clone(&nodes), Arc::clone(&limit));
        created.spawn(async move {
            let _p = limit.acquire().await.expect("open");
            nodes[i % 2].create(0).await
        });
    }
    let mut ids = Vec::new();
    while let Some(id) = created.join_next().await {
        ids.push(id.expect("created"));
    }
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 1000);

    let mut fetched = tokio::task::JoinSet::new();
    for (i, id) in ids.iter().cloned().enumerate() {
        let (nodes, limit) = (Arc::clone(&nodes), Arc::clone(&limit));
        fetched.spawn(async move {
            let _p = limit.acquire().await.expect("open");
            let text = nodes[(i + 1) % 2].result_text(&id).await;
            (id, text)
        });
    }
    let mut results: HashMap<String, String> = HashMap::new();
    while let Some(r) = fetched.join_next().await {
        let (id, text) = r.expect("fetched");
        assert!(text.contains(&format!("task {id}")), "{id}: {text}");
        assert!(results.insert(id, text).is_none(), "a result came twice");
    }
    assert_eq!(results.len(), 1000);
    // Each delivered once: no worker died, so no task ran twice.
    assert!(results.values().all(|t| t.contains("attempt 1")));

    let listed = nodes[0].list_all().await;
    let mut seen = HashSet::new();
    for t in &listed {
        assert_eq!(t["status"], "completed", "{t}");
        assert!(
            seen.insert(t["taskId"].as_str().expect("id").to_owned()),
            "listed twice: {t}"
        );
    }
    assert_eq!(seen, ids.into_iter().collect::<HashSet<_>>());

    // Each shard's sequence counts the tasks created in it: all in shard 0
    // (today's keys) without shards, spread over the three with them.
    let n = if shards.is_empty() { 1 } else { 3 };
    let created: Vec<i64> = (0..n)
        .map(|k| {
            let tag = if k == 0 {
                "{ferrymcp}".to_owned()
            } else {
                format!("{{ferrymcp:{k}}}")
            };
            redis
                .query(&["GET", &format!("{tag}:seq")])
                .text()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        })
        .collect();
    assert_eq!(created.iter().sum::<i64>(), 1000, "{created:?}");
    assert!(created.iter().all(|c| *c > 250), "{created:?}");
    // A cursor made for another number of shards is refused, precisely.
    let other = if n == 1 { "redis:1.2.3" } else { "redis:5" };
    let refused = nodes[0]
        .request("tasks/list", json!({"cursor": other}))
        .await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cursor")),
        "{refused}"
    );
}

fn hget(redis: &Redis, prefix: &str, id: &str, field: &str) -> String {
    redis
        .command(&["HGET", &format!("{{{prefix}}}:task:{id}"), field])
        .expect("redis answers")
}

/// With a snapshot key, the stored job (tool, arguments, snapshot with the
/// caller's raw token, kept with `--keep-raw-token`) is AES-256-GCM
/// ciphertext; without one, the raw token is readable in Redis (what the
/// README warns about). A worker with the key runs the encrypted task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encrypted_snapshot_is_unreadable_in_redis() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    // base64 of 32 bytes.
    let key = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let sealed = Process::node(
        &redis.url(),
        &[
            "--prefix",
            "sealed",
            "--snapshot-key",
            key,
            "--keep-raw-token",
        ],
    );
    let plain = Process::node(&redis.url(), &["--prefix", "plain", "--keep-raw-token"]);
    let (on_sealed, on_plain) = (Mcp::open(sealed.url()).await, Mcp::open(plain.url()).await);

    let id = on_sealed.create(100).await;
    let job = hget(&redis, "sealed", &id, "job");
    assert!(job.contains("enc:v1:k1:"), "{job}");
    assert!(!job.contains(redis_support::TOKEN), "{job}");
    assert!(
        !job.contains("slow_task") && !job.contains("duration"),
        "{job}"
    );
    let everything = redis
        .command(&["HGETALL", &format!("{{sealed}}:task:{id}")])
        .expect("redis answers");
    assert!(!everything.contains(redis_support::TOKEN), "{everything}");

    let open = on_plain.create(100).await;
    let job = hget(&redis, "plain", &open, "job");
    assert!(
        job.contains(redis_support::TOKEN),
        "without a key the raw token is stored: {job}"
    );

    let _worker = Process::worker(&redis.url(), &["--prefix", "sealed", "--snapshot-key", key]);
    let text = on_sealed.result_text(&id).await;
    assert!(text.contains("for dev"), "{text}");
    // The snapshot leaves Redis once the task is terminal.
    assert_eq!(hget(&redis, "sealed", &id, "job"), "$-1\r\n");
}

/// Redis round trips per task: a task run alone (create, `tasks/result`)
/// costs five commands sent to Redis (create, the node's read, the
/// worker's read of the queue, its claim, the final status, which also
/// acknowledges the queue entry; thirteen before the batch claim), counted
/// from `MONITOR`; and no queue entry is left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_alone_costs_a_handful_of_redis_commands_and_leaves_no_entry() {
    use std::io::{BufRead, BufReader, Write};
    let _serial = serial().await;
    let redis = Redis::start(false);
    let a = Process::node(&redis.url(), &[]);
    let _worker = Process::worker(&redis.url(), &[]);
    let on_a = Mcp::open(a.url()).await;
    let warm = on_a.create(0).await;
    on_a.result_text(&warm).await;

    let port = redis.url().rsplit(':').next().expect("a port").to_owned();
    let mut monitor = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).expect("redis");
    monitor.write_all(b"MONITOR\r\n").expect("MONITOR");
    let reader = BufReader::new(monitor.try_clone().expect("a second handle"));
    let lines = std::thread::spawn(move || {
        let mut sent = Vec::new();
        for line in reader.lines() {
            let Ok(line) = line else { break };
            if line.contains("\"MONITOR-END\"") {
                break;
            }
            // 1700000000.123 [0 127.0.0.1:5555] "CMD" ...: sent by a client.
            if line.contains(" 127.0.0.1:") {
                sent.push(line);
            }
        }
        sent
    });
    let tasks = 20;
    for _ in 0..tasks {
        let id = on_a.create(0).await;
        assert!(on_a.result_text(&id).await.contains("attempt 1"));
    }
    redis.command(&["ECHO", "MONITOR-END"]);
    let sent = lines.join().expect("the monitor thread");
    let _ = monitor.shutdown(std::net::Shutdown::Both);
    // Besides the tasks' own: the worker's blocking reads that time out
    // and its search for stale jobs, each at most once a second.
    assert!(
        sent.len() <= tasks * 5 + 40,
        "{} commands for {tasks} tasks:\n{}",
        sent.len(),
        sent.join("\n")
    );
    eventually("the finished tasks' queue entries are gone", || {
        redis.query(&["XLEN", "{ferrymcp}:queue"]).int() == 0
    })
    .await;
    let pending = redis.query(&["XPENDING", "{ferrymcp}:queue", "workers"]);
    assert_eq!(pending.items()[0].int(), 0, "{pending:?}");
}
