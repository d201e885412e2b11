//! MCP from a browser page, in real headless Chromium: a page served on
//! `http://localhost:PORT` calls endpoints on `http://127.0.0.1:PORT` (another
//! origin, so every call goes through CORS) with nothing configured: a
//! 2025-11-25 session read from `Mcp-Session-Id` (`initialize`, `tools/list`,
//! `tools/call` as JSON and as SSE, a background task to its result, DELETE),
//! the 2026-07-28 stateless flow (with an `Mcp-Param-*` header), and a call
//! that first gets a 401 whose `WWW-Authenticate` the script reads, follows
//! to the protected-resource metadata, and retries with its Bearer token. A
//! page on a disallowed origin (`http://evil.test`, resolved to 127.0.0.1) is
//! refused: its script sees only network errors, while an endpoint that lists
//! that origin answers the same page.
//!
//! Chromium is Debian's `chromium`: installed when missing and running as
//! root, else the test fails saying so (it never skips).

mod browser;
mod http_support;

use browser::{Browser, Pages};
use ferrymcp::auth::{AccessToken, AuthConfig, StaticTokenVerifier};
use ferrymcp::prelude::*;
use ferrymcp::transport::http::HttpOptions;
use serde_json::Value;
use std::time::Duration;

/// Adds two numbers.
#[tool(read_only)]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Logs and reports progress before answering (an SSE response).
#[tool]
async fn chatty(ctx: Ctx) -> String {
    ctx.info("starting").await;
    ctx.progress(1.0, Some(1.0), None).await;
    "done".into()
}

/// Squares a number, slowly: clients may run it as a background task.
#[tool(task = true)]
async fn square(x: i64) -> i64 {
    tokio::time::sleep(Duration::from_millis(300)).await;
    x * x
}

/// Says where the call was routed.
#[tool]
async fn route(
    /// The region; mirrored into `Mcp-Param-Region`.
    #[arg(header = "Region")]
    region: String,
) -> String {
    format!("routed to {region}")
}

/// Says who is calling.
#[tool]
async fn whoami(token: AccessToken) -> String {
    token.subject().unwrap_or("?").to_owned()
}

/// How long a page may take to report.
const WITHIN: Duration = Duration::from_secs(90);

/// The script shared by the pages: JSON-RPC over fetch, reading JSON or SSE.
const COMMON_JS: &str = r#"
const ACCEPT = 'application/json, text/event-stream';
async function rpc(url, message, headers) {
  const r = await fetch(url, {
    method: 'POST',
    headers: Object.assign({'Content-Type': 'application/json', 'Accept': ACCEPT}, headers || {}),
    body: JSON.stringify(message),
  });
  const type = r.headers.get('Content-Type') || '';
  const text = await r.text();
  let body = null;
  if (type.startsWith('text/event-stream')) {
    const data = text.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5).trim());
    body = data.length ? JSON.parse(data[data.length - 1]) : null;
  } else if (text) {
    try { body = JSON.parse(text); } catch (e) { body = text; }
  }
  return {
    status: r.status,
    type: type,
    session: r.headers.get('Mcp-Session-Id'),
    challenge: r.headers.get('WWW-Authenticate'),
    body: body,
  };
}
async function step(results, name, run) {
  try { results[name] = await run(); } catch (e) { results[name] = {thrown: e.name + ': ' + e.message}; }
}
async function report(results) {
  await fetch('/report', {method: 'POST', body: JSON.stringify(results)});
}
"#;

/// The page on the allowed origin.
const PAGE_JS: &str = r#"
const MCP = '__MCP__';
const AUTH_MCP = '__AUTH_MCP__';
(async () => {
  const results = {origin: location.origin};
  // 2025-11-25: a session.
  let session = null;
  const h = () => ({'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-11-25'});
  await step(results, 'initialize', async () => {
    const r = await rpc(MCP, {jsonrpc: '2.0', id: 1, method: 'initialize', params: {
      protocolVersion: '2025-11-25', capabilities: {}, clientInfo: {name: 'browser', version: '1'}}});
    session = r.session;
    return r;
  });
  await step(results, 'initialized', async () => {
    const r = await fetch(MCP, {method: 'POST', headers: Object.assign({'Content-Type': 'application/json',
      'Accept': ACCEPT}, h()), body: JSON.stringify({jsonrpc: '2.0', method: 'notifications/initialized'})});
    return {status: r.status};
  });
  await step(results, 'tools_list', () => rpc(MCP, {jsonrpc: '2.0', id: 2, method: 'tools/list'}, h()));
  await step(results, 'tools_call', () => rpc(MCP, {jsonrpc: '2.0', id: 3, method: 'tools/call',
    params: {name: 'add', arguments: {a: 2, b: 3}}}, h()));
  await step(results, 'tools_call_sse', () => rpc(MCP, {jsonrpc: '2.0', id: 4, method: 'tools/call',
    params: {name: 'chatty', arguments: {}, _meta: {progressToken: 'p'}}}, h()));
  await step(results, 'task_created', () => rpc(MCP, {jsonrpc: '2.0', id: 5, method: 'tools/call',
    params: {name: 'square', arguments: {x: 7}, task: {ttl: 60000}}}, h()));
  await step(results, 'task_result', () => {
    const id = results.task_created.body.result.task.taskId;
    return rpc(MCP, {jsonrpc: '2.0', id: 6, method: 'tasks/result', params: {taskId: id}}, h());
  });
  await step(results, 'delete', async () => {
    const r = await fetch(MCP, {method: 'DELETE', headers: h()});
    return {status: r.status};
  });
  // 2026-07-28: stateless, with the routing and parameter headers.
  const meta = {'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': {name: 'browser', version: '1'}};
  await step(results, 'discover', () => rpc(MCP, {jsonrpc: '2.0', id: 7, method: 'server/discover',
    params: {_meta: meta}}, {'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'server/discover'}));
  await step(results, 'stateless_call', () => rpc(MCP, {jsonrpc: '2.0', id: 8, method: 'tools/call',
    params: {name: 'route', arguments: {region: 'eu-west'}, _meta: meta}},
    {'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'route',
     'Mcp-Param-Region': 'eu-west'}));
  // With authorization: a readable challenge, the metadata, then the token.
  const init = {jsonrpc: '2.0', id: 9, method: 'initialize', params: {
    protocolVersion: '2025-11-25', capabilities: {}, clientInfo: {name: 'browser', version: '1'}}};
  await step(results, 'challenge', () => rpc(AUTH_MCP, init));
  await step(results, 'metadata', async () => {
    const m = /resource_metadata="([^"]+)"/.exec(results.challenge.challenge || '');
    const r = await fetch(m[1]);
    return {status: r.status, body: await r.json()};
  });
  let authSession = null;
  const bearer = () => ({'Authorization': 'Bearer browser-token', 'Mcp-Session-Id': authSession,
    'MCP-Protocol-Version': '2025-11-25'});
  await step(results, 'auth_initialize', async () => {
    const r = await rpc(AUTH_MCP, init, {'Authorization': 'Bearer browser-token'});
    authSession = r.session;
    return r;
  });
  await step(results, 'auth_call', () => rpc(AUTH_MCP, {jsonrpc: '2.0', id: 10, method: 'tools/call',
    params: {name: 'whoami', arguments: {}}}, bearer()));
  await report(results);
})();
"#;

/// The page on the disallowed origin.
const EVIL_JS: &str = r#"
const MCP = '__MCP__';
const LISTED_MCP = '__LISTED_MCP__';
(async () => {
  const results = {origin: location.origin};
  await step(results, 'initialize', () => rpc(MCP, {jsonrpc: '2.0', id: 1, method: 'initialize', params: {
    protocolVersion: '2025-11-25', capabilities: {}, clientInfo: {name: 'evil', version: '1'}}}));
  // A request a browser sends without a preflight.
  await step(results, 'simple_post', async () => {
    const r = await fetch(MCP, {method: 'POST', headers: {'Content-Type': 'text/plain'},
      body: JSON.stringify({jsonrpc: '2.0', id: 2, method: 'tools/list'})});
    return {status: r.status, body: await r.text()};
  });
  // The control: an endpoint that lists this origin.
  await step(results, 'listed', () => rpc(LISTED_MCP, {jsonrpc: '2.0', id: 3, method: 'initialize',
    params: {protocolVersion: '2025-11-25', capabilities: {}, clientInfo: {name: 'evil', version: '1'}}}));
  await report(results);
})();
"#;

fn page(script: &str) -> String {
    format!("<!doctype html><html><body><script>{COMMON_JS}{script}</script></body></html>")
}

/// The endpoint the way the quickstart serves it: nested at `/mcp`, default options.
async fn open_endpoint() -> String {
    endpoint_with(HttpOptions::default()).await
}

async fn endpoint_with(options: HttpOptions) -> String {
    let server = Server::builder("browser")
        .tools(tools![add, chatty, square, route])
        .build()
        .await
        .expect("the server builds");
    let app = axum::Router::new().nest("/mcp", server.router_with(options));
    format!("{}/mcp", http_support::spawn(app).await)
}

/// An endpoint with authorization and its metadata, as `Server::serve` mounts them.
async fn protected_endpoint() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    let resource = format!("{base}/mcp");
    let auth = AuthConfig::builder(StaticTokenVerifier::new().token(
        "browser-token",
        AccessToken::builder().subject("browser-user"),
    ))
    .resource(&resource)
    .authorization_server("http://127.0.0.1:9")
    .build()
    .expect("the auth configuration builds");
    let server = Server::builder("browser-auth")
        .auth(auth)
        .tools(tools![whoami])
        .build()
        .await
        .expect("the server builds");
    let app = server.router_at("/mcp").merge(server.well_known_router());
    tokio::spawn(ferrymcp::transport::http::serve(listener, app));
    resource
}

fn text(reply: &Value) -> String {
    reply["body"]["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("a text result: {reply:#}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_another_loopback_origin_speaks_mcp_through_cors() {
    let mcp = open_endpoint().await;
    let auth_mcp = protected_endpoint().await;
    let script = PAGE_JS
        .replace("__MCP__", &mcp)
        .replace("__AUTH_MCP__", &auth_mcp);
    let mut pages = Pages::serve(vec![("page", page(&script))]).await;
    let mut chromium = Browser::open(&format!("http://localhost:{}/page", pages.port), &[]);
    let r = pages.report(&mut chromium, WITHIN).await;
    drop(chromium);
    let show = format!("{r:#}");
    assert_eq!(
        r["origin"],
        format!("http://localhost:{}", pages.port),
        "{show}"
    );

    // 2025-11-25 session.
    let init = &r["initialize"];
    assert_eq!(init["status"], 200, "{show}");
    assert_eq!(
        init["body"]["result"]["protocolVersion"], "2025-11-25",
        "{show}"
    );
    assert!(
        init["session"].as_str().is_some_and(|s| !s.is_empty()),
        "the script reads Mcp-Session-Id: {show}"
    );
    assert_eq!(r["initialized"]["status"], 202, "{show}");
    let names: Vec<&str> = r["tools_list"]["body"]["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{show}"))
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["add", "chatty", "square", "route"], "{show}");
    assert_eq!(text(&r["tools_call"]), "5", "{show}");
    assert!(
        r["tools_call_sse"]["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("text/event-stream")),
        "{show}"
    );
    assert_eq!(text(&r["tools_call_sse"]), "done", "{show}");
    let task = &r["task_created"]["body"]["result"]["task"];
    assert_eq!(task["status"], "working", "{show}");
    assert_eq!(text(&r["task_result"]), "49", "{show}");
    assert_eq!(
        r["task_result"]["body"]["result"]["_meta"]["io.modelcontextprotocol/related-task"]
            ["taskId"],
        task["taskId"],
        "{show}"
    );
    assert!(
        [200, 204].contains(&r["delete"]["status"].as_u64().unwrap_or(0)),
        "{show}"
    );

    // 2026-07-28 stateless.
    assert_eq!(r["discover"]["status"], 200, "{show}");
    assert!(
        r["discover"]["body"]["result"]["supportedVersions"]
            .as_array()
            .is_some_and(|v| v.iter().any(|v| v == "2026-07-28")),
        "{show}"
    );
    assert_eq!(r["stateless_call"]["status"], 200, "{show}");
    assert_eq!(
        r["stateless_call"]["body"]["result"]["resultType"], "complete",
        "{show}"
    );
    assert_eq!(text(&r["stateless_call"]), "routed to eu-west", "{show}");

    // Authorization: the 401 challenge is readable, then the token works.
    assert_eq!(r["challenge"]["status"], 401, "{show}");
    let challenge = r["challenge"]["challenge"].as_str().unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer ") && challenge.contains("resource_metadata="),
        "the script reads WWW-Authenticate: {show}"
    );
    assert_eq!(r["metadata"]["status"], 200, "{show}");
    assert_eq!(r["metadata"]["body"]["resource"], auth_mcp, "{show}");
    assert_eq!(r["auth_initialize"]["status"], 200, "{show}");
    assert!(r["auth_initialize"]["session"].is_string(), "{show}");
    assert_eq!(text(&r["auth_call"]), "browser-user", "{show}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_a_disallowed_origin_is_refused() {
    let mcp = open_endpoint().await;
    // The pages' port is known once they are served; the script asks for it.
    let mut pages = Pages::serve_later().await;
    let evil = format!("http://evil.test:{}", pages.port);
    let listed = endpoint_with(HttpOptions::new().allowed_origins([evil.as_str()])).await;
    let script = EVIL_JS
        .replace("__MCP__", &mcp)
        .replace("__LISTED_MCP__", &listed);
    pages.add("evil", page(&script));
    let mut chromium = Browser::open(
        &format!("http://evil.test:{}/evil", pages.port),
        &["--host-resolver-rules=MAP evil.test 127.0.0.1"],
    );
    let r = pages.report(&mut chromium, WITHIN).await;
    drop(chromium);
    let show = format!("{r:#}");
    assert_eq!(
        r["origin"],
        format!("http://evil.test:{}", pages.port),
        "{show}"
    );
    // The script learns nothing: a network error, no status, no body.
    for step in ["initialize", "simple_post"] {
        assert!(
            r[step]["thrown"]
                .as_str()
                .is_some_and(|e| e.starts_with("TypeError")),
            "{step} must fail as a network error: {show}"
        );
    }
    // The same page reaches an endpoint that lists its origin: the refusal
    // above is the allow-list's.
    assert_eq!(r["listed"]["status"], 200, "{show}");
    assert!(r["listed"]["session"].is_string(), "{show}");
}
