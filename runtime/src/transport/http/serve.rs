//! Serving a router on a socket, with `TCP_NODELAY` on every connection.

use axum::serve::ListenerExt;
use axum::Router;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Serves `app` on `listener` until the process ends: `TCP_NODELAY` is set on
/// every accepted connection (small responses are not held back waiting for
/// delayed ACKs), and handlers see the peer as axum's
/// `ConnectInfo<SocketAddr>`.
///
/// Bind the listener yourself to learn the port before serving:
///
/// ```no_run
/// # async fn run(app: axum::Router) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
/// println!("http://{}/mcp", listener.local_addr()?);
/// ferrymcp::transport::http::serve(listener, app).await
/// # }
/// ```
pub async fn serve(listener: TcpListener, app: Router) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("could not set TCP_NODELAY: {e}");
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
