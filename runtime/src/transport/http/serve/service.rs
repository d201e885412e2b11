//! The app as one connection sees it: every request gets the connection's
//! [`Connection`] and `ConnectInfo<SocketAddr>`, a body held to the body
//! limits, and, from a trusted proxy, a place under its client's cap.
//!
//! The connection's [`ConnectionState`] counts requests begun and responses
//! finished, so that [`TimedIo`](super::timed_io::TimedIo) knows whether the
//! connection is between requests; and it carries a body timeout from the
//! body to the response, which then becomes 408.
//!
//! Per request this costs two relaxed atomic additions and one `Arc` clone of
//! the connection's own state; the app itself is not cloned.

use super::super::forwarded;
use super::limits::{Limits, PeerSlot};
use super::options::IpRange;
use super::request_body::{BodyLimits, BodyTimeout, TimedBody};
use crate::transport::http::connection::Connection;
use axum::body::Body as AxumBody;
use axum::extract::ConnectInfo;
use axum::response::Response;
use axum::routing::future::RouteFuture;
use axum::Router;
use bytes::Bytes;
use http::header::{HeaderValue, CONNECTION, CONTENT_TYPE, RETRY_AFTER};
use http::StatusCode;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::cell::RefCell;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use tower_service::Service as _;

/// What the requests of one connection tell its socket.
#[derive(Debug, Default)]
pub(crate) struct ConnectionState {
    /// Requests whose head has arrived.
    begun: AtomicU32,
    /// Requests whose response body ended or was dropped.
    finished: AtomicU32,
    /// The [`BodyTimeout`] of the request in progress, if any (0: none).
    body_timeout: AtomicU8,
    /// Whether a response switched protocols (101): the socket then
    /// carries another protocol, whose silences are its own business.
    upgraded: AtomicBool,
}

impl ConnectionState {
    /// `(begun, finished)`: equal when no request is in progress.
    pub(crate) fn counts(&self) -> (u32, u32) {
        (
            self.begun.load(Ordering::Relaxed),
            self.finished.load(Ordering::Relaxed),
        )
    }

    /// Whether the connection switched protocols.
    pub(crate) fn upgraded(&self) -> bool {
        self.upgraded.load(Ordering::Relaxed)
    }

    pub(crate) fn record_body_timeout(&self, kind: BodyTimeout) {
        let code = match kind {
            BodyTimeout::Stalled => 1,
            BodyTimeout::TooSlow => 2,
        };
        self.body_timeout.store(code, Ordering::Relaxed);
    }

    fn take_body_timeout(&self) -> Option<BodyTimeout> {
        if self.body_timeout.load(Ordering::Relaxed) == 0 {
            return None;
        }
        match self.body_timeout.swap(0, Ordering::Relaxed) {
            1 => Some(BodyTimeout::Stalled),
            2 => Some(BodyTimeout::TooSlow),
            _ => None,
        }
    }
}

/// Where requests relayed by a trusted proxy are counted.
pub(crate) struct ProxyCaps {
    pub(crate) limits: Arc<Limits>,
    pub(crate) trusted: Arc<[IpRange]>,
}

/// The hyper service of one connection.
pub(crate) struct ConnectionService {
    /// Called in place (hyper calls one request at a time): cloning the
    /// router for every request would bump a reference count every
    /// connection shares.
    app: RefCell<Router>,
    connection: Connection,
    state: Arc<ConnectionState>,
    body_limits: BodyLimits,
    /// Set when the peer is a trusted proxy and clients have a cap.
    proxy: Option<ProxyCaps>,
}

impl ConnectionService {
    pub(crate) fn new(
        app: Router,
        connection: Connection,
        state: Arc<ConnectionState>,
        body_limits: BodyLimits,
        proxy: Option<ProxyCaps>,
    ) -> ConnectionService {
        ConnectionService {
            app: RefCell::new(app),
            connection,
            state,
            body_limits,
            proxy,
        }
    }
}

impl hyper::service::Service<http::Request<Incoming>> for ConnectionService {
    type Response = http::Response<ResponseBody>;
    type Error = Infallible;
    type Future = ServeFuture;

    fn call(&self, request: http::Request<Incoming>) -> ServeFuture {
        self.state.begun.fetch_add(1, Ordering::Relaxed);
        let mut tracker = Tracker {
            state: Arc::clone(&self.state),
            _client_place: None,
        };
        let (mut parts, body) = request.into_parts();
        if let Some(proxy) = &self.proxy {
            let trusted = |ip| proxy.trusted.iter().any(|range| range.contains(ip));
            let client = forwarded::client_ip(&parts.headers, trusted)
                .unwrap_or_else(|| self.connection.peer.ip());
            match proxy.limits.admit_request(client) {
                Some(place) => tracker._client_place = Some(place),
                None => {
                    tracing::debug!(%client, "request refused: the client is at its cap");
                    return ServeFuture::ready(over_cap(), tracker);
                }
            }
        }
        parts.extensions.insert(self.connection);
        parts.extensions.insert(ConnectInfo(self.connection.peer));
        let body = TimedBody::new(body, self.body_limits, &self.state);
        let future = self
            .app
            .borrow_mut()
            .call(http::Request::from_parts(parts, body));
        ServeFuture {
            app: Some(future),
            ready: None,
            tracker: Some(tracker),
        }
    }
}

pin_project_lite::pin_project! {
    /// The app's answer to one request, tracked until its body ends.
    pub(crate) struct ServeFuture {
        #[pin]
        app: Option<RouteFuture<Infallible>>,
        ready: Option<Response>,
        tracker: Option<Tracker>,
    }
}

impl ServeFuture {
    fn ready(response: Response, tracker: Tracker) -> ServeFuture {
        ServeFuture {
            app: None,
            ready: Some(response),
            tracker: Some(tracker),
        }
    }
}

impl Future for ServeFuture {
    type Output = Result<http::Response<ResponseBody>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = match this.app.as_pin_mut() {
            Some(app) => match ready!(app.poll(cx)) {
                Ok(response) => response,
                Err(never) => match never {},
            },
            None => this.ready.take().unwrap_or_else(over_cap),
        };
        let tracker = this.tracker.take();
        if response.status() == StatusCode::SWITCHING_PROTOCOLS {
            if let Some(tracker) = &tracker {
                tracker.state.upgraded.store(true, Ordering::Relaxed);
            }
        }
        let response = match tracker.as_ref().and_then(|t| t.state.take_body_timeout()) {
            Some(kind) => request_timeout(kind),
            None => response,
        };
        Poll::Ready(Ok(response.map(|body| ResponseBody {
            inner: body,
            _tracker: tracker,
        })))
    }
}

/// Counts the request finished when dropped, and holds its client's place.
struct Tracker {
    state: Arc<ConnectionState>,
    _client_place: Option<PeerSlot>,
}

impl Drop for Tracker {
    fn drop(&mut self) {
        self.state.finished.fetch_add(1, Ordering::Relaxed);
    }
}

/// A response body; when hyper drops it (it ended, or the connection
/// closed) the request is finished.
pub(crate) struct ResponseBody {
    inner: AxumBody,
    _tracker: Option<Tracker>,
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = axum::Error;

    #[inline]
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    #[inline]
    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    #[inline]
    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// 503 for a request over its client's cap.
fn over_cap() -> Response {
    let mut response = Response::new(AxumBody::from(
        "Service Unavailable: too many requests from this client at once; retry later\n",
    ));
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    let headers = response.headers_mut();
    headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// 408 for a request whose body did not arrive in time; the connection is
/// closed after it.
fn request_timeout(kind: BodyTimeout) -> Response {
    let text = match kind {
        BodyTimeout::Stalled => "Request Timeout: no byte of the request body came for too long\n",
        BodyTimeout::TooSlow => "Request Timeout: the request body arrived too slowly\n",
    };
    let mut response = Response::new(AxumBody::from(text));
    *response.status_mut() = StatusCode::REQUEST_TIMEOUT;
    let headers = response.headers_mut();
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
