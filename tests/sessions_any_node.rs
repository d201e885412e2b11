//! Sessions on any node: two HTTP nodes (each a server on its own loopback
//! socket) share one real `redis-server` through `RedisSessionStore`. A
//! 2025-11-25 session opened on node A is served by node B, the GET stream
//! on A hears what B causes, an answer to a question may land on either
//! node, a URL elicitation completed with a handle made on B reaches the GET
//! stream on A, DELETE on one ends the session on the other, a foreign identity gets
//! 404 everywhere, a restarted node loses no session and idling ends it.

#[path = "redis_support/mod.rs"]
mod redis_support;

use ferrymcp::auth::{AccessToken, AuthConfig, StaticTokenVerifier};
use ferrymcp::call::Change;
use ferrymcp::prelude::*;
use ferrymcp::task::redis::{RedisBackend, RedisConfig, RedisSessionStore};
use ferrymcp::transport::http::HttpOptions;
use ferrymcp::{resource, resources};
use redis_support::{serial, Redis, LIMIT};
use serde_json::{json, Value};
use std::time::Duration;

const PREFIX: &str = "sessions-test";
const ALICE: &str = "alice-token-7c1e";
const BOB: &str = "bob-token-93ad";

/// Adds two numbers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// A watched resource.
#[resource(uri = "test://watched", mime_type = "text/plain")]
async fn watched() -> String {
    "now".into()
}

/// Announces that the tool list and the watched resource changed.
#[tool]
async fn announce(ctx: Ctx) -> String {
    ctx.notifier().announce(Change::ToolsListChanged);
    ctx.notifier()
        .announce(Change::ResourceUpdated("test://watched".into()));
    "announced".into()
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

/// Asks for a name.
#[tool]
async fn ask_name(ctx: Ctx) -> Result<String, ToolError> {
    let name = ctx.ask("name").elicit::<Name>("Your name?").await?;
    Ok(format!(
        "Hi {}",
        name.accepted().map_or("nobody".into(), |n| n.name)
    ))
}

/// The URL-elicitation completions `needs_payment` made (the app's state).
static COMPLETIONS: std::sync::Mutex<Vec<ferrymcp::ask::ElicitationCompletion>> =
    std::sync::Mutex::new(Vec::new());

/// Cannot proceed before the user added a payment method (-32042).
#[tool]
async fn needs_payment(ctx: Ctx) -> Result<String, ToolError> {
    use ferrymcp::ask::{UrlElicitationRequired, UrlRequest};
    let request = UrlRequest::new("Add a payment method.", "https://pay.example.com/setup");
    let completion = ctx.elicitation_completion(request.id.clone());
    COMPLETIONS.lock().unwrap().push(completion);
    Err(UrlElicitationRequired::new(request).into())
}

/// Doubles a number, as a task.
#[tool(task = true)]
async fn double(n: i64) -> i64 {
    n * 2
}

/// Waits `duration` milliseconds, as a task (the official TypeScript
/// client's task tool).
#[tool(task = true)]
async fn delay(duration: u64) -> String {
    tokio::time::sleep(Duration::from_millis(duration.min(10_000))).await;
    format!("waited {duration} ms")
}

/// One HTTP node: a server on its own loopback socket.
struct Node {
    url: String,
    server: Server,
    serving: tokio::task::JoinHandle<()>,
}

impl Node {
    async fn start(redis: &Redis, setup: &Setup) -> Node {
        if std::env::var_os("SESSIONS_TRACE").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter("ferrymcp=debug")
                .with_test_writer()
                .try_init();
        }
        let config = RedisConfig::new(redis.url()).prefix(PREFIX);
        let store = RedisSessionStore::new(&config)
            .unwrap()
            .recheck_after(setup.recheck);
        let mut builder = Server::builder("node")
            .tools(tools![
                add,
                announce,
                ask_name,
                double,
                delay,
                needs_payment
            ])
            .resources(resources![watched])
            .tasks(RedisBackend::new(config).unwrap());
        if setup.shared {
            builder = builder.sessions(store.clone());
        }
        if setup.auth {
            let verifier = StaticTokenVerifier::new()
                .token(
                    ALICE,
                    AccessToken::builder().issuer("https://as").subject("alice"),
                )
                .token(
                    BOB,
                    AccessToken::builder().issuer("https://as").subject("bob"),
                );
            let auth = AuthConfig::builder(verifier)
                .resource("http://127.0.0.1/mcp")
                .authorization_server("https://as.example.invalid")
                .build()
                .unwrap();
            builder = builder.auth(auth);
        }
        let server = builder.build().await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = server.router_at_with("/mcp", setup.options.clone());
        let serving = tokio::spawn(async move {
            let _ = ferrymcp::transport::http::serve(listener, app).await;
        });
        // Events published before the node listens are not heard.
        if setup.shared {
            tokio::time::timeout(LIMIT, store.subscribed())
                .await
                .expect("the node subscribed to the session events");
        }
        Node {
            url: format!("http://{addr}/mcp"),
            server,
            serving,
        }
    }

    /// Stops serving and shuts the server down (a node going away).
    async fn stop(self) {
        self.serving.abort();
        let _ = self.serving.await;
        self.server.shutdown().await;
    }
}

struct Setup {
    /// Sessions in Redis (`false`: each node keeps its own, in memory).
    shared: bool,
    auth: bool,
    recheck: Duration,
    options: HttpOptions,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            shared: true,
            auth: false,
            recheck: Duration::from_secs(1),
            options: HttpOptions::new(),
        }
    }
}

/// One HTTP exchange, read to the end.
#[derive(Debug)]
struct Reply {
    status: u16,
    session: Option<String>,
    messages: Vec<Value>,
}

fn sse_data(event: &str) -> Option<Value> {
    let data: Vec<&str> = event
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| d.strip_prefix(' ').unwrap_or(d))
        .collect();
    let data = data.join("\n");
    (!data.is_empty()).then(|| serde_json::from_str(&data).expect("SSE data is JSON"))
}

/// The requests of one client: its session, its token, what it accepts.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    session: Option<String>,
    token: Option<&'static str>,
}

impl Client {
    fn new(token: Option<&'static str>) -> Client {
        Client {
            http: reqwest::Client::new(),
            session: None,
            token,
        }
    }

    fn with_token(&self, token: Option<&'static str>) -> Client {
        Client {
            token,
            ..self.clone()
        }
    }

    fn request(&self, method: reqwest::Method, url: &str, accept: &str) -> reqwest::RequestBuilder {
        let mut req = self
            .http
            .request(method, url)
            .header("accept", accept)
            .header("mcp-protocol-version", "2025-11-25");
        if let Some(session) = &self.session {
            req = req.header("mcp-session-id", session);
        }
        if let Some(token) = self.token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        req
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> reqwest::Response {
        tokio::time::timeout(LIMIT, req.send())
            .await
            .expect("the node answered within the safety limit")
            .expect("the request is sent")
    }

    /// POSTs `message`, accepting JSON and SSE, and reads the whole answer.
    async fn post(&self, url: &str, message: Value) -> Reply {
        self.post_accepting(url, message, "application/json, text/event-stream")
            .await
    }

    async fn post_accepting(&self, url: &str, message: Value, accept: &str) -> Reply {
        if std::env::var_os("SESSIONS_TRACE").is_some() {
            eprintln!("POST {url} {message}");
        }
        let req = self
            .request(reqwest::Method::POST, url, accept)
            .header("content-type", "application/json")
            .body(message.to_string());
        read(self.send(req).await).await
    }

    /// Opens a session on `url`, declaring elicitation.
    async fn open(&mut self, url: &str) {
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}},
            "clientInfo": {"name": "any-node-test", "version": "0"}}});
        let reply = self.post(url, init).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert!(reply.messages[0]["result"].is_object(), "{reply:?}");
        self.session = Some(reply.session.expect("initialize returns Mcp-Session-Id"));
    }

    /// A request's response (`result` or `error`), expecting 200.
    async fn call(&self, url: &str, method: &str, params: Value) -> Value {
        let reply = self
            .post(
                url,
                json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params}),
            )
            .await;
        assert_eq!(reply.status, 200, "{method}: {reply:?}");
        reply
            .messages
            .into_iter()
            .find(|m| m["id"] == 7)
            .unwrap_or_else(|| panic!("no response to {method}"))
    }

    /// The HTTP status of a `tools/list` from this client on `url`.
    async fn status(&self, url: &str) -> u16 {
        self.post(
            url,
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        )
        .await
        .status
    }

    /// Opens the session's GET stream on `url`.
    async fn get_stream(&self, url: &str) -> Sse {
        let res = self
            .send(self.request(reqwest::Method::GET, url, "text/event-stream"))
            .await;
        assert_eq!(res.status(), 200, "the GET stream opens");
        Sse {
            res,
            buf: String::new(),
        }
    }

    async fn delete(&self, url: &str) -> u16 {
        let req = self.request(reqwest::Method::DELETE, url, "application/json");
        self.send(req).await.status().as_u16()
    }
}

async fn read(res: reqwest::Response) -> Reply {
    let status = res.status().as_u16();
    let session = res
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let sse = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/event-stream"));
    let body = tokio::time::timeout(LIMIT, res.text())
        .await
        .expect("the body ended within the safety limit")
        .expect("the body is read");
    let messages = if sse {
        body.split("\n\n").filter_map(sse_data).collect()
    } else if body.is_empty() {
        Vec::new()
    } else {
        vec![serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))]
    };
    Reply {
        status,
        session,
        messages,
    }
}

/// An SSE stream read event by event.
struct Sse {
    res: reqwest::Response,
    buf: String,
}

impl Sse {
    /// The next JSON-RPC message; `None` once the stream ended.
    async fn next(&mut self) -> Option<Value> {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let event: String = self.buf.drain(..end + 2).collect();
                if let Some(message) = sse_data(&event) {
                    return Some(message);
                }
            }
            let chunk = tokio::time::timeout(LIMIT, self.res.chunk())
                .await
                .expect("the stream moved within the safety limit");
            match chunk {
                Ok(Some(bytes)) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// Reads until a message `wanted` picks; fails if the stream ends first.
    async fn until(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let message = self
                .next()
                .await
                .unwrap_or_else(|| panic!("the stream ended before {what}"));
            if wanted(&message) {
                return message;
            }
        }
    }
}

fn text(response: &Value) -> &str {
    response["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("a text result: {response}"))
}

/// Initialize on A; everything else on B; A's GET stream hears what B causes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_opened_on_one_node_is_served_by_another() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let setup = Setup::default();
    let (a, b) = (
        Node::start(&redis, &setup).await,
        Node::start(&redis, &setup).await,
    );
    let mut client = Client::new(None);
    client.open(&a.url).await;
    let note = client
        .post(
            &b.url,
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        )
        .await;
    assert_eq!(note.status, 202, "{note:?}");

    let listed = client.call(&b.url, "tools/list", json!({})).await;
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .expect("a tool list")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(
        names.contains(&"add") && names.contains(&"double"),
        "{names:?}"
    );
    let sum = client
        .call(
            &b.url,
            "tools/call",
            json!({"name": "add", "arguments": {"a": 2, "b": 3}}),
        )
        .await;
    assert_eq!(text(&sum), "5", "{sum}");
    let level = client
        .call(&b.url, "logging/setLevel", json!({"level": "warning"}))
        .await;
    assert!(level["result"].is_object(), "{level}");
    let subscribed = client
        .call(
            &b.url,
            "resources/subscribe",
            json!({"uri": "test://watched"}),
        )
        .await;
    assert!(subscribed["result"].is_object(), "{subscribed}");

    // What node B caused reaches the GET stream on node A.
    let mut stream = client.get_stream(&a.url).await;
    let announced = client
        .call(
            &b.url,
            "tools/call",
            json!({"name": "announce", "arguments": {}}),
        )
        .await;
    assert_eq!(text(&announced), "announced");
    let (mut listed, mut updated) = (false, false);
    while !(listed && updated) {
        let message = stream.next().await.expect("the GET stream on A stays open");
        match message["method"].as_str() {
            Some("notifications/tools/list_changed") => listed = true,
            Some("notifications/resources/updated") => {
                assert_eq!(message["params"]["uri"], "test://watched", "{message}");
                updated = true;
            }
            _ => {}
        }
    }

    // A task created on B is the session's on A too.
    let created = client
        .call(
            &b.url,
            "tools/call",
            json!({"name": "double", "arguments": {"n": 21}, "task": {"ttl": 60000}}),
        )
        .await;
    let task = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("CreateTaskResult expected: {created}"))
        .to_owned();
    let got = client
        .call(&a.url, "tasks/get", json!({"taskId": task}))
        .await;
    assert_eq!(got["result"]["taskId"], task.as_str(), "{got}");
    let result = client
        .call(&a.url, "tasks/result", json!({"taskId": task}))
        .await;
    assert_eq!(text(&result), "42", "{result}");

    // The record in Redis holds what the session is.
    let key = format!(
        "{{{PREFIX}}}:session:{}",
        client.session.as_deref().unwrap()
    );
    let record: Value =
        serde_json::from_str(&redis.query(&["GET", &key]).text().expect("the record")).unwrap();
    assert_eq!(record["protocolVersion"], "2025-11-25", "{record}");
    assert_eq!(record["clientInfo"]["name"], "any-node-test", "{record}");
    assert_eq!(
        record["capabilities"],
        json!({"elicitation": {}}),
        "{record}"
    );
    assert_eq!(record["owner"], json!({"kind": "anyone"}), "{record}");
    assert_eq!(record["logLevel"], "warning", "{record}");
    assert_eq!(
        record["subscriptions"],
        json!(["test://watched"]),
        "{record}"
    );
}

/// A tool on B returns -32042; the app completes the URL elicitation with
/// the handle B's call made, and `notifications/elicitation/complete`
/// reaches the client's GET stream on A (through Redis).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_elicitation_completed_on_one_node_reaches_the_get_stream_on_another() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let setup = Setup::default();
    let (a, b) = (
        Node::start(&redis, &setup).await,
        Node::start(&redis, &setup).await,
    );
    let mut client = Client::new(None);
    client.open(&a.url).await;
    let mut stream = client.get_stream(&a.url).await;
    let refused = client
        .call(
            &b.url,
            "tools/call",
            json!({"name": "needs_payment", "arguments": {}}),
        )
        .await;
    assert_eq!(refused["error"]["code"], -32042, "{refused}");
    let id = refused["error"]["data"]["elicitations"][0]["elicitationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let completion = {
        let mut made = COMPLETIONS.lock().unwrap();
        let at = made.iter().position(|c| c.id().as_str() == id).unwrap();
        made.remove(at)
    };
    assert!(completion.complete(), "B's session reaches the client");
    let note = stream
        .until("the completion notification", |m| {
            m["method"] == "notifications/elicitation/complete"
        })
        .await;
    assert_eq!(note["params"]["elicitationId"], id.as_str(), "{note}");
}

/// A tool on B asks; the question travels to the GET stream on A (a call
/// answered as JSON) or on B's own response stream (SSE); the answer is
/// posted to A and reaches the call waiting on B.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_posted_to_another_node_reaches_the_waiting_call() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let setup = Setup::default();
    let (a, b) = (
        Node::start(&redis, &setup).await,
        Node::start(&redis, &setup).await,
    );
    let mut client = Client::new(None);
    client.open(&a.url).await;
    let call = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
        "params": {"name": "ask_name", "arguments": {}}});

    // Answered as JSON: the question goes to the GET stream, here on A.
    let mut stream = client.get_stream(&a.url).await;
    let asking = {
        let (client, url, call) = (client.clone(), b.url.clone(), call.clone());
        tokio::spawn(async move { client.post_accepting(&url, call, "application/json").await })
    };
    let question = stream
        .until("elicitation/create", |m| {
            m["method"] == "elicitation/create"
        })
        .await;
    let answer = json!({"jsonrpc": "2.0", "id": question["id"],
        "result": {"action": "accept", "content": {"name": "Ada"}}});
    assert_eq!(client.post(&a.url, answer).await.status, 202);
    let reply = asking.await.unwrap();
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(text(&reply.messages[0]), "Hi Ada", "{reply:?}");

    // Answered as SSE: the question comes on B's response stream.
    let res = client
        .send(
            client
                .request(
                    reqwest::Method::POST,
                    &b.url,
                    "application/json, text/event-stream",
                )
                .header("content-type", "application/json")
                .body(call.to_string()),
        )
        .await;
    assert_eq!(res.status(), 200);
    let mut on_b = Sse {
        res,
        buf: String::new(),
    };
    let question = on_b
        .until("elicitation/create", |m| {
            m["method"] == "elicitation/create"
        })
        .await;
    let answer = json!({"jsonrpc": "2.0", "id": question["id"],
        "result": {"action": "accept", "content": {"name": "Grace"}}});
    assert_eq!(client.post(&a.url, answer).await.status, 202);
    let done = on_b.until("the result", |m| m["id"] == 9).await;
    assert_eq!(text(&done), "Hi Grace", "{done}");
}

/// Another identity presenting the session id gets the 404 of an unknown
/// session on both nodes, for every method; the owner keeps it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_identity_gets_404_on_both_nodes() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let setup = Setup {
        auth: true,
        ..Setup::default()
    };
    let (a, b) = (
        Node::start(&redis, &setup).await,
        Node::start(&redis, &setup).await,
    );
    let mut alice = Client::new(Some(ALICE));
    alice.open(&a.url).await;
    let bob = alice.with_token(Some(BOB));
    for url in [&a.url, &b.url] {
        assert_eq!(bob.status(url).await, 404, "{url}");
        let res = bob
            .send(bob.request(reqwest::Method::GET, url, "text/event-stream"))
            .await;
        assert_eq!(res.status(), 404, "GET {url}");
        assert_eq!(bob.delete(url).await, 404, "DELETE {url}");
    }
    for url in [&b.url, &a.url] {
        assert_eq!(alice.status(url).await, 200, "{url}");
    }
}

/// DELETE on B ends the session on A at once: A's GET stream closes and A
/// answers 404, although A would trust its copy for an hour.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_on_one_node_ends_the_session_on_the_other() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let setup = Setup {
        recheck: Duration::from_secs(3600),
        ..Setup::default()
    };
    let (a, b) = (
        Node::start(&redis, &setup).await,
        Node::start(&redis, &setup).await,
    );
    let mut client = Client::new(None);
    client.open(&a.url).await;
    assert_eq!(client.status(&b.url).await, 200);
    assert_eq!(client.status(&a.url).await, 200);
    let mut stream = client.get_stream(&a.url).await;

    assert_eq!(client.delete(&b.url).await, 204);
    if let Some(message) = stream.next().await {
        panic!("the GET stream on A got {message} after the session ended");
    }
    assert_eq!(client.status(&a.url).await, 404);
    assert_eq!(client.status(&b.url).await, 404);
    assert_eq!(client.delete(&a.url).await, 404);
}

/// A node that stops and starts again (a deploy) serves the sessions it
/// had: they live in Redis, with their log level, subscriptions and tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_node_loses_no_session() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let setup = Setup::default();
    let a = Node::start(&redis, &setup).await;
    let mut client = Client::new(None);
    client.open(&a.url).await;
    client
        .call(
            &a.url,
            "resources/subscribe",
            json!({"uri": "test://watched"}),
        )
        .await;
    let created = client
        .call(
            &a.url,
            "tools/call",
            json!({"name": "double", "arguments": {"n": 4}, "task": {"ttl": 60000}}),
        )
        .await;
    let task = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("CreateTaskResult expected: {created}"))
        .to_owned();
    let before = client
        .call(&a.url, "tasks/result", json!({"taskId": task}))
        .await;
    assert_eq!(text(&before), "8", "{before}");
    a.stop().await;

    let a = Node::start(&redis, &setup).await;
    let sum = client
        .call(
            &a.url,
            "tools/call",
            json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
        )
        .await;
    assert_eq!(text(&sum), "2", "{sum}");
    // The task is still the session's (its key was stored with it).
    let result = client
        .call(&a.url, "tasks/result", json!({"taskId": task}))
        .await;
    assert_eq!(text(&result), "8", "{result}");
    // The subscription survived: the restarted node announces to it.
    let mut stream = client.get_stream(&a.url).await;
    client
        .call(
            &a.url,
            "tools/call",
            json!({"name": "announce", "arguments": {}}),
        )
        .await;
    let updated = stream
        .until("resources/updated", |m| {
            m["method"] == "notifications/resources/updated"
        })
        .await;
    assert_eq!(updated["params"]["uri"], "test://watched");
    assert_eq!(client.delete(&a.url).await, 204);
}

/// A session nobody uses for longer than the idle timeout ends on every
/// node, and its record leaves Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_ends_on_every_node() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let setup = Setup {
        recheck: Duration::from_millis(100),
        options: HttpOptions::new().session_idle_timeout(Duration::from_millis(400)),
        ..Setup::default()
    };
    let (a, b) = (
        Node::start(&redis, &setup).await,
        Node::start(&redis, &setup).await,
    );
    let mut client = Client::new(None);
    client.open(&a.url).await;
    assert_eq!(client.status(&b.url).await, 200);
    let key = format!(
        "{{{PREFIX}}}:session:{}",
        client.session.as_deref().unwrap()
    );
    // Idle well past the timeout and the recheck (a wait, not a measurement).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(redis.query(&["EXISTS", &key]).int(), 0);
    assert_eq!(client.status(&b.url).await, 404);
    assert_eq!(client.status(&a.url).await, 404);
}

/// How many times Redis ran `command` since the last `CONFIG RESETSTAT`.
fn calls(redis: &Redis, command: &str) -> u64 {
    let stats = redis
        .query(&["INFO", "commandstats"])
        .text()
        .unwrap_or_default();
    let prefix = format!("cmdstat_{command}:calls=");
    stats
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Every Redis command the session layer sends (tasks' commands apart).
const SESSION_COMMANDS: [&str; 5] = ["getex", "set", "pexpire", "del", "publish"];

fn session_round_trips(redis: &Redis) -> u64 {
    SESSION_COMMANDS.iter().map(|c| calls(redis, c)).sum()
}

/// The cost of a request in Redis round trips: a node that loaded a session
/// answers from its copy (none) until the recheck interval passed; with no
/// copy, or a recheck of zero, one `GETEX` (which also pushes the expiry).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_costs_no_round_trip_while_the_copy_is_fresh_and_one_otherwise() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let cached = Setup {
        recheck: Duration::from_secs(3600),
        ..Setup::default()
    };
    let (a, b) = (
        Node::start(&redis, &cached).await,
        Node::start(&redis, &cached).await,
    );
    let mut client = Client::new(None);
    client.open(&a.url).await;
    assert_eq!(client.status(&b.url).await, 200);
    redis.query(&["CONFIG", "RESETSTAT"]);
    for _ in 0..20 {
        assert_eq!(client.status(&a.url).await, 200);
        assert_eq!(client.status(&b.url).await, 200);
    }
    assert_eq!(
        session_round_trips(&redis),
        0,
        "40 requests on fresh copies"
    );

    let uncached = Setup {
        recheck: Duration::ZERO,
        ..Setup::default()
    };
    let c = Node::start(&redis, &uncached).await;
    redis.query(&["CONFIG", "RESETSTAT"]);
    for _ in 0..20 {
        assert_eq!(client.status(&c.url).await, 200);
    }
    assert_eq!(calls(&redis, "getex"), 20, "one GETEX per request");
    assert_eq!(session_round_trips(&redis), 20, "nothing but the GETEX");
}

/// Same-run cost of one request (`tools/call add`, JSON, sequential, one
/// keep-alive connection): sessions in memory, in Redis on a fresh copy,
/// in Redis loaded on every request. Prints a table; asserts nothing about
/// time. `cargo test -p ferrymcp-tests --test sessions_any_node -- --ignored cost --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run it by hand, on a quiet machine if you can"]
async fn cost_of_a_request_by_session_store() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    const N: u32 = 2000;
    let setups = [
        ("memory (no store)", false, Duration::from_secs(1)),
        (
            "redis, copy fresh (recheck 1 s)",
            true,
            Duration::from_secs(1),
        ),
        (
            "redis, load every request (recheck 0)",
            true,
            Duration::ZERO,
        ),
    ];
    let mut rows = Vec::new();
    for round in 0..2 {
        for (name, shared, recheck) in setups {
            let setup = Setup {
                shared,
                recheck,
                ..Setup::default()
            };
            let node = Node::start(&redis, &setup).await;
            let mut client = Client::new(None);
            client.open(&node.url).await;
            let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "add", "arguments": {"a": 1, "b": 2}}});
            for _ in 0..100 {
                client
                    .post_accepting(&node.url, call.clone(), "application/json")
                    .await;
            }
            redis.query(&["CONFIG", "RESETSTAT"]);
            let start = std::time::Instant::now();
            for _ in 0..N {
                let reply = client
                    .post_accepting(&node.url, call.clone(), "application/json")
                    .await;
                assert_eq!(reply.status, 200);
            }
            let per = start.elapsed() / N;
            let trips = session_round_trips(&redis) as f64 / f64::from(N);
            if round == 1 {
                rows.push(format!("{name:<40} {per:>10.1?} {trips:>8.3}"));
            }
            node.stop().await;
        }
    }
    eprintln!("{:<40} {:>10} {:>8}", "sessions", "per call", "RTT/call");
    for row in rows {
        eprintln!("{row}");
    }
}

/// A round-robin HTTP proxy on loopback: each request goes to the next
/// node, whatever connection it came on (no stickiness at all); response
/// bodies (SSE streams included) are passed on as they come.
async fn round_robin(nodes: Vec<String>) -> String {
    use axum::body::Body;
    use axum::extract::{Request, State};
    use axum::response::Response;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    struct Proxy {
        nodes: Vec<String>,
        next: AtomicUsize,
        http: reqwest::Client,
    }
    async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
        let n = proxy.next.fetch_add(1, Ordering::Relaxed) % proxy.nodes.len();
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, 16 << 20)
            .await
            .unwrap_or_default();
        let mut out = proxy.http.request(parts.method.clone(), &proxy.nodes[n]);
        for (name, value) in &parts.headers {
            if name != "host" && name != "content-length" {
                out = out.header(name, value);
            }
        }
        let res = match out.body(body).send().await {
            Ok(res) => res,
            Err(e) => {
                return Response::builder()
                    .status(502)
                    .body(Body::from(format!("proxy: {e}")))
                    .unwrap()
            }
        };
        let mut answer = Response::builder().status(res.status().as_u16());
        for (name, value) in res.headers() {
            if name != "content-length" && name != "transfer-encoding" {
                answer = answer.header(name, value);
            }
        }
        let chunks = futures::stream::unfold(res, |mut res| async move {
            match res.chunk().await {
                Ok(Some(bytes)) => Some((Ok::<_, reqwest::Error>(bytes), res)),
                _ => None,
            }
        });
        answer.body(Body::from_stream(chunks)).unwrap()
    }
    let proxy = Arc::new(Proxy {
        nodes,
        next: AtomicUsize::new(0),
        http: reqwest::Client::new(),
    });
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/mcp")
}

/// The official TypeScript client (2025-11-25, with its tasks API) passes
/// its flows against two nodes behind a round-robin proxy: every request of
/// its session may land on either node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MCP_TOOLS_DIR (the official MCP tools); .ci/run sets it"]
async fn the_official_typescript_client_passes_behind_a_round_robin_proxy() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let setup = Setup::default();
    let (a, b) = (
        Node::start(&redis, &setup).await,
        Node::start(&redis, &setup).await,
    );
    let url = round_robin(vec![a.url.clone(), b.url.clone()]).await;
    let dir = std::path::PathBuf::from(
        std::env::var_os("MCP_TOOLS_DIR").expect("MCP_TOOLS_DIR names the shared tools folder"),
    );
    let mut command = std::process::Command::new(dir.join("ts-tasks-client.sh"));
    command.arg(&url);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("the TypeScript client runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("{stdout}");
    assert!(
        output.status.success() && stdout.contains("0 failure(s)"),
        "ts-tasks-client behind the proxy failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Both nodes answered requests of the one session.
    assert!(stdout.contains("[ OK ] tools/call add"), "{stdout}");
}
