//! The Redis backend on a real Redis Cluster started on loopback
//! (`redis-server --cluster-enabled yes` ×N, `redis-cli --cluster create`):
//! tasks created over HTTP on two nodes run on two workers, whichever
//! node holds the queue's slot; a durable creation that no replica confirms
//! fails with an error saying so; and the primary holding the queue's slot
//! killed with SIGKILL while hundreds of tasks are created: every
//! acknowledged task completes with its own result, and the creations
//! during the switch fail with a clear error instead of hanging.

#[path = "redis_support/mod.rs"]
mod redis_support;
mod tasks_support;

use ferrymcp::prelude::*;
use ferrymcp::task::redis::{RedisBackend, RedisConfig};
use ferrymcp::TaskOptions;
use redis_support::cluster::Cluster;
use redis_support::{serial, LIMIT};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tasks_support::{serve_nested, Caller};

/// How many times each `n` ran, across the workers of this process.
static RUNS: Mutex<Option<HashMap<u64, u32>>> = Mutex::new(None);

/// Returns its input, as text; runs as a task.
#[tool(task = true)]
async fn echo(n: u64) -> String {
    *RUNS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .entry(n)
        .or_default() += 1;
    format!("echo {n}")
}

fn runs(n: u64) -> u32 {
    RUNS.lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(|r| r.get(&n).copied())
        .unwrap_or(0)
}

async fn server(config: RedisConfig, worker: bool) -> Server {
    Server::builder("cluster")
        .tools(tools![echo])
        .tasks(RedisBackend::new(config).expect("cluster seeds"))
        .task_options(TaskOptions::default().run_workers(worker))
        .build()
        .await
        .expect("the server builds")
}

/// Two HTTP nodes (served on loopback) and two workers on `config`.
struct Deployment {
    urls: Vec<String>,
    _servers: Vec<Server>,
}

async fn deploy(config: &RedisConfig) -> Deployment {
    let mut servers = Vec::new();
    let mut urls = Vec::new();
    for _ in 0..2 {
        let node = server(config.clone(), false).await;
        urls.push(serve_nested(&node).await);
        servers.push(node);
    }
    for _ in 0..2 {
        let worker = server(config.clone(), true).await;
        let w = worker.clone();
        tokio::spawn(async move { w.run_task_workers().await });
        servers.push(worker);
    }
    Deployment {
        urls,
        _servers: servers,
    }
}

/// A prefix whose slot is not served by node 0, the first seed: the
/// client must follow the cluster's map (or `MOVED`) to reach it.
fn prefix_away_from_first_seed(cluster: &Cluster, base: &str) -> String {
    (0..)
        .map(|i| format!("{base}{i}"))
        .find(|p| cluster.primary_of(cluster.slot(&format!("{{{p}}}:queue")), 0) != 0)
        .expect("a prefix")
}

/// A 2025-11-25 session on one node (sessions stay in the node's memory).
async fn caller(url: &str) -> Caller {
    Caller::session(url, "2025-11-25", &[("x-subject", "alice")]).await
}

async fn callers(urls: &[String]) -> Vec<Caller> {
    let mut out = Vec::new();
    for url in urls {
        out.push(caller(url).await);
    }
    out
}

/// Creates `echo n` as a task; the task id, or the error response.
async fn create(caller: &Caller, n: u64) -> Result<String, Value> {
    let r = caller
        .call(
            "tools/call",
            json!({"name": "echo", "arguments": {"n": n}, "task": {"ttl": 600000}}),
        )
        .await;
    match r["result"]["task"]["taskId"].as_str() {
        Some(id) => Ok(id.to_owned()),
        None => Err(r),
    }
}

/// The text of a task's result, waiting for it (bounded).
async fn result_text(caller: &Caller, id: &str) -> String {
    let r = tokio::time::timeout(LIMIT, caller.call("tasks/result", json!({"taskId": id})))
        .await
        .unwrap_or_else(|_| panic!("tasks/result of {id} never answered"));
    r["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("a result with text expected for {id}: {r}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tasks_created_on_two_nodes_run_on_a_three_primary_cluster() {
    let _serial = serial().await;
    let cluster = tokio::task::spawn_blocking(|| Cluster::start(3, 0, 2000))
        .await
        .unwrap();
    let prefix = prefix_away_from_first_seed(&cluster, "tasks");
    let config = RedisConfig::cluster(cluster.seeds()).prefix(prefix.as_str());
    let deployment = deploy(&config).await;
    let callers = callers(&deployment.urls).await;
    let mut ids = Vec::new();
    for n in 0..40u64 {
        let id = create(&callers[(n % 2) as usize], 1_000 + n)
            .await
            .unwrap_or_else(|e| panic!("creating a task on the cluster failed: {e}"));
        ids.push((1_000 + n, id));
    }
    for (i, (n, id)) in ids.iter().enumerate() {
        // Its result from the other node than the one that created it.
        let text = result_text(&callers[(i + 1) % 2], id).await;
        assert_eq!(text, format!("echo {n}"));
    }
    let listed = callers[0].call("tasks/list", json!({})).await;
    assert!(
        !listed["result"]["tasks"]
            .as_array()
            .expect("tasks")
            .is_empty(),
        "{listed}"
    );
    // The tasks live on the node that serves the prefix's slot.
    let owner = cluster.primary_of(cluster.slot(&format!("{{{prefix}}}:queue")), 0);
    let key = format!("{{{prefix}}}:task:{}", ids[0].1);
    assert_eq!(cluster.nodes[owner].query(&["EXISTS", &key]).int(), 1);

    // Durable, with no replica to confirm: the creation fails and says why.
    let durable = server(
        RedisConfig::cluster(cluster.seeds())
            .prefix(prefix.as_str())
            .durable(1, Duration::from_millis(100)),
        false,
    )
    .await;
    let url = serve_nested(&durable).await;
    let refused = create(&caller(&url).await, 7)
        .await
        .expect_err("no replica can confirm the task");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("0 of the 1 Redis replicas") && message.contains("not acknowledged"),
        "{refused}"
    );
}

/// The hash tag of queue shard `k` of `prefix` (as the backend names it).
fn shard_tag(prefix: &str, k: usize) -> String {
    if k == 0 {
        format!("{{{prefix}}}")
    } else {
        format!("{{{prefix}:{k}}}")
    }
}

/// The shard (of `n`) of a task id: FNV-1a 64 of the id, modulo `n`.
fn shard_of(id: &str, n: u64) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash % n) as usize
}

/// Every task of `tasks/list`, following `nextCursor`.
async fn list_all(caller: &Caller) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let params = match &cursor {
            Some(c) => json!({"cursor": c}),
            None => json!({}),
        };
        let r = caller.call("tasks/list", params).await;
        let page = &r["result"];
        out.extend(
            page["tasks"]
                .as_array()
                .unwrap_or_else(|| panic!("a page of tasks: {r}"))
                .iter()
                .cloned(),
        );
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

/// Three queue shards on three primaries: a prefix whose three shards'
/// slots are served by three different primaries; the tasks spread over
/// them (each task on the primary of its shard), all complete, and
/// `tasks/list` pages through the three shards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_shards_spread_the_queue_over_three_primaries() {
    let _serial = serial().await;
    let cluster = tokio::task::spawn_blocking(|| Cluster::start(3, 0, 2000))
        .await
        .unwrap();
    let primary_of_shard = |p: &str, k: usize| {
        cluster.primary_of(cluster.slot(&format!("{}:queue", shard_tag(p, k))), 0)
    };
    let prefix = (0..)
        .map(|i| format!("shards{i}"))
        .find(|p| {
            let owners: std::collections::HashSet<usize> =
                (0..3).map(|k| primary_of_shard(p, k)).collect();
            owners.len() == 3
        })
        .expect("a prefix");
    let owners: Vec<usize> = (0..3).map(|k| primary_of_shard(&prefix, k)).collect();
    let config = RedisConfig::cluster(cluster.seeds())
        .prefix(prefix.as_str())
        .shards(3);
    let deployment = deploy(&config).await;
    let callers = callers(&deployment.urls).await;
    let mut ids = Vec::new();
    for n in 0..90u64 {
        let id = create(&callers[(n % 2) as usize], 5_000 + n)
            .await
            .unwrap_or_else(|e| panic!("creating a task on the cluster failed: {e}"));
        ids.push((5_000 + n, id));
    }
    for (i, (n, id)) in ids.iter().enumerate() {
        let text = result_text(&callers[(i + 1) % 2], id).await;
        assert_eq!(text, format!("echo {n}"));
    }
    // Each task is on the primary of its shard; every shard got some.
    let mut per_shard = [0usize; 3];
    for (_, id) in &ids {
        let k = shard_of(id, 3);
        per_shard[k] += 1;
        let key = format!("{}:task:{id}", shard_tag(&prefix, k));
        assert_eq!(
            cluster.nodes[owners[k]].query(&["EXISTS", &key]).int(),
            1,
            "task {id} (shard {k}) is not on node {}",
            owners[k]
        );
    }
    assert!(per_shard.iter().all(|n| *n > 10), "{per_shard:?}");
    for (k, owner) in owners.iter().enumerate() {
        let seq = cluster.nodes[*owner]
            .query(&["GET", &format!("{}:seq", shard_tag(&prefix, k))])
            .text()
            .and_then(|s| s.parse::<usize>().ok());
        assert_eq!(seq, Some(per_shard[k]), "shard {k} on node {owner}");
    }
    // tasks/list merges the three shards: every task once.
    let listed = list_all(&callers[0]).await;
    let listed: Vec<&str> = listed
        .iter()
        .map(|t| t["taskId"].as_str().expect("taskId"))
        .collect();
    let unique: std::collections::HashSet<&str> = listed.iter().copied().collect();
    assert_eq!(unique.len(), listed.len(), "a task listed twice");
    let created: std::collections::HashSet<&str> = ids.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(unique, created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_tasks_complete_when_the_queue_primary_is_killed() {
    let _serial = serial().await;
    let begun = Instant::now();
    let cluster = tokio::task::spawn_blocking(|| Cluster::start(3, 1, 2000))
        .await
        .unwrap();
    let prefix = prefix_away_from_first_seed(&cluster, "failover");
    let slot = cluster.slot(&format!("{{{prefix}}}:queue"));
    let primary = cluster.primary_of(slot, 0);
    let replica = *cluster
        .replicas_of(primary)
        .first()
        .expect("the queue's primary has a replica");
    let config = RedisConfig::cluster(cluster.seeds())
        .prefix(prefix.as_str())
        .visibility_timeout(Duration::from_secs(2))
        .durable(1, Duration::from_millis(500));
    let deployment = deploy(&config).await;
    let callers = Arc::new(callers(&deployment.urls).await);

    const WANTED: usize = 320;
    let acknowledged = Arc::new(Mutex::new(Vec::<(u64, String)>::new()));
    let refused = Arc::new(Mutex::new(Vec::<String>::new()));
    let next = Arc::new(AtomicUsize::new(0));
    let switch_done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut producers = Vec::new();
    for p in 0..4usize {
        let callers = Arc::clone(&callers);
        let acknowledged = Arc::clone(&acknowledged);
        let refused = Arc::clone(&refused);
        let next = Arc::clone(&next);
        let switch_done = Arc::clone(&switch_done);
        producers.push(tokio::spawn(async move {
            loop {
                let enough = acknowledged.lock().unwrap().len() >= WANTED;
                if enough && switch_done.load(Ordering::SeqCst) || begun.elapsed() > 3 * LIMIT {
                    return;
                }
                let n = next.fetch_add(1, Ordering::SeqCst) as u64;
                let made = tokio::time::timeout(LIMIT, create(&callers[p % 2], n))
                    .await
                    .unwrap_or_else(|_| panic!("creating task {n} hung"));
                match made {
                    Ok(id) => acknowledged.lock().unwrap().push((n, id)),
                    Err(e) => {
                        refused.lock().unwrap().push(e.to_string());
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
        }));
    }
    // Kill the queue's primary once a third of the tasks are in.
    let watch = Arc::clone(&acknowledged);
    tokio::time::timeout(LIMIT, async {
        while watch.lock().unwrap().len() < WANTED / 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the first tasks were created");
    let mut cluster = cluster;
    let killed_pid = cluster.nodes[primary].pid();
    cluster.nodes[primary].kill();
    eprintln!(
        "killed the queue's primary (node {primary}, pid {killed_pid:?}) after {} tasks",
        acknowledged.lock().unwrap().len()
    );
    let cluster = tokio::task::spawn_blocking(move || {
        // Promote its replica, as an operator (or the cluster after
        // cluster-node-timeout) would.
        let reply = cluster.nodes[replica].query(&["CLUSTER", "FAILOVER", "TAKEOVER"]);
        assert_eq!(reply.text().as_deref(), Some("OK"), "{reply:?}");
        let start = Instant::now();
        while !cluster.nodes[replica]
            .command(&["ROLE"])
            .is_some_and(|r| r.contains("master"))
        {
            assert!(start.elapsed() < LIMIT, "the replica was never promoted");
            std::thread::sleep(Duration::from_millis(20));
        }
        cluster.wait_ok(Some(primary));
        // The old primary comes back as the new one's replica, so durable
        // creations have a replica to confirm them again.
        let mut cluster = cluster;
        cluster.nodes[primary].restart();
        cluster.wait_ok(None);
        cluster
    })
    .await
    .unwrap();
    switch_done.store(true, Ordering::SeqCst);
    for p in producers {
        p.await.expect("a producer");
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let refused = refused.lock().unwrap().clone();
    eprintln!(
        "{} tasks acknowledged, {} creations refused during the switch",
        acknowledged.len(),
        refused.len()
    );
    if let Some(first) = refused.first() {
        eprintln!("the first refusal: {first}");
    }
    assert!(acknowledged.len() >= WANTED);
    for e in &refused {
        assert!(
            e.contains("not created") || e.contains("not acknowledged"),
            "a creation during the switch failed without saying what became of the task: {e}"
        );
    }
    // Every acknowledged task completes, with its own result.
    let mut reruns = 0;
    for (i, (n, id)) in acknowledged.iter().enumerate() {
        let text = result_text(&callers[i % 2], id).await;
        assert_eq!(text, format!("echo {n}"), "task {id}");
        let got = callers[(i + 1) % 2]
            .call("tasks/get", json!({"taskId": id}))
            .await;
        assert_eq!(got["result"]["status"], "completed", "{got}");
        assert!(runs(*n) >= 1, "task {n} completed without running");
        reruns += runs(*n) - 1;
    }
    eprintln!(
        "every acknowledged task completed; {reruns} ran more than once (at-least-once delivery); \
         the test took {:?}",
        begun.elapsed()
    );
    drop(cluster);
}
