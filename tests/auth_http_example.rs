//! The `auth` example as its README uses it: served over HTTP with a JWT
//! verifier, called with a token its `--mint-token` printed; and the same
//! tools over stdio, where there are no tokens and scoped tools say so.

mod http_support;
mod idp_support;

use ferrymcp_tests::stdio::example_binary;
use http_support::{read, Reply};
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

const SECRET: &str = "a-test-secret-for-the-auth-example-0123";

/// Turns a hang into a failure; not a timing assertion.
const LIMIT: Duration = Duration::from_secs(60);

/// Starts the example with `args`, stdin and stdout piped.
fn start(args: &[&str]) -> Child {
    Command::new(example_binary("auth"))
        .args(args)
        .env_remove("FERRYMCP_AUTH_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the example starts")
}

/// Runs the example to completion and returns its stdout, trimmed.
async fn output(args: &[&str]) -> String {
    let out = tokio::time::timeout(
        LIMIT,
        Command::new(example_binary("auth"))
            .args(args)
            .stderr(Stdio::null())
            .output(),
    )
    .await
    .expect("the example finished")
    .expect("the example ran");
    assert!(out.status.success(), "{args:?} failed");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

async fn call(url: &str, token: Option<&str>, tool: &str, arguments: Value) -> Reply {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": tool, "arguments": arguments, "_meta": http_support::meta()}});
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", tool)
        .body(body.to_string());
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    read(req.send().await.expect("sent")).await
}

#[tokio::test]
async fn the_readme_flow_works_over_http() {
    let mut server = start(&["--bind", "127.0.0.1:0", "--secret", SECRET]);
    let mut stdout = BufReader::new(server.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(LIMIT, stdout.next_line())
        .await
        .expect("the example printed its URL")
        .unwrap()
        .expect("a line");
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/mcp"),
        "{url}"
    );

    // No token: 401 pointing at the metadata, which is served.
    let reply = call(&url, None, "whoami", json!({})).await;
    assert_eq!(reply.status, 401);
    let metadata_url = url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp");
    assert_eq!(
        reply.header("www-authenticate"),
        Some(format!(r#"Bearer resource_metadata="{metadata_url}""#).as_str())
    );
    let doc: Value = serde_json::from_str(
        &reqwest::get(&metadata_url)
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(doc["resource"], url.as_str());
    assert_eq!(doc["scopes_supported"], json!(["notes:write"]));

    // A minted token without the scope: whoami works, add_note is 403.
    let plain = output(&[
        "--mint-token",
        "alice",
        "--resource",
        &url,
        "--secret",
        SECRET,
    ])
    .await;
    let reply = call(&url, Some(&plain), "whoami", json!({})).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let who = &reply.json()["result"]["structuredContent"];
    assert_eq!(who["subject"], "alice");
    assert_eq!(who["scopes"], json!([]));
    let reply = call(&url, Some(&plain), "add_note", json!({"text": "hi"})).await;
    assert_eq!(reply.status, 403, "{reply:?}");
    assert!(reply
        .header("www-authenticate")
        .unwrap()
        .starts_with(r#"Bearer error="insufficient_scope", scope="notes:write""#));

    // With the scope.
    let writer = output(&[
        "--mint-token",
        "alice",
        "--scope",
        "notes:write",
        "--resource",
        &url,
        "--secret",
        SECRET,
    ])
    .await;
    let reply = call(&url, Some(&writer), "add_note", json!({"text": "hi"})).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json()["result"]["content"][0]["text"],
        "note 1 added by alice"
    );
    let reply = call(&url, Some(&plain), "list_notes", json!({})).await;
    assert_eq!(
        reply.json()["result"]["structuredContent"]["result"],
        json!(["alice: hi"])
    );

    // A token signed with another secret is refused.
    let forged = output(&[
        "--mint-token",
        "alice",
        "--resource",
        &url,
        "--secret",
        "some-other-secret-of-at-least-32-bytes",
    ])
    .await;
    let reply = call(&url, Some(&forged), "whoami", json!({})).await;
    assert_eq!(reply.status, 401);
    assert!(reply
        .header("www-authenticate")
        .unwrap()
        .starts_with(r#"Bearer error="invalid_token""#));
}

#[tokio::test]
async fn over_stdio_without_auth_scoped_tools_give_a_clear_error() {
    let mut server = start(&["--stdio"]);
    let mut stdin = server.stdin.take().unwrap();
    let mut stdout = BufReader::new(server.stdout.take().unwrap()).lines();
    let mut responses = Vec::new();
    for message in [
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "add_note", "arguments": {"text": "hi"}}}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "whoami", "arguments": {}}}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "list_notes", "arguments": {}}}),
    ] {
        let expects_answer = message.get("id").is_some();
        let line = format!("{message}\n");
        stdin.write_all(line.as_bytes()).await.unwrap();
        stdin.flush().await.unwrap();
        if expects_answer {
            let line = tokio::time::timeout(LIMIT, stdout.next_line())
                .await
                .expect("an answer")
                .unwrap()
                .expect("a line");
            responses.push(serde_json::from_str::<Value>(&line).unwrap());
        }
    }
    let add = &responses[1]["result"];
    assert_eq!(add["isError"], true, "{add}");
    assert_eq!(
        add["content"][0]["text"],
        "Forbidden: tool `add_note` needs the scopes `notes:write`, and the call carries no access token"
    );
    let who = &responses[2]["result"];
    assert_eq!(who["isError"], true, "{who}");
    assert!(
        who["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("needs an access token"),
        "{who}"
    );
    assert_eq!(
        responses[3]["result"]["structuredContent"]["result"],
        json!([])
    );
    drop(stdin);
    let status = tokio::time::timeout(LIMIT, server.wait())
        .await
        .expect("the server exits when stdin closes")
        .unwrap();
    assert!(status.success());
}

/// Starts the example with `args` and returns it with the URL it printed.
async fn serving(args: &[&str]) -> (Child, String) {
    let mut server = start(args);
    let mut stdout = BufReader::new(server.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(LIMIT, stdout.next_line())
        .await
        .expect("the example printed its URL")
        .unwrap()
        .expect("a line");
    (server, url)
}

/// The test identity provider's certificate, in a file for `--ca-cert`.
fn ca_file(cert: &idp_support::TestCert, name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("ferrymcp-{}-{name}.pem", std::process::id()));
    std::fs::write(&path, &cert.pem).unwrap();
    path
}

#[tokio::test]
async fn issuer_flag_verifies_a_providers_jwts_over_tls() {
    use idp_support::auth_support::{claims, TestKey};
    let cert = idp_support::TestCert::generate();
    let idp = idp_support::Idp::start_tls(&cert).await;
    let ca = ca_file(&cert, "issuer");
    let (_server, url) = serving(&[
        "--bind",
        "127.0.0.1:0",
        "--issuer",
        &idp.url,
        "--ca-cert",
        ca.to_str().unwrap(),
    ])
    .await;
    let mut c = claims();
    c["iss"] = json!(idp.url);
    c["aud"] = json!(url);
    let reply = call(&url, Some(&TestKey::RsaA.mint(&c)), "whoami", json!({})).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json()["result"]["structuredContent"]["subject"],
        "alice"
    );
    // The metadata names the provider as the authorization server.
    let metadata_url = url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp");
    let doc: Value = serde_json::from_str(
        &reqwest::get(&metadata_url)
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(doc["authorization_servers"], json!([idp.url]));
    let _ = std::fs::remove_file(ca);
}

#[tokio::test]
async fn introspect_flag_accepts_opaque_tokens() {
    let cert = idp_support::TestCert::generate();
    let idp = idp_support::Idp::start_tls(&cert).await;
    idp.issue_opaque(
        "opaque-1",
        json!({"sub": "bob", "scope": "notes:write", "exp": idp_support::auth_support::now() + 600}),
    );
    let ca = ca_file(&cert, "introspect");
    let endpoint = format!("{}/introspect", idp.url);
    let (_server, url) = serving(&[
        "--bind",
        "127.0.0.1:0",
        "--introspect",
        &endpoint,
        "--authorization-server",
        &idp.url,
        "--client-id",
        idp_support::CLIENT_ID,
        "--client-secret",
        idp_support::CLIENT_SECRET,
        "--ca-cert",
        ca.to_str().unwrap(),
    ])
    .await;
    let reply = call(&url, Some("opaque-1"), "add_note", json!({"text": "hi"})).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json()["result"]["content"][0]["text"],
        "note 1 added by bob"
    );
    let reply = call(&url, Some("opaque-unknown"), "whoami", json!({})).await;
    assert_eq!(reply.status, 401);
    let _ = std::fs::remove_file(ca);
}
