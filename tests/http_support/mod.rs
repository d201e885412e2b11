//! Helpers of the HTTP tests: a real server on 127.0.0.1:0, a real client,
//! SSE parsing, and validation against the official schemas.
#![allow(dead_code)]

use ferrymcp::prelude::*;
use ferrymcp::Headers;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::sync::Notify;

/// The tenant a parent app's middleware resolved.
#[derive(Debug, Clone)]
pub struct Tenant(pub String);

/// Adds two numbers.
#[tool(read_only)]
pub async fn add(
    /// The first addend.
    a: i64,
    /// The second addend.
    b: i64,
) -> i64 {
    a + b
}

/// Logs twice and reports progress twice, then answers.
#[tool]
pub async fn chatty(ctx: Ctx) -> String {
    ctx.info("starting").await;
    ctx.progress(1.0, Some(2.0), None).await;
    ctx.debug("halfway").await;
    ctx.progress(2.0, Some(2.0), None).await;
    "done".into()
}

/// Returns the tenant the parent app's middleware set.
#[tool]
pub async fn whose(tenant: Extension<Tenant>) -> String {
    tenant.0 .0.clone()
}

/// Returns the request's headers as `name: value` lines.
#[tool]
pub async fn headers(#[inject] headers: Headers) -> String {
    let mut lines: Vec<String> = headers
        .map()
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("?")))
        .collect();
    lines.sort();
    lines.join("\n")
}

/// Signals when a call of `hang` is dropped.
pub struct Dropped(pub Arc<Notify>);

struct SignalOnDrop(Arc<Notify>);

impl Drop for SignalOnDrop {
    fn drop(&mut self) {
        self.0.notify_one();
    }
}

/// Sends one progress notification, then waits until it is cancelled.
#[tool]
pub async fn hang(ctx: Ctx, dropped: Lifespan<Dropped>) -> String {
    let _signal = SignalOnDrop(Arc::clone(&dropped.0 .0));
    ctx.progress(1.0, None, Some("hanging")).await;
    ctx.info("hanging").await;
    std::future::pending::<()>().await;
    unreachable!()
}

/// A server with every test tool; `Dropped` tells when `hang` was cancelled.
pub async fn server() -> (Server, Arc<Notify>) {
    let notify = Arc::new(Notify::new());
    let n = Arc::clone(&notify);
    let server = Server::builder("http-test")
        .version("1.2.3")
        .instructions("Test tools.")
        .lifespan(move || async move { Ok::<_, std::io::Error>(Dropped(n)) })
        .tools(tools![add, chatty, whose, headers, hang])
        .build()
        .await
        .expect("the server builds");
    (server, notify)
}

/// Serves `app` on a fresh loopback port; returns `http://127.0.0.1:PORT`.
pub async fn spawn(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(ferrymcp::transport::http::serve(listener, app));
    format!("http://{addr}")
}

/// A client.
pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// One HTTP exchange, read to the end.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The JSON-RPC messages of the body: the JSON object, or every SSE event.
    pub fn messages(&self) -> Vec<Value> {
        if self
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/event-stream"))
        {
            sse_messages(&self.body)
        } else if self.body.is_empty() {
            Vec::new()
        } else {
            vec![serde_json::from_str(&self.body).expect("a JSON body")]
        }
    }

    /// The last message (the response).
    pub fn json(&self) -> Value {
        self.messages().pop().expect("a message")
    }
}

/// The `data` of every SSE event that has some.
pub fn sse_messages(body: &str) -> Vec<Value> {
    body.split("\n\n")
        .filter_map(|event| {
            let data: Vec<&str> = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect();
            let data = data.join("\n");
            (!data.is_empty()).then(|| serde_json::from_str(&data).expect("SSE data is JSON"))
        })
        .collect()
}

/// POSTs `body` with `headers`.
pub async fn post(url: &str, headers: &[(&str, &str)], body: impl Into<String>) -> Reply {
    let mut req = client()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req
        .body(body.into())
        .send()
        .await
        .expect("the request is sent");
    read(res).await
}

/// Reads a response to the end.
pub async fn read(res: reqwest::Response) -> Reply {
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.text().await.expect("the body is read");
    Reply {
        status,
        headers,
        body,
    }
}

/// The `_meta` of a 2026-07-28 request.
pub fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "http-test", "version": "0.0.1"}
    })
}

/// A 2026-07-28 request with matching headers.
pub async fn stateless(url: &str, id: i64, method: &str, params: Value) -> Reply {
    stateless_with(url, None, id, method, params).await
}

/// [`stateless`] with `Authorization: Bearer <token>`.
pub async fn stateless_as(url: &str, token: &str, id: i64, method: &str, params: Value) -> Reply {
    stateless_with(url, Some(token), id, method, params).await
}

async fn stateless_with(
    url: &str,
    token: Option<&str>,
    id: i64,
    method: &str,
    mut params: Value,
) -> Reply {
    // `Mcp-Name` mirrors params.name, params.uri or params.taskId.
    let name = ["name", "uri", "taskId"]
        .iter()
        .find_map(|field| params.get(*field).and_then(Value::as_str))
        .map(str::to_owned);
    if params.get("_meta").is_none() {
        params["_meta"] = meta();
    }
    let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    let mut headers = vec![
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", method),
    ];
    if let Some(name) = &name {
        headers.push(("mcp-name", name));
    }
    let bearer = token.map(|token| format!("Bearer {token}"));
    if let Some(bearer) = &bearer {
        headers.push(("authorization", bearer));
    }
    post(url, &headers, body.to_string()).await
}

/// A legacy session: the session id and the negotiated revision.
pub struct LegacySession {
    pub url: String,
    pub id: String,
    pub version: String,
    /// `Bearer <token>`, sent with every message when the session has a token.
    bearer: Option<String>,
    next: i64,
}

impl LegacySession {
    /// Initializes with `version` and sends `notifications/initialized`.
    pub async fn open(url: &str, version: &str) -> (LegacySession, Reply) {
        LegacySession::open_with(url, version, None).await
    }

    /// [`open`](Self::open) with `Authorization: Bearer <token>` on every message.
    pub async fn open_as(url: &str, version: &str, token: &str) -> (LegacySession, Reply) {
        LegacySession::open_with(url, version, Some(format!("Bearer {token}"))).await
    }

    async fn open_with(url: &str, version: &str, bearer: Option<String>) -> (LegacySession, Reply) {
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": version, "capabilities": {},
            "clientInfo": {"name": "http-test", "version": "0.0.1"}}});
        let authorization: Vec<(&str, &str)> = bearer
            .iter()
            .map(|b| ("authorization", b.as_str()))
            .collect();
        let reply = post(url, &authorization, init.to_string()).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let id = reply
            .header("mcp-session-id")
            .expect("initialize returns Mcp-Session-Id")
            .to_owned();
        let session = LegacySession {
            url: url.into(),
            id,
            version: version.into(),
            bearer,
            next: 1,
        };
        let note = session
            .send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        assert_eq!(note.status, 202, "{note:?}");
        (session, reply)
    }

    /// Sends a message with the session's headers.
    pub async fn send(&self, message: Value) -> Reply {
        let mut headers = vec![
            ("mcp-session-id", self.id.as_str()),
            ("mcp-protocol-version", self.version.as_str()),
        ];
        if let Some(bearer) = &self.bearer {
            headers.push(("authorization", bearer));
        }
        post(&self.url, &headers, message.to_string()).await
    }

    /// Sends a request with a fresh id.
    pub async fn request(&mut self, method: &str, params: Value) -> Reply {
        self.next += 1;
        self.send(json!({"jsonrpc": "2.0", "id": self.next, "method": method, "params": params}))
            .await
    }
}
