//! The Redis task backend under the failures a deployment meets: a dead
//! worker behind many live ones, a rolling key rotation, a worker shut down
//! mid-task, owner indexes under steady traffic, and someone with write
//! access to Redis. HTTP nodes serve on real sockets to real HTTP clients;
//! nodes and workers share a real `redis-server` the test starts, and the
//! test reads and writes that Redis directly where a user (or an attacker)
//! would.

mod redis_support;
mod tasks_support;

use ferrymcp::prelude::*;
use ferrymcp::task::redis::{RedisBackend, RedisConfig};
use ferrymcp::TaskOptions;
use redis_support::{eventually, serial, Redis};
use serde_json::{json, Value};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tasks_support::{serve_nested, Caller};

/// The key hash tag of the default prefix.
const TAG: &str = "{ferrymcp}";

/// The labels of every `work` run started in this process.
static STARTED: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn started(label: &str) -> usize {
    STARTED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|l| *l == label)
        .count()
}

/// Records that it started, reports `running LABEL`, works `ms`
/// milliseconds (or until cancelled), and says which attempt finished.
#[tool(task = true)]
async fn work(
    /// Names the run.
    label: String,
    /// How long to work.
    ms: u64,
    ctx: Ctx,
) -> Result<String, ToolError> {
    STARTED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(label.clone());
    let message = format!("running {label}");
    ctx.progress(0.0, None, Some(&message)).await;
    tokio::select! {
        _ = ctx.cancelled() => Err(ToolError::new("cancelled")),
        _ = tokio::time::sleep(Duration::from_millis(ms)) => {
            Ok(format!("{label} done, attempt {}", ctx.attempt()))
        }
    }
}

/// Every log line of this test process (INFO and up), also echoed to stderr.
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buffer);
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || Capture(Arc::clone(&sink)))
            .init();
        buffer
    })
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stderr().write_all(buf);
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether one log line contains every one of `parts`.
fn logged(parts: &[&str]) -> bool {
    let text =
        String::from_utf8_lossy(&logs().lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    text.lines().any(|l| parts.iter().all(|p| l.contains(p)))
}

async fn build(config: RedisConfig, options: TaskOptions) -> Server {
    Server::builder("redis-hardening")
        .tools(tools![work])
        .tasks(RedisBackend::new(config).expect("a valid Redis URL"))
        .task_options(options)
        .build()
        .await
        .expect("the server builds")
}

/// An HTTP node (runs no tasks) on a fresh loopback port; its MCP URL.
async fn node(config: RedisConfig, options: TaskOptions) -> (Server, String) {
    let server = build(config, options.run_workers(false)).await;
    let url = serve_nested(&server).await;
    (server, url)
}

/// A worker: the same server, running tasks and serving nothing.
async fn worker(config: RedisConfig, options: TaskOptions) -> Server {
    let server = build(config, options).await;
    let running = server.clone();
    tokio::spawn(async move { running.run_task_workers().await });
    server
}

fn config(redis: &Redis, visibility_ms: u64) -> RedisConfig {
    RedisConfig::new(redis.url()).visibility_timeout(Duration::from_millis(visibility_ms))
}

async fn alice(url: &str) -> Caller {
    Caller::session(url, "2025-11-25", &[("x-subject", "alice")]).await
}

/// Starts `work` as a task; returns its id.
async fn create(caller: &Caller, label: &str, ms: u64, ttl_ms: u64) -> String {
    let created = caller
        .call(
            "tools/call",
            json!({"name": "work", "arguments": {"label": label, "ms": ms}, "task": {"ttl": ttl_ms}}),
        )
        .await;
    created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("CreateTaskResult expected: {created}"))
        .to_owned()
}

async fn status(caller: &Caller, id: &str) -> Value {
    caller.call("tasks/get", json!({"taskId": id})).await
}

/// `tasks/get` until the task is terminal; its result.
async fn terminal(caller: &Caller, id: &str) -> Value {
    caller
        .poll(id, |r| {
            r["result"]["status"]
                .as_str()
                .is_some_and(|s| ["completed", "failed", "cancelled"].contains(&s))
        })
        .await["result"]
        .clone()
}

/// `tasks/result`: the text of the tool's result, or the error.
async fn outcome(caller: &Caller, id: &str) -> Value {
    caller.call("tasks/result", json!({"taskId": id})).await
}

fn result_text(response: &Value) -> String {
    response["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("a result with text expected: {response}"))
        .to_owned()
}

fn task_key(id: &str) -> String {
    format!("{TAG}:task:{id}")
}

fn hget(redis: &Redis, id: &str, field: &str) -> Option<String> {
    redis.query(&["HGET", &task_key(id), field]).text()
}

fn attempts(redis: &Redis, id: &str) -> i64 {
    hget(redis, id, "attempts").map_or(0, |a| a.parse().expect("a number"))
}

/// Item 1. Eleven long tasks held and renewed by a live worker sit ahead of
/// one whose worker died in the pending list: `XAUTOCLAIM` scans at most
/// ten entries per call, so a taker that does not follow its cursor never
/// reaches the dead worker's entry. It must be taken over and completed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_workers_task_behind_eleven_live_ones_is_taken_over() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let (_node, url) = node(config(&redis, 1000), TaskOptions::default()).await;
    let _live = worker(config(&redis, 1000), TaskOptions::default().concurrency(11)).await;
    let alice = alice(&url).await;

    let mut long = Vec::new();
    for i in 0..11 {
        long.push(create(&alice, &format!("long-{i}"), 600_000, 600_000).await);
    }
    for id in &long {
        alice
            .poll(id, |r| {
                r["result"]["statusMessage"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("running"))
            })
            .await;
    }
    // The live worker is full; a worker that then dies reads the next job.
    let orphan = create(&alice, "orphan", 0, 600_000).await;
    let read = redis.query(&[
        "XREADGROUP",
        "GROUP",
        "workers",
        "dead-worker",
        "COUNT",
        "1",
        "STREAMS",
        &format!("{TAG}:queue"),
        ">",
    ]);
    assert!(format!("{read:?}").contains(&orphan), "{read:?}");
    let pending = redis.query(&["XPENDING", &format!("{TAG}:queue"), "workers"]);
    assert_eq!(pending.items()[0].int(), 12, "{pending:?}");

    let _taker = worker(config(&redis, 1000), TaskOptions::default()).await;
    let done = terminal(&alice, &orphan).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert!(result_text(&outcome(&alice, &orphan).await).starts_with("orphan done"));
    for id in &long {
        assert_eq!(status(&alice, id).await["result"]["status"], "working");
    }
}

/// Item 2. A rolling key rotation: the node seals with the new key `k2`
/// (keeping `k1` to read older tasks); a worker that has only `k1` must
/// hand the job back instead of failing it, and a worker with both keys
/// completes it. With only `k1` workers, the task fails after the delivery
/// limit, and the message names the missing key id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_without_the_key_hands_the_task_to_one_with_it() {
    let _serial = serial().await;
    logs();
    let redis = Redis::start(false);
    let (k1, k2) = ([1u8; 32], [2u8; 32]);
    let new_and_old = |visibility_ms| {
        config(&redis, visibility_ms)
            .old_snapshot_key("k1", &k1)
            .and_then(|c| c.snapshot_key("k2", &k2))
            .expect("valid keys")
    };
    let old_only = |visibility_ms| {
        config(&redis, visibility_ms)
            .snapshot_key("k1", &k1)
            .expect("a valid key")
    };
    let (_node, url) = node(new_and_old(30_000), TaskOptions::default()).await;
    let alice = alice(&url).await;

    let old = worker(old_only(30_000), TaskOptions::default()).await;
    let id = create(&alice, "rotated", 0, 600_000).await;
    eventually("the old-key worker took the task", || {
        attempts(&redis, &id) >= 1
    })
    .await;
    eventually("the old-key worker gave it back (or failed it)", || {
        logged(&[&id, "k2"])
    })
    .await;
    let now = status(&alice, &id).await;
    assert_eq!(now["result"]["status"], "working", "{now}");
    assert_eq!(started("rotated"), 0);

    let both = worker(new_and_old(30_000), TaskOptions::default()).await;
    let done = terminal(&alice, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert!(result_text(&outcome(&alice, &id).await).starts_with("rotated done"));
    old.shutdown().await;
    both.shutdown().await;

    // Only workers without k2: failed after the delivery limit, naming k2.
    let _old = worker(old_only(300).max_deliveries(3), TaskOptions::default()).await;
    let id = create(&alice, "orphaned-by-rotation", 0, 600_000).await;
    let failed = terminal(&alice, &id).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let message = failed["statusMessage"].as_str().unwrap_or_default();
    assert!(message.contains("\"k2\""), "{message}");
    assert_eq!(attempts(&redis, &id), 3);
    assert_eq!(started("orphaned-by-rotation"), 0);
}

/// Item 3. A worker shut down with a short grace period while it runs a
/// long task gives the task back; another worker runs it to its end and
/// the client gets the result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_shut_down_mid_task_hands_it_to_another() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let (_node, url) = node(config(&redis, 1000), TaskOptions::default()).await;
    let first = worker(
        config(&redis, 1000),
        TaskOptions::default().shutdown_grace(Duration::from_millis(200)),
    )
    .await;
    let alice = alice(&url).await;
    let id = create(&alice, "handed-over", 2000, 600_000).await;
    alice
        .poll(&id, |r| {
            r["result"]["statusMessage"]
                .as_str()
                .is_some_and(|m| m.starts_with("running"))
        })
        .await;
    let _second = worker(config(&redis, 1000), TaskOptions::default()).await;

    first.shutdown().await;
    let response = outcome(&alice, &id).await;
    assert_eq!(
        result_text(&response),
        "handed-over done, attempt 2",
        "{response}"
    );
    assert_eq!(started("handed-over"), 2);
}

/// Every member of every owner index (`{p}:owner…` keys), by key.
fn owner_indexes(redis: &Redis) -> Vec<(String, i64)> {
    let keys = redis.query(&["KEYS", &format!("{TAG}:owner*")]);
    keys.items()
        .iter()
        .map(|k| {
            let key = k.text().expect("a key");
            let n = redis.query(&["ZCARD", &key]).int();
            (key, n)
        })
        .collect()
}

/// Item 4. Tasks leave the owner indexes once they expired, without
/// anyone calling `tasks/list`, while traffic goes on. An anonymous
/// 2026-07-28 caller and Alice each have a long-lived task (so their index
/// never expires as a whole), then 20 short-lived ones; once those expired,
/// one more task each leaves two members per index, not 22.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_tasks_leave_the_owner_indexes_without_tasks_list() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let short = TaskOptions::default().default_ttl(Duration::from_millis(300));
    let long = TaskOptions::default().default_ttl(Duration::from_secs(600));
    let (_short_node, short_url) = node(config(&redis, 1000), short).await;
    let (_long_node, long_url) = node(config(&redis, 1000), long).await;
    let alice = alice(&short_url).await;
    let anonymous_task = |url: String, label: String| async move {
        let created = Caller::stateless(&url, &[], true)
            .call(
                "tools/call",
                json!({"name": "work", "arguments": {"label": label, "ms": 0}}),
            )
            .await;
        created["result"]["taskId"]
            .as_str()
            .unwrap_or_else(|| panic!("CreateTaskResult expected: {created}"))
            .to_owned()
    };

    anonymous_task(long_url.clone(), "a-first".into()).await;
    create(&alice, "b-first", 0, 600_000).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(anonymous_task(short_url.clone(), format!("a{i}")).await);
        ids.push(create(&alice, &format!("b{i}"), 0, 300).await);
    }
    eventually("Redis expired the short-lived tasks", || {
        ids.iter()
            .all(|id| redis.query(&["EXISTS", &task_key(id)]).int() == 0)
    })
    .await;

    // Traffic goes on; nobody lists.
    anonymous_task(short_url.clone(), "a-last".into()).await;
    create(&alice, "b-last", 0, 600_000).await;
    let indexes = owner_indexes(&redis);
    assert!(
        indexes.iter().any(|(k, _)| k.ends_with(":owner:-")),
        "{indexes:?}"
    );
    for (key, members) in indexes {
        assert!(
            members <= 2,
            "{key} keeps {members} members, most of expired tasks"
        );
    }
}

/// Item 5a. With keys configured, a job stored in plain text (written by
/// someone with Redis write access) is not run: the task fails, saying why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plaintext_job_is_refused_when_keys_are_configured() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let keyed = || {
        config(&redis, 1000)
            .snapshot_key("k1", &[1; 32])
            .expect("a valid key")
    };
    let (_node, url) = node(keyed(), TaskOptions::default()).await;
    let alice = alice(&url).await;
    let id = create(&alice, "sealed", 0, 600_000).await;
    let sealed = hget(&redis, &id, "job").expect("the job is stored");
    assert!(sealed.starts_with("enc:v1:k1:"), "{sealed}");
    let record: Value =
        serde_json::from_str(&hget(&redis, &id, "record").expect("the record")).expect("JSON");
    let injected = json!({
        "tool": "work",
        "arguments": {"label": "injected", "ms": 0},
        "snapshot": {
            "owner": record["owner"],
            "protocol_version": "2025-11-25",
            "client_capabilities": {},
            "carried": {}
        }
    });
    redis.query(&["HSET", &task_key(&id), "job", &injected.to_string()]);

    let _worker = worker(keyed(), TaskOptions::default()).await;
    let failed = terminal(&alice, &id).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let message = failed["statusMessage"].as_str().unwrap_or_default();
    assert!(message.contains("not encrypted"), "{message}");
    assert_eq!(started("injected"), 0);
}

/// Item 5b. With keys configured, the stored record is authenticated:
/// rewriting its owner to another identity (and indexing it under that
/// identity) does not let that identity read, await or list the task, and
/// the tampering is logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_rewritten_in_redis_serves_no_foreign_caller() {
    let _serial = serial().await;
    logs();
    let redis = Redis::start(false);
    let keyed = || {
        config(&redis, 1000)
            .snapshot_key("k1", &[1; 32])
            .expect("a valid key")
    };
    let (_node, url) = node(keyed(), TaskOptions::default()).await;
    let _worker = worker(keyed(), TaskOptions::default()).await;
    let alice = alice(&url).await;
    let mallory = Caller::session(&url, "2025-11-25", &[("x-subject", "mallory")]).await;

    let id = create(&alice, "alice-secret", 0, 600_000).await;
    assert_eq!(terminal(&alice, &id).await["status"], "completed");
    let own = create(&mallory, "mallory-own", 0, 600_000).await;
    terminal(&mallory, &own).await;
    let owner_of = |id: &str| -> String {
        let record: Value =
            serde_json::from_str(&hget(&redis, id, "record").expect("the record")).expect("JSON");
        record["owner"].as_str().expect("an owner").to_owned()
    };
    let mallory_key = owner_of(&own);

    let mut record: Value =
        serde_json::from_str(&hget(&redis, &id, "record").expect("the record")).expect("JSON");
    record["owner"] = json!(mallory_key);
    redis.query(&["HSET", &task_key(&id), "record", &record.to_string()]);
    redis.query(&["ZADD", &format!("{TAG}:owner:={mallory_key}"), "0", &id]);

    for method in ["tasks/get", "tasks/result"] {
        let stolen = mallory.call(method, json!({"taskId": id})).await;
        assert_eq!(stolen["error"]["code"], -32602, "{method}: {stolen}");
    }
    let listed = mallory.call("tasks/list", json!({})).await;
    let listed: Vec<&Value> = listed["result"]["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .collect();
    assert!(
        listed.iter().all(|t| t["taskId"] != id.as_str()),
        "{listed:?}"
    );
    assert!(logged(&[&id, "tampered"]), "the tampering is logged");
}

/// Item 6. A backend without a snapshot key says at start-up, as a
/// warning, that snapshots (and the raw tokens they may hold) sit in Redis
/// unencrypted.
#[tokio::test]
async fn storing_snapshots_unencrypted_is_a_warning() {
    logs();
    let _backend = RedisBackend::new(RedisConfig::new("redis://127.0.0.1:1").prefix("warn-test"))
        .expect("a valid URL");
    assert!(
        logged(&["WARN", "unencrypted", "snapshot_key"]),
        "a start-up warning about unencrypted snapshots"
    );
}
