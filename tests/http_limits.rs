//! Per-caller limits on real sockets: open sessions, GET streams and
//! `subscriptions/listen` streams per identity (per client address without
//! one). Over a limit: 429, `Retry-After`, and a JSON-RPC error naming the
//! limit; another caller still gets through. Behind a trusted reverse proxy
//! the client address comes from `X-Forwarded-For` / `Forwarded`.
//!
//! The two client addresses that are not loopback are this machine's LAN
//! addresses (IPv4 and IPv6): a connection to them from here comes from them.

mod http_support;

use ferrymcp::auth::{AccessToken, AuthConfig, StaticTokenVerifier};
use ferrymcp::prelude::*;
use ferrymcp::transport::http::HttpOptions;
use http_support::*;
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// This machine's non-loopback address of one family (the one its default
/// route leaves from).
fn lan_address(probe: &str) -> IpAddr {
    let bind = if probe.starts_with('[') {
        "[::]:0"
    } else {
        "0.0.0.0:0"
    };
    let socket = std::net::UdpSocket::bind(bind).expect("bind a UDP socket");
    // No packet is sent: connecting a UDP socket only picks the route.
    socket
        .connect(probe)
        .unwrap_or_else(|e| panic!("this test needs a route to {probe} on this machine: {e}"));
    let ip = socket.local_addr().expect("local address").ip();
    assert!(
        !ip.is_loopback() && !ip.is_unspecified(),
        "this test needs a non-loopback address on this machine, found {ip}"
    );
    ip
}

fn lan_v4() -> IpAddr {
    lan_address("8.8.8.8:53")
}

fn lan_v6() -> IpAddr {
    lan_address("[2001:4860:4860::8888]:53")
}

/// The test server's endpoint on every interface (IPv6 and IPv4); its port.
async fn serve(server: Server, options: HttpOptions) -> u16 {
    let listener = tokio::net::TcpListener::bind("[::]:0")
        .await
        .expect("bind [::]:0");
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(ferrymcp::transport::http::serve(
        listener,
        server.router_at_with("/mcp", options),
    ));
    port
}

async fn serve_test_server(options: HttpOptions) -> u16 {
    serve(server().await.0, options).await
}

/// The endpoint's URL at `ip`; a connection to it comes from `ip`.
fn url(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(ip) => format!("http://{ip}:{port}/mcp"),
        IpAddr::V6(ip) => format!("http://[{ip}]:{port}/mcp"),
    }
}

fn loopback(port: u16) -> String {
    url(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
}

fn initialize() -> String {
    json!({"jsonrpc": "2.0", "id": 7, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}})
    .to_string()
}

/// Opens a session; the reply (its session id in `mcp-session-id` on 200).
async fn open(url: &str, headers: &[(&str, &str)]) -> Reply {
    post(url, headers, initialize()).await
}

fn session_id(reply: &Reply) -> String {
    reply
        .header("mcp-session-id")
        .unwrap_or_else(|| panic!("a session id: {reply:?}"))
        .to_owned()
}

/// A response that must be a refusal: read to its end only if it is one (a
/// stream that was let through would never end).
async fn refusal(response: reqwest::Response) -> Reply {
    assert_eq!(
        response.status(),
        429,
        "a stream over the limit was opened: {response:?}"
    );
    read(response).await
}

/// Checks a 429: `Retry-After`, and a JSON-RPC error whose message names `limit`.
fn assert_too_many(reply: &Reply, limit: &str) {
    assert_eq!(reply.status, 429, "{reply:?}");
    let retry: u64 = reply
        .header("retry-after")
        .unwrap_or_else(|| panic!("a Retry-After header: {reply:?}"))
        .parse()
        .expect("Retry-After in seconds");
    assert!(retry >= 1, "{reply:?}");
    let body: Value = serde_json::from_str(&reply.body).expect("a JSON body");
    assert_eq!(body["jsonrpc"], "2.0");
    let message = body["error"]["message"].as_str().expect("an error message");
    assert!(message.contains(limit), "{message}");
}

#[tokio::test]
async fn a_client_address_gets_100_sessions_and_others_still_get_theirs() {
    let port = serve_test_server(HttpOptions::default()).await;
    let v4 = url(lan_v4(), port);
    let mut ids = Vec::new();
    for _ in 0..100 {
        let reply = open(&v4, &[]).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        ids.push(session_id(&reply));
    }
    let over = open(&v4, &[]).await;
    assert_too_many(&over, "max_sessions_per_caller");
    assert!(over.body.contains("100"), "{}", over.body);
    assert_eq!(over.json()["id"], 7, "the error answers the request");

    // Another client address, and this machine itself, still get through.
    let v6 = open(&url(lan_v6(), port), &[]).await;
    assert_eq!(v6.status, 200, "{v6:?}");
    let local = open(&loopback(port), &[]).await;
    assert_eq!(local.status, 200, "{local:?}");

    // Ending a session makes room for the next.
    let ended = read(
        client()
            .delete(&v4)
            .header("mcp-session-id", &ids[0])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ended.status, 204, "{ended:?}");
    let again = open(&v4, &[]).await;
    assert_eq!(again.status, 200, "{again:?}");
}

/// Opens the session's GET stream; the response is kept open by the caller.
async fn get_stream(url: &str, sid: &str) -> reqwest::Response {
    client()
        .get(url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", sid)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .expect("the GET is sent")
}

#[tokio::test]
async fn a_client_address_gets_32_get_streams() {
    // Keep-alives make the server notice a closed stream quickly.
    let options = HttpOptions::new().sse_keep_alive(Some(Duration::from_millis(50)));
    let port = serve_test_server(options).await;
    let v4 = url(lan_v4(), port);
    let mut sessions = Vec::new();
    for _ in 0..33 {
        sessions.push(session_id(&open(&v4, &[]).await));
    }
    let mut streams = Vec::new();
    for sid in &sessions[..32] {
        let stream = get_stream(&v4, sid).await;
        assert_eq!(stream.status(), 200);
        streams.push(stream);
    }
    let over = refusal(get_stream(&v4, &sessions[32]).await).await;
    assert_too_many(&over, "max_get_streams_per_caller");

    let v6 = url(lan_v6(), port);
    let other = session_id(&open(&v6, &[]).await);
    let theirs = get_stream(&v6, &other).await;
    assert_eq!(theirs.status(), 200);

    // Closing a stream makes room for another.
    drop(streams.pop());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let reply = get_stream(&v4, &sessions[32]).await;
        if reply.status() == 200 {
            break;
        }
        assert_eq!(reply.status(), 429);
        assert!(
            tokio::time::Instant::now() < deadline,
            "a closed stream was never released"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Opens a `subscriptions/listen` stream; kept open by the caller.
async fn listen(url: &str, id: i64) -> reqwest::Response {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "subscriptions/listen", "params": {
        "_meta": meta(), "notifications": {"toolsListChanged": true}}});
    client()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "subscriptions/listen")
        .body(body.to_string())
        .send()
        .await
        .expect("the listen request is sent")
}

#[tokio::test]
async fn a_client_address_gets_16_listen_streams() {
    let options = HttpOptions::new().sse_keep_alive(Some(Duration::from_millis(50)));
    let port = serve_test_server(options).await;
    let v4 = url(lan_v4(), port);
    let mut streams = Vec::new();
    for id in 0..16 {
        let stream = listen(&v4, id).await;
        assert_eq!(stream.status(), 200);
        streams.push(stream);
    }
    let over = refusal(listen(&v4, 99).await).await;
    assert_too_many(&over, "max_listen_streams_per_caller");
    assert_eq!(over.json()["id"], 99);

    let theirs = listen(&url(lan_v6(), port), 1).await;
    assert_eq!(theirs.status(), 200);
    let local = listen(&loopback(port), 1).await;
    assert_eq!(local.status(), 200);

    drop(streams.pop());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut reopened = loop {
        let reply = listen(&v4, 100).await;
        if reply.status() == 200 {
            break reply;
        }
        assert_eq!(reply.status(), 429);
        assert!(
            tokio::time::Instant::now() < deadline,
            "a closed listen stream was never released"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let first = tokio::time::timeout(Duration::from_secs(5), reopened.chunk())
        .await
        .expect("the acknowledgement in time")
        .expect("the stream reads")
        .expect("a chunk");
    assert!(
        String::from_utf8_lossy(&first).contains("notifications/subscriptions/acknowledged"),
        "{first:?}"
    );
}

async fn auth_server() -> Server {
    let person = |sub: &str| AccessToken::builder().issuer("https://as").subject(sub);
    let verifier = StaticTokenVerifier::new()
        .token("alice-1", person("alice"))
        .token("alice-2", person("alice"))
        .token("bob", person("bob"));
    let auth = AuthConfig::builder(verifier)
        .resource("http://127.0.0.1/mcp")
        .authorization_server("https://as")
        .build()
        .unwrap();
    Server::builder("limits")
        .auth(auth)
        .tools(tools![add])
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn with_tokens_the_limits_count_per_identity() {
    let port = serve(
        auth_server().await,
        HttpOptions::new().max_sessions_per_caller(2),
    )
    .await;
    let url = loopback(port);
    let alice_1 = [("authorization", "Bearer alice-1")];
    let alice_2 = [("authorization", "Bearer alice-2")];
    assert_eq!(open(&url, &alice_1).await.status, 200);
    // A refreshed token of the same identity counts with the first.
    assert_eq!(open(&url, &alice_2).await.status, 200);
    let over = open(&url, &alice_1).await;
    assert_too_many(&over, "max_sessions_per_caller");
    assert!(over.body.contains("this identity"), "{}", over.body);
    // Bob, on the same address, gets his own.
    let bob = open(&url, &[("authorization", "Bearer bob")]).await;
    assert_eq!(bob.status, 200, "{bob:?}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_counted() {
    let options = HttpOptions::new()
        .trusted_proxies([
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ])
        .max_sessions_per_caller(2);
    let port = serve_test_server(options).await;
    let proxy = loopback(port);
    // What the client sent (a made-up address), then what the proxy appended.
    let client_a = [("x-forwarded-for", "198.51.100.1, 203.0.113.7")];
    assert_eq!(open(&proxy, &client_a).await.status, 200);
    assert_eq!(
        open(&proxy, &[("x-forwarded-for", "203.0.113.7")])
            .await
            .status,
        200
    );
    // RFC 7239 names the same client.
    let over = open(&proxy, &[("forwarded", "for=203.0.113.7;proto=https")]).await;
    assert_too_many(&over, "max_sessions_per_caller");
    assert!(over.body.contains("203.0.113.7"), "{}", over.body);
    // Other clients of the proxy.
    let client_b = open(&proxy, &[("x-forwarded-for", "198.51.100.1, 203.0.113.8")]).await;
    assert_eq!(client_b.status, 200, "{client_b:?}");
    let client_c = open(&proxy, &[("forwarded", "for=\"[2001:db8::7]:4711\"")]).await;
    assert_eq!(client_c.status, 200, "{client_c:?}");
    // The proxy itself (no forwarded header) is never throttled.
    for _ in 0..4 {
        assert_eq!(open(&proxy, &[]).await.status, 200);
    }

    // A peer that is not a trusted proxy cannot choose its address.
    let lan = url(lan_v4(), port);
    assert_eq!(
        open(&lan, &[("x-forwarded-for", "192.0.2.101")])
            .await
            .status,
        200
    );
    assert_eq!(
        open(&lan, &[("x-forwarded-for", "192.0.2.102")])
            .await
            .status,
        200
    );
    let spoofed = open(&lan, &[("x-forwarded-for", "192.0.2.103")]).await;
    assert_too_many(&spoofed, "max_sessions_per_caller");
    assert!(
        spoofed.body.contains("trusted_proxies"),
        "a proxy that is not listed is told how to list it: {}",
        spoofed.body
    );
}

#[tokio::test]
async fn limits_by_address_can_be_switched_off() {
    let options = HttpOptions::new()
        .max_sessions_per_caller(1)
        .limit_by_peer_address(false);
    let port = serve_test_server(options).await;
    let lan = url(lan_v4(), port);
    for _ in 0..3 {
        let reply = open(&lan, &[]).await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
}
