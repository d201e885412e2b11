//! Caps on open connections, total and per client address, refuse what is
//! over them at once with 503 and `Retry-After`, never queue it, and free
//! their places when connections close. Behind a trusted reverse proxy the
//! per-client cap counts the client the proxy names, not the proxy.

mod raw_http;

use ferrymcp::transport::http::{IpRange, ServeOptions};
use raw_http::*;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::time::{timeout, Instant};

const SAFETY: Duration = Duration::from_secs(20);

/// A connection from `from` that has been served once (so it is open and
/// counted).
async fn served_connection(from: [u8; 4], addr: SocketAddr, id: u64) -> Client {
    let mut client = connect_from(from, addr).await;
    client.send(&add_request(id, 1, 1)).await.expect("sent");
    let response = timeout(SAFETY, client.response())
        .await
        .expect("an answer")
        .expect("a response");
    assert_eq!(response.status, 200, "{}", response.text());
    client
}

/// Asserts that a new connection from `from` is answered 503 with
/// `Retry-After` and closed, without being read from.
async fn assert_refused(from: [u8; 4], addr: SocketAddr) {
    let mut client = connect_from(from, addr).await;
    let response = timeout(SAFETY, client.response())
        .await
        .expect("a refusal comes at once")
        .expect("a 503 response");
    assert_eq!(response.status, 503, "{}", response.text());
    assert_eq!(response.header("retry-after"), Some("1"));
    assert_eq!(response.header("connection"), Some("close"));
    assert_eq!(timeout(SAFETY, client.until_closed()).await, Ok(0));
}

/// Waits until a new connection from `from` is served (a closed
/// connection's place is freed once the server sees it close).
async fn eventually_served(from: [u8; 4], addr: SocketAddr) {
    let deadline = Instant::now() + SAFETY;
    loop {
        let mut client = connect_from(from, addr).await;
        client.send(&add_request(9, 4, 5)).await.expect("sent");
        match client.response().await {
            Ok(r) if r.status == 200 => return,
            // Refused (the answer, or a reset when the refusal closed the
            // socket as the request came in): try again.
            other if Instant::now() < deadline => drop(other),
            other => panic!("a freed place is not given back: {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn connections_over_the_per_peer_cap_get_503_and_are_closed() {
    let (addr, _) = spawn(ServeOptions::new().max_connections_per_peer(Some(3))).await;
    let mut held = Vec::new();
    for id in 0..3 {
        held.push(served_connection([127, 0, 0, 1], addr, id).await);
    }
    assert_refused([127, 0, 0, 1], addr).await;
    // Another address is not affected, and the held connections still serve.
    let _other = served_connection([127, 0, 0, 2], addr, 10).await;
    held[0].send(&add_request(11, 2, 2)).await.expect("sent");
    assert_eq!(sum_of(&held[0].response().await.expect("served")), Some(4));
    // Closing one gives its place back.
    held.pop();
    eventually_served([127, 0, 0, 1], addr).await;
}

#[tokio::test]
async fn connections_over_the_total_cap_get_503_and_are_closed() {
    let (addr, _) = spawn(
        ServeOptions::new()
            .max_connections(3)
            .max_connections_per_peer(None),
    )
    .await;
    let mut held = vec![
        served_connection([127, 0, 0, 1], addr, 1).await,
        served_connection([127, 0, 0, 2], addr, 2).await,
        served_connection([127, 0, 0, 3], addr, 3).await,
    ];
    assert_refused([127, 0, 0, 4], addr).await;
    assert_refused([127, 0, 0, 1], addr).await;
    held.remove(1);
    eventually_served([127, 0, 0, 4], addr).await;
}

#[tokio::test]
async fn the_per_peer_cap_can_be_turned_off() {
    allow_open_files(2_000);
    let (addr, _) = spawn(ServeOptions::new().max_connections_per_peer(None)).await;
    let mut held = Vec::new();
    // More than the default cap of 256, all from 127.0.0.1.
    for id in 0..300 {
        held.push(served_connection([127, 0, 0, 1], addr, id).await);
    }
    assert_eq!(held.len(), 300);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_is_capped() {
    let proxy: IpRange = "127.0.0.1".parse().expect("an address");
    let (addr, probes) = spawn(
        ServeOptions::new()
            .max_connections_per_peer(Some(2))
            .trusted_proxies([proxy]),
    )
    .await;
    let client_a = "X-Forwarded-For: 203.0.113.5\r\n";
    // Two requests of client A wait in the handler, on two proxy connections.
    let mut waiting = Vec::new();
    for _ in 0..2 {
        let mut connection = connect_from([127, 0, 0, 1], addr).await;
        connection
            .send(&get_request("/wait", client_a))
            .await
            .expect("sent");
        waiting.push(connection);
    }
    let deadline = Instant::now() + SAFETY;
    while probes.waiting.load(Ordering::SeqCst) < 2 {
        assert!(
            Instant::now() < deadline,
            "the waiting requests never arrived"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // A third request of A, even with a made-up address in front, is refused;
    // the proxy's connection itself stays usable.
    let mut third = connect_from([127, 0, 0, 1], addr).await;
    third
        .send(&get_request(
            "/whoami",
            "X-Forwarded-For: 198.51.100.77, 203.0.113.5\r\n",
        ))
        .await
        .expect("sent");
    let refused = third.response().await.expect("a response");
    assert_eq!(refused.status, 503, "{}", refused.text());
    assert_eq!(refused.header("retry-after"), Some("1"));
    // Client B, on the same proxy connection, is served.
    third
        .send(&get_request("/whoami", "X-Forwarded-For: 203.0.113.6\r\n"))
        .await
        .expect("sent");
    assert_eq!(third.response().await.expect("a response").status, 200);
    // A request the proxy sends for itself (no header) is served too: the
    // proxy's 3 connections are not held to the per-address cap of 2.
    third.send(&get_request("/whoami", "")).await.expect("sent");
    assert_eq!(third.response().await.expect("a response").status, 200);
    // Once A's requests finish, A is served again.
    probes.release.add_permits(2);
    for connection in &mut waiting {
        let done = timeout(SAFETY, connection.response())
            .await
            .expect("an answer")
            .expect("a response");
        assert_eq!(done.text(), "released");
    }
    third
        .send(&get_request("/whoami", client_a))
        .await
        .expect("sent");
    assert_eq!(third.response().await.expect("a response").status, 200);
}

#[tokio::test]
async fn forwarded_addresses_from_untrusted_peers_are_ignored() {
    let (addr, _) = spawn(ServeOptions::new().max_connections_per_peer(Some(2))).await;
    let _held = [
        served_connection([127, 0, 0, 1], addr, 1).await,
        served_connection([127, 0, 0, 1], addr, 2).await,
    ];
    // The refusal comes before any header is read, so no header can help.
    assert_refused([127, 0, 0, 1], addr).await;
    let mut spoofing = connect_from([127, 0, 0, 2], addr).await;
    spoofing
        .send(&get_request("/whoami", "X-Forwarded-For: 127.0.0.1\r\n"))
        .await
        .expect("sent");
    let answer = spoofing.response().await.expect("a response");
    assert_eq!(answer.status, 200);
    assert!(
        answer.text().starts_with("peer=127.0.0.2:"),
        "{}",
        answer.text()
    );
}
