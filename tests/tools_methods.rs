//! Tools on methods: `#[tool]` on `&self` methods of an `impl` block,
//! registered with `tools![state => Type::method, ..]`. A method tool reads
//! its instance over HTTP; a method task tool runs in a worker against the
//! worker's own instance and sees the caller's token (in memory, and on a
//! real `redis-server` with a separate worker server); an imported `#[tool]`
//! function is served under its own name.

#[path = "redis_support/mod.rs"]
mod redis_support;
mod tasks_support;

use ferrymcp::auth::AccessToken;
use ferrymcp::prelude::*;
use ferrymcp::task::redis::{RedisBackend, RedisConfig};
use ferrymcp::{Client, TaskOptions};
use redis_support::{serial, Redis};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tasks_support::{serve_nested, within, Caller};

/// A repository of documents: the state every call of its tools shares.
struct Repo {
    /// Which instance this is (the front server's, or a worker's).
    instance: &'static str,
    documents: Vec<&'static str>,
    /// How many searches ran on this instance.
    searches: AtomicU64,
}

impl Repo {
    fn new(instance: &'static str) -> Repo {
        Repo {
            instance,
            documents: vec!["alpha", "beta", "alphabet"],
            searches: AtomicU64::new(0),
        }
    }
}

/// What `whoami` saw.
#[derive(Debug, Serialize, schemars::JsonSchema)]
struct Seen {
    instance: String,
    subject: Option<String>,
    background: bool,
}

impl Repo {
    /// Finds the documents that contain `query`.
    #[tool(read_only)]
    async fn search(
        &self,
        /// What to look for.
        query: String,
        #[arg(default = 10)] limit: usize,
    ) -> Vec<String> {
        self.searches.fetch_add(1, Ordering::SeqCst);
        self.documents
            .iter()
            .filter(|d| d.contains(&query))
            .take(limit)
            .map(|d| d.to_string())
            .collect()
    }

    /// How many searches ran on this instance.
    #[tool(name = "search_count")]
    async fn searches(&self) -> u64 {
        self.searches.load(Ordering::SeqCst)
    }

    /// Reports the instance it ran on and the caller's token, as a task.
    #[tool(task = true)]
    async fn whoami(&self, ctx: Ctx, token: Option<AccessToken>) -> Seen {
        Seen {
            instance: self.instance.into(),
            subject: token.as_ref().and_then(|t| t.subject()).map(str::to_owned),
            background: ctx.is_background(),
        }
    }

    /// A plain method: not a tool, still callable.
    fn size(&self) -> usize {
        self.documents.len()
    }
}

mod math {
    use ferrymcp::prelude::*;

    /// Adds two numbers.
    #[tool]
    pub async fn add(a: i64, b: i64) -> i64 {
        a + b
    }
}

use math::add;

fn structured(result: &Value) -> Value {
    result["structuredContent"].clone()
}

async fn server(repo: impl Into<Arc<Repo>>, options: TaskOptions) -> Server {
    Server::builder("methods")
        .tools(tools![add; repo => Repo::search, Repo::searches, Repo::whoami])
        .task_options(options)
        .build()
        .await
        .expect("the server builds")
}

#[tokio::test]
async fn a_method_tool_reads_its_instance_over_http() {
    let repo = Arc::new(Repo::new("front"));
    assert_eq!(repo.size(), 3);
    let server = server(Arc::clone(&repo), TaskOptions::default()).await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;
    let listed = alice.call("tools/list", json!({})).await;
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["add", "search", "search_count", "whoami"]);
    let search = &listed["result"]["tools"][1];
    assert_eq!(
        search["description"],
        "Finds the documents that contain `query`."
    );
    assert_eq!(
        search["inputSchema"]["properties"]["query"]["description"],
        "What to look for."
    );
    assert_eq!(search["annotations"]["readOnlyHint"], true);
    let found = alice
        .call(
            "tools/call",
            json!({"name": "search", "arguments": {"query": "alpha"}}),
        )
        .await;
    assert_eq!(
        structured(&found["result"]),
        json!({"result": ["alpha", "alphabet"]})
    );
    let limited = alice
        .call(
            "tools/call",
            json!({"name": "search", "arguments": {"query": "a", "limit": 1}}),
        )
        .await;
    assert_eq!(structured(&limited["result"]), json!({"result": ["alpha"]}));
    // The state is the one given to `tools!`, shared by every call.
    assert_eq!(repo.searches.load(Ordering::SeqCst), 2);
    let count = alice
        .call("tools/call", json!({"name": "search_count"}))
        .await;
    assert_eq!(structured(&count["result"]), json!({"result": 2}));
    let bad = alice
        .call(
            "tools/call",
            json!({"name": "search", "arguments": {"query": 7}}),
        )
        .await;
    assert_eq!(bad["result"]["isError"], true, "{bad}");
    // The imported free function is served under its own name.
    let sum = alice
        .call(
            "tools/call",
            json!({"name": "add", "arguments": {"a": 2, "b": 3}}),
        )
        .await;
    assert_eq!(structured(&sum["result"]), json!({"result": 5}));
}

#[tokio::test]
async fn a_method_task_tool_runs_in_the_worker_and_sees_the_callers_token() {
    let server = server(Repo::new("front"), TaskOptions::default()).await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;
    let inline = alice.call("tools/call", json!({"name": "whoami"})).await;
    assert_eq!(
        structured(&inline["result"]),
        json!({"instance": "front", "subject": "alice", "background": false})
    );
    let created = alice
        .call("tools/call", json!({"name": "whoami", "task": {}}))
        .await;
    let id = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let result = within(
        "tasks/result",
        alice.call("tasks/result", json!({"taskId": id})),
    )
    .await;
    assert_eq!(
        structured(&result["result"]),
        json!({"instance": "front", "subject": "alice", "background": true})
    );
}

#[tokio::test]
async fn a_method_task_tool_runs_in_process_too() {
    let server = server(Repo::new("only"), TaskOptions::default()).await;
    let client = Client::connect(&server).await.unwrap();
    let created = client
        .request("tools/call", json!({"name": "whoami", "task": {}}))
        .await
        .unwrap();
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    let result = within(
        "tasks/result",
        client.request("tasks/result", json!({"taskId": id})),
    )
    .await
    .unwrap();
    assert_eq!(
        result["structuredContent"],
        json!({"instance": "only", "subject": null, "background": true})
    );
}

async fn redis_server(redis: &Redis, repo: Repo, options: TaskOptions) -> Server {
    let backend = RedisBackend::new(RedisConfig::new(redis.url()).prefix("methods-test"))
        .expect("a Redis URL");
    Server::builder("methods-redis")
        .tools(tools![repo => Repo::whoami, Repo::search])
        .tasks(backend)
        .task_options(options)
        .build()
        .await
        .expect("the server builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_redis_the_worker_restores_the_call_against_its_own_instance() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    // The HTTP node runs no tasks; the worker, a server of its own with its
    // own `Repo`, runs them.
    let node = redis_server(
        &redis,
        Repo::new("node"),
        TaskOptions::default().run_workers(false),
    )
    .await;
    let url = serve_nested(&node).await;
    let worker = redis_server(&redis, Repo::new("worker"), TaskOptions::default()).await;
    let running = worker.clone();
    tokio::spawn(async move { running.run_task_workers().await });
    let alice = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;
    let created = alice
        .call("tools/call", json!({"name": "whoami", "task": {}}))
        .await;
    let id = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let result = within(
        "tasks/result",
        alice.call("tasks/result", json!({"taskId": id})),
    )
    .await;
    assert_eq!(
        structured(&result["result"]),
        json!({"instance": "worker", "subject": "alice", "background": true}),
        "{result}"
    );
}
