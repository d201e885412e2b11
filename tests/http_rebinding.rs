//! DNS rebinding protection on real sockets: a page on `evil.example` whose
//! name was rebound to this machine must get 403, however the machine is
//! reached (loopback, its LAN address, a container's forwarded port), while
//! the loopback names, the address the client connected to and the names
//! listed in `HttpOptions::allowed_hosts` keep working.

mod http_support;

use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use ferrymcp::transport::http::{Connection, HttpOptions};
use http_support::*;
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

fn initialize() -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}})
    .to_string()
}

/// This machine's non-loopback IPv4 address (the one its default route
/// leaves from): connecting to it from here makes a connection whose both
/// ends are that address, as a LAN client's request would arrive.
fn lan_address() -> IpAddr {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").expect("bind a UDP socket");
    // No packet is sent: connecting a UDP socket only picks the route.
    socket
        .connect("8.8.8.8:53")
        .expect("this test needs a non-loopback IPv4 route on this machine");
    let ip = socket.local_addr().expect("local address").ip();
    assert!(
        !ip.is_loopback() && !ip.is_unspecified(),
        "this test needs a non-loopback IPv4 address on this machine, found {ip}"
    );
    ip
}

/// Serves the test server's endpoint at `/mcp` on a listener bound to every
/// interface (0.0.0.0), as a server in a container or on a LAN is; returns
/// the port.
async fn serve_on_all_interfaces(options: HttpOptions) -> u16 {
    let (server, _) = server().await;
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0")
        .await
        .expect("bind 0.0.0.0:0");
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(ferrymcp::transport::http::serve(
        listener,
        server.router_at_with("/mcp", options),
    ));
    port
}

#[tokio::test]
async fn a_rebound_page_reaching_the_lan_address_gets_403() {
    let lan = lan_address();
    let port = serve_on_all_interfaces(HttpOptions::default()).await;
    let url = format!("http://{lan}:{port}/mcp");

    // The rebound page: its own name in Host and in Origin.
    let rebound = post(
        &url,
        &[("host", "evil.example"), ("origin", "http://evil.example")],
        initialize(),
    )
    .await;
    assert_eq!(rebound.status, 403, "{rebound:?}");
    assert!(rebound.body.contains("allowed_hosts"), "{}", rebound.body);
    let no_origin = post(&url, &[("host", "evil.example")], initialize()).await;
    assert_eq!(no_origin.status, 403, "{no_origin:?}");

    // A client that reached the address the server listens on, by that address.
    let by_address = post(&url, &[], initialize()).await;
    assert_eq!(by_address.status, 200, "{by_address:?}");
    // Another IP literal than the one the connection reached is not ours.
    let other_ip = post(&url, &[("host", "10.11.12.13")], initialize()).await;
    assert_eq!(other_ip.status, 403, "{other_ip:?}");

    // A browser page served from the LAN address is a non-loopback page: its
    // Origin must be listed.
    let page = format!("http://{lan}:{port}");
    let same_origin = post(&url, &[("origin", &page)], initialize()).await;
    assert_eq!(same_origin.status, 403, "{same_origin:?}");
    assert!(
        same_origin.body.contains("allowed_origins"),
        "{}",
        same_origin.body
    );
    let listed_port = serve_on_all_interfaces(HttpOptions::new().allowed_origins([page])).await;
    let listed = post(
        &format!("http://{lan}:{listed_port}/mcp"),
        &[("origin", &format!("http://{lan}:{port}"))],
        initialize(),
    )
    .await;
    assert_eq!(listed.status, 200, "{listed:?}");
}

/// A router whose requests look as if they came on `connection` (a LAN
/// client, a container's port forwarding), served on a real loopback socket.
async fn endpoint_seen_as(connection: Connection, options: HttpOptions) -> String {
    let (server, _) = server().await;
    let app = server
        .router_at_with("/mcp", options)
        .layer(axum::middleware::from_fn(
            move |mut request: Request, next: Next| async move {
                request.extensions_mut().insert(connection);
                request
                    .extensions_mut()
                    .insert(ConnectInfo(connection.peer));
                next.run(request).await
            },
        ));
    format!("{}/mcp", spawn(app).await)
}

#[tokio::test]
async fn a_rebound_request_from_a_non_loopback_peer_gets_403() {
    // Docker: the client's connection arrives from the bridge's gateway at
    // the container's address.
    let peer: SocketAddr = "172.17.0.1:40000".parse().unwrap();
    let local: SocketAddr = "172.17.0.2:8000".parse().unwrap();
    let url = endpoint_seen_as(Connection { peer, local }, HttpOptions::default()).await;

    let rebound = post(
        &url,
        &[("host", "evil.example"), ("origin", "http://evil.example")],
        initialize(),
    )
    .await;
    assert_eq!(rebound.status, 403, "{rebound:?}");
    let public_name = post(&url, &[("host", "mcp.example.com")], initialize()).await;
    assert_eq!(public_name.status, 403, "{public_name:?}");

    // `docker run -p 8080:8000`, reached as localhost:8080 or by the
    // container's address.
    let forwarded = post(&url, &[("host", "localhost:8080")], initialize()).await;
    assert_eq!(forwarded.status, 200, "{forwarded:?}");
    let direct = post(&url, &[("host", "172.17.0.2:8000")], initialize()).await;
    assert_eq!(direct.status, 200, "{direct:?}");

    // A public name works once it is listed (or every name is allowed).
    let named = endpoint_seen_as(
        Connection { peer, local },
        HttpOptions::new().allowed_hosts(["mcp.example.com"]),
    )
    .await;
    let listed = post(&named, &[("host", "mcp.example.com")], initialize()).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    let page = post(
        &named,
        &[
            ("host", "mcp.example.com"),
            ("origin", "https://mcp.example.com"),
        ],
        initialize(),
    )
    .await;
    assert_eq!(page.status, 403, "an Origin is never implied: {page:?}");
    let any = endpoint_seen_as(
        Connection { peer, local },
        HttpOptions::new().allow_any_host(),
    )
    .await;
    let anything = post(&any, &[("host", "whatever.example")], initialize()).await;
    assert_eq!(anything.status, 200, "{anything:?}");
}

/// A free port on every interface (bound, read, released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("0.0.0.0:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Waits until something accepts connections on `addr`.
async fn wait_for(addr: SocketAddr) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing listens on {addr}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn server_serve_on_every_interface_refuses_rebound_hosts() {
    let (server, _) = server().await;
    let port = free_port();
    let serving = server.clone();
    tokio::spawn(async move { serving.serve(("0.0.0.0", port)).await });
    wait_for(SocketAddr::from(([127, 0, 0, 1], port))).await;
    let url = format!("http://127.0.0.1:{port}/mcp");

    let rebound = post(
        &url,
        &[("host", "evil.example"), ("origin", "http://evil.example")],
        initialize(),
    )
    .await;
    assert_eq!(rebound.status, 403, "{rebound:?}");
    // A same-origin GET carries no Origin: the Host check alone must hold.
    let no_origin = post(&url, &[("host", "evil.example")], initialize()).await;
    assert_eq!(no_origin.status, 403, "{no_origin:?}");
    let own = post(
        &url,
        &[("host", &format!("127.0.0.1:{port}"))],
        initialize(),
    )
    .await;
    assert_eq!(own.status, 200, "{own:?}");
    let lan = lan_address();
    let by_lan = post(&format!("http://{lan}:{port}/mcp"), &[], initialize()).await;
    assert_eq!(by_lan.status, 200, "{by_lan:?}");
}

#[tokio::test]
async fn the_official_dns_rebinding_scenario_holds() {
    // conformance `dns-rebinding-protection`: the URL's host is a loopback
    // name; a rebound Host and Origin get 4xx, the URL's own host 2xx.
    let (server, _) = server().await;
    let url = format!("{}/mcp", spawn(server.router_at("/mcp")).await);
    let rebound = post(
        &url,
        &[
            ("host", "evil.example.com"),
            ("origin", "http://evil.example.com"),
        ],
        initialize(),
    )
    .await;
    assert_eq!(rebound.status, 403, "{rebound:?}");
    let origin = url.trim_end_matches("/mcp").to_owned();
    let own = post(&url, &[("origin", &origin)], initialize()).await;
    assert_eq!(own.status, 200, "{own:?}");
    // A loopback page (an inspector on another port) calling the loopback
    // endpoint.
    let inspector = post(&url, &[("origin", "http://localhost:6274")], initialize()).await;
    assert_eq!(inspector.status, 200, "{inspector:?}");
}
