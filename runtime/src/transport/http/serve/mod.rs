//! Serving a router on a socket, with `TCP_NODELAY` on every connection.

mod options;

pub use options::{InvalidIpRange, IpRange, ServeOptions};

use super::connection::Connection;
use axum::extract::ConnectInfo;
use axum::serve::{IncomingStream, Listener, ListenerExt};
use axum::extract::Request;
use axum::Router;
use std::convert::Infallible;
use std::future::{ready, Ready};
use std::net::SocketAddr;
use std::task::{Context, Poll};
use tokio::net::{TcpListener, TcpStream};

/// Serves `app` on `listener` until the process ends: `TCP_NODELAY` is set on
/// every accepted connection (small responses are not held back waiting for
/// delayed ACKs), and handlers see the peer as axum's
/// `ConnectInfo<SocketAddr>` and both ends as [`Connection`].
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
    axum::serve(listener, WithConnection(app)).await
}

/// [`serve`] with these options (not applied yet).
pub async fn serve_with(listener: TcpListener, app: Router, options: ServeOptions) -> std::io::Result<()> {
    let _ = options;
    serve(listener, app).await
}

/// Makes one service per connection: the app, with the connection's
/// [`Connection`] and `ConnectInfo<SocketAddr>` in every request.
#[derive(Clone)]
struct WithConnection(Router);

impl<L> tower_service::Service<IncomingStream<'_, L>> for WithConnection
where
    L: Listener<Io = TcpStream, Addr = SocketAddr>,
{
    type Response = ConnectionService;
    type Error = Infallible;
    type Future = Ready<Result<ConnectionService, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, stream: IncomingStream<'_, L>) -> Self::Future {
        let peer = *stream.remote_addr();
        let local = stream.io().local_addr().unwrap_or(peer);
        ready(Ok(ConnectionService {
            app: self.0.clone(),
            connection: Connection { peer, local },
        }))
    }
}

/// The app as one connection sees it.
#[derive(Clone)]
struct ConnectionService {
    app: Router,
    connection: Connection,
}

impl tower_service::Service<Request> for ConnectionService {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = <Router as tower_service::Service<Request>>::Future;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let extensions = request.extensions_mut();
        extensions.insert(self.connection);
        extensions.insert(ConnectInfo(self.connection.peer));
        self.app.call(request)
    }
}
