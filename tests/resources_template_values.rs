//! Values of URI template placeholders over HTTP on a real socket: a
//! `{name}` value is one path segment, so a decoded `/`, `\`, a `..`
//! segment or NUL is refused with -32602 before the resource runs; a
//! template that takes a path says so with RFC 6570 reserved expansion,
//! `{+name}`, which accepts `/` but still no `..` segment, no absolute path
//! and no NUL.

mod http_support;

use ferrymcp::prelude::*;
use ferrymcp::{resource, resources};
use http_support::{spawn, stateless, LegacySession};
use serde_json::{json, Value};

/// One record by id.
#[resource(uri = "test://template/{id}/data", mime_type = "text/plain")]
async fn record(id: String) -> String {
    format!("record {id}")
}

/// A file under the served folder.
#[resource(uri = "files:///{+path}", mime_type = "text/plain")]
async fn file(path: String) -> String {
    format!("file {path}")
}

async fn serve() -> String {
    let server = Server::builder("template-values")
        .resources(resources![record, file])
        .build()
        .await
        .unwrap();
    let base = spawn(ferrymcp::transport::http::Router::new().nest("/mcp", server.router())).await;
    format!("{base}/mcp")
}

/// Reads `uri` over a 2025-11-25 session and over 2026-07-28; returns both
/// response bodies.
async fn read_both(url: &str, session: &mut LegacySession, uri: &str) -> [Value; 2] {
    let old = session
        .request("resources/read", json!({"uri": uri}))
        .await
        .json();
    let new = stateless(url, 9, "resources/read", json!({"uri": uri}))
        .await
        .json();
    [old, new]
}

/// The text a read of `uri` returned, on both revisions.
async fn text(url: &str, session: &mut LegacySession, uri: &str) -> String {
    let [old, new] = read_both(url, session, uri).await;
    let text = old["result"]["contents"][0]["text"].clone();
    assert_eq!(text, new["result"]["contents"][0]["text"], "{uri}: {new}");
    text.as_str()
        .unwrap_or_else(|| panic!("{uri} was not read: {old}"))
        .to_owned()
}

/// The -32602 message a read of `uri` got, on both revisions.
async fn refused(url: &str, session: &mut LegacySession, uri: &str) -> String {
    let [old, new] = read_both(url, session, uri).await;
    for body in [&old, &new] {
        assert_eq!(body["error"]["code"], -32602, "{uri}: {body}");
    }
    old["error"]["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_placeholder_value_is_one_segment_and_never_climbs() {
    let url = serve().await;
    let (mut session, _) = LegacySession::open(&url, "2025-11-25").await;
    assert_eq!(
        text(&url, &mut session, "test://template/123/data").await,
        "record 123"
    );
    assert_eq!(
        text(&url, &mut session, "test://template/a%20b.c/data").await,
        "record a b.c"
    );
    for (uri, what) in [
        ("test://template/..%2F..%2Fetc/data", "`/`"),
        ("test://template/a%2fb/data", "`/`"),
        ("test://template/..%5C..%5Cetc/data", "`\\`"),
        ("test://template/%2E%2E/data", "`..`"),
        ("test://template/../data", "`..`"),
        ("test://template/a%00b/data", "NUL"),
    ] {
        let message = refused(&url, &mut session, uri).await;
        assert!(
            message.contains("`{id}`") && message.contains(what),
            "{uri}: {message}"
        );
    }
    // Not a match at all: still "not found" (-32002 before 2026-07-28).
    let [old, _] = read_both(&url, &mut session, "test://template/1/2/data").await;
    assert_eq!(old["error"]["code"], -32002, "{old}");
}

#[tokio::test]
async fn a_reserved_placeholder_takes_a_path_but_never_climbs() {
    let url = serve().await;
    let (mut session, _) = LegacySession::open(&url, "2025-11-25").await;
    assert_eq!(
        text(&url, &mut session, "files:///src/lib.rs").await,
        "file src/lib.rs"
    );
    assert_eq!(
        text(&url, &mut session, "files:///notes/a%20b/c.d..e.txt").await,
        "file notes/a b/c.d..e.txt"
    );
    for (uri, what) in [
        ("files:///src/../../etc/passwd", "`..`"),
        ("files:///src/%2E%2E/%2e%2e/etc/passwd", "`..`"),
        ("files:///..", "`..`"),
        ("files:///src\\..\\..\\secret", "`..`"),
        ("files:////etc/passwd", "absolute"),
        ("files:///%2Fetc/passwd", "absolute"),
        ("files:///a%00.txt", "NUL"),
    ] {
        let message = refused(&url, &mut session, uri).await;
        assert!(
            message.contains("`{+path}`") && message.contains(what),
            "{uri}: {message}"
        );
    }
}

#[tokio::test]
async fn subscribing_to_a_refused_value_is_refused() {
    let url = serve().await;
    let (mut session, _) = LegacySession::open(&url, "2025-11-25").await;
    let ok = session
        .request(
            "resources/subscribe",
            json!({"uri": "test://template/7/data"}),
        )
        .await
        .json();
    assert_eq!(ok["result"], json!({}), "{ok}");
    let bad = session
        .request(
            "resources/subscribe",
            json!({"uri": "test://template/..%2Fx/data"}),
        )
        .await
        .json();
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
}
