//! Helpers of the task tests: tools that report what their scope holds or
//! wait on a gate, a server mounted at a nested path of a parent axum app
//! whose middleware sets the caller's token and tenant, and polling helpers.
#![allow(dead_code)]

#[path = "../http_support/mod.rs"]
pub mod http_support;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use ferrymcp::auth::AccessToken;
use ferrymcp::prelude::*;
use ferrymcp::{Client, TaskOptions};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{Notify, Semaphore};

/// The server's lifespan value: a region, and the hooks of `gated`.
pub struct App {
    pub region: String,
    /// `gated` waits for a permit here.
    pub gate: Semaphore,
    /// Signalled when `gated` starts.
    pub started: Notify,
    /// Signalled when a `gated` future is dropped before it finished.
    pub dropped: Notify,
    /// How many times `gated` started.
    pub runs: AtomicUsize,
}

impl App {
    pub fn new() -> Arc<App> {
        Arc::new(App {
            region: "eu-west".into(),
            gate: Semaphore::new(0),
            started: Notify::new(),
            dropped: Notify::new(),
            runs: AtomicUsize::new(0),
        })
    }
}

/// The tenant the parent app's middleware resolved; carried into tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant(pub String);

/// What `probe` saw.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Probe {
    pub subject: Option<String>,
    pub raw: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub tenant: Option<String>,
    pub region: String,
    pub background: bool,
    pub task_id: Option<String>,
    pub attempt: u32,
}

/// Reports what its scope holds.
#[tool(task = true)]
pub async fn probe(
    ctx: Ctx,
    token: Option<AccessToken>,
    app: Lifespan<App>,
    tenant: Option<Extension<Tenant>>,
) -> Probe {
    ctx.progress(1.0, Some(1.0), Some("probed")).await;
    Probe {
        subject: token.as_ref().and_then(|t| t.subject()).map(str::to_owned),
        raw: token.as_ref().and_then(|t| t.raw()).map(str::to_owned),
        scopes: token.as_ref().map(|t| t.scopes().to_vec()),
        tenant: tenant.map(|t| t.0 .0.clone()),
        region: app.region.clone(),
        background: ctx.is_background(),
        task_id: ctx.task_id().map(str::to_owned),
        attempt: ctx.attempt(),
    }
}

/// Needs the caller's token.
#[tool(task = true)]
pub async fn needs_token(token: AccessToken) -> String {
    token.subject().unwrap_or("?").to_string()
}

struct SignalOnDrop<'a>(&'a Notify, bool);

impl Drop for SignalOnDrop<'_> {
    fn drop(&mut self) {
        if !self.1 {
            self.0.notify_one();
        }
    }
}

/// Starts, then waits for a permit of the app's gate.
#[tool(task = true)]
pub async fn gated(app: Lifespan<App>) -> String {
    app.runs.fetch_add(1, Ordering::SeqCst);
    let mut guard = SignalOnDrop(&app.dropped, false);
    app.started.notify_one();
    let permit = app.gate.acquire().await;
    drop(permit);
    guard.1 = true;
    "released".into()
}

/// Fails with a protocol error (not a tool error).
#[tool(task = true)]
pub async fn protocol_error() -> Result<String, ToolError> {
    Err(ToolError::protocol(-32603, "the job broke"))
}

/// Fails with a tool error.
#[tool(task = true)]
pub async fn tool_error() -> Result<String, ToolError> {
    Err(ToolError::new("the job reported an error"))
}

/// Only runs as a task.
#[tool(task = "required")]
pub async fn only_task() -> String {
    "ran as a task".into()
}

/// Never runs as a task.
#[tool]
pub async fn plain() -> String {
    "plain".into()
}

/// A server with every test tool.
pub async fn server_with(app: Arc<App>, options: TaskOptions) -> Server {
    Server::builder("tasks-test")
        .lifespan(move || async move { Ok::<_, std::io::Error>(AppHandle(app)) })
        .tools(tools![
            probe,
            needs_token,
            gated,
            protocol_error,
            tool_error,
            only_task,
            plain
        ])
        .carry_as::<Tenant>("tenant")
        .task_options(options)
        .build()
        .await
        .expect("the server builds")
}

/// The lifespan value: a handle on the shared [`App`].
pub struct AppHandle(pub Arc<App>);

impl std::ops::Deref for AppHandle {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl ferrymcp::FromLifespan<AppHandle> for App {
    fn from_lifespan(l: &Arc<AppHandle>) -> Arc<App> {
        Arc::clone(&l.0)
    }
}

/// A server with default options.
pub async fn server(app: Arc<App>) -> Server {
    server_with(app, TaskOptions::default()).await
}

/// The parent app's middleware: `X-Subject` becomes the caller's verified
/// token (as an auth layer would insert it; `X-Exp` sets its expiry in Unix
/// seconds) and `X-Tenant` the tenant.
async fn parent_middleware(mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let subject = header("x-subject");
    let exp = header("x-exp").and_then(|v| v.parse::<u64>().ok());
    let tenant = header("x-tenant");
    if let Some(subject) = subject {
        let mut token = AccessToken::builder()
            .issuer("https://issuer.test")
            .subject(subject.clone())
            .raw(format!("raw-{subject}"))
            .scopes(["tasks"]);
        if let Some(exp) = exp {
            token = token.expires_at(UNIX_EPOCH + Duration::from_secs(exp));
        }
        request.extensions_mut().insert(token.build());
    }
    if let Some(tenant) = tenant {
        request.extensions_mut().insert(Tenant(tenant));
    }
    next.run(request).await
}

/// Serves `server` at `/outer/inner/mcp` of a parent app (nested twice, with
/// the app's own middleware) on a fresh loopback port; returns the MCP URL.
pub async fn serve_nested(server: &Server) -> String {
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .nest(
            "/outer",
            axum::Router::new().nest("/inner/mcp", server.router()),
        )
        .layer(middleware::from_fn(parent_middleware));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(ferrymcp::transport::http::serve(listener, app));
    format!("http://{addr}/outer/inner/mcp")
}

/// Turns a hang into a failure (a safety net, not a timed assertion).
pub async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .unwrap_or_else(|_| panic!("{what} did not happen"))
}

/// Unix seconds an hour ago.
pub fn an_hour_ago() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 3600
}

/// Calls `tool` as a 2025-11-25 task through the in-process client; returns
/// the task id.
pub async fn start_task(client: &Client, tool: &str, arguments: Value) -> String {
    let created = client
        .request(
            "tools/call",
            json!({"name": tool, "arguments": arguments, "task": {"ttl": 60000}}),
        )
        .await
        .expect("CreateTaskResult");
    created["task"]["taskId"]
        .as_str()
        .expect("a task id")
        .to_owned()
}

/// Polls `tasks/get` through the in-process client until `done` holds.
pub async fn poll_until(client: &Client, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    within("the task status", async {
        loop {
            let task = client
                .request("tasks/get", json!({"taskId": id}))
                .await
                .expect("tasks/get");
            if done(&task) {
                return task;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
}

/// A client over HTTP with fixed extra headers (the caller's identity):
/// a 2025-11-25 session, or 2026-07-28 requests (opted into the tasks
/// extension or not).
pub struct Caller {
    url: String,
    session: Option<String>,
    version: &'static str,
    headers: Vec<(String, String)>,
    opted_in: bool,
    next: std::sync::atomic::AtomicI64,
}

impl Caller {
    /// Opens a session of `version` (2025-06-18 or 2025-11-25).
    pub async fn session(url: &str, version: &'static str, headers: &[(&str, &str)]) -> Caller {
        let mut caller = Caller::new(url, version, headers, false);
        let init = caller
            .post(
                json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": version, "capabilities": {},
                "clientInfo": {"name": "tasks-test", "version": "0.0.1"}}}),
            )
            .await;
        assert_eq!(init.status, 200, "{init:?}");
        caller.session = init.header("mcp-session-id").map(str::to_owned);
        assert!(caller.session.is_some(), "initialize returns a session id");
        caller
            .post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        caller
    }

    /// The session id, for a session.
    pub fn session_id(&self) -> Option<&str> {
        self.session.as_deref()
    }

    /// Stateless 2026-07-28 requests, declaring the tasks extension or not.
    pub fn stateless(url: &str, headers: &[(&str, &str)], opted_in: bool) -> Caller {
        Caller::new(url, "2026-07-28", headers, opted_in)
    }

    fn new(url: &str, version: &'static str, headers: &[(&str, &str)], opted_in: bool) -> Caller {
        Caller {
            url: url.into(),
            session: None,
            version,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            opted_in,
            next: std::sync::atomic::AtomicI64::new(1),
        }
    }

    async fn post(&self, body: Value) -> http_support::Reply {
        let mut headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if let Some(s) = &self.session {
            headers.push(("mcp-session-id", s));
        }
        let method = body["method"].as_str().unwrap_or("").to_owned();
        let name = body["params"]["name"]
            .as_str()
            .or(body["params"]["taskId"].as_str())
            .map(str::to_owned);
        if self.version == "2026-07-28" {
            headers.push(("mcp-method", &method));
            if let Some(name) = &name {
                headers.push(("mcp-name", name));
            }
        }
        if self.session.is_some() || self.version == "2026-07-28" {
            headers.push(("mcp-protocol-version", self.version));
        }
        http_support::post(&self.url, &headers, body.to_string()).await
    }

    /// Sends a request; returns the JSON-RPC response.
    pub async fn call(&self, method: &str, mut params: Value) -> Value {
        if self.version == "2026-07-28" {
            let caps = if self.opted_in {
                json!({"extensions": {"io.modelcontextprotocol/tasks": {}}})
            } else {
                json!({})
            };
            params["_meta"] = json!({
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": caps,
            });
        }
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let reply = self
            .post(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        reply.json()
    }

    /// Calls a tool as a task (`params` of `tools/call`, with `task`), then
    /// waits for `tasks/result`: the task's id and the result's response.
    pub async fn run_as_task(&self, params: Value) -> (String, Value) {
        let created = self.call("tools/call", params).await;
        let id = created["result"]["task"]["taskId"]
            .as_str()
            .unwrap_or_else(|| panic!("CreateTaskResult: {created}"))
            .to_owned();
        let result = within(
            "tasks/result",
            self.call("tasks/result", json!({"taskId": id})),
        )
        .await;
        (id, result)
    }

    /// Polls `tasks/get` until `done` holds; returns the last response.
    pub async fn poll(&self, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        within("the task status", async {
            loop {
                let got = self.call("tasks/get", json!({"taskId": id})).await;
                if done(&got) {
                    return got;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
    }
}
