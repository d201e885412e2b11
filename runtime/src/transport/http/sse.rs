//! Server-sent events: the framing, and the response of one call, sent as one
//! JSON object or as a stream of its notifications followed by its result.
//!
//! A streamed call is driven by a small task that writes SSE frames into a
//! bounded channel, which the response body reads. When the client goes away
//! the task sees the channel close: a stateless call is then cancelled (closing
//! the stream is the cancellation signal in 2026-07-28), while a legacy call
//! runs on until it ends or its session does (legacy clients cancel with
//! `notifications/cancelled`; a dropped connection is not a cancellation).

use super::options::ResponseMode;
use super::response::{empty, json};
use super::sessions::Active;
use axum::body::{Body, Bytes};
use axum::response::Response;
use futures::future::BoxFuture;
use http::header::{HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use http::StatusCode;
use serde_json::Value;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{interval_at, Instant, MissedTickBehavior};
use tokio_util::sync::{CancellationToken, DropGuard};

/// Frames waiting for a slow client, per stream (the call's own messages are
/// bounded separately, by `HttpOptions::sse_buffer`).
const FRAME_BUFFER: usize = 16;

/// The header that tells nginx and similar proxies not to buffer the stream.
pub(crate) const X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

/// One message as an SSE event.
pub(crate) fn event(message: &Value) -> Bytes {
    let mut buf = Vec::with_capacity(128);
    buf.extend_from_slice(b"event: message\ndata: ");
    if serde_json::to_writer(&mut buf, message).is_err() {
        buf.extend_from_slice(b"null");
    }
    buf.extend_from_slice(b"\n\n");
    Bytes::from(buf)
}

/// The priming event of 2025-11-25: an event id and empty data, so the client
/// has an id to resume from.
pub(crate) fn priming(id: &str) -> Bytes {
    Bytes::from(format!("id: {id}\ndata: \n\n"))
}

const KEEP_ALIVE: &[u8] = b": keep-alive\n\n";

/// An SSE response whose body is what `frames` receives.
pub(crate) fn stream_response(frames: mpsc::Receiver<Bytes>) -> Response {
    let mut frames = frames;
    let body = futures::stream::poll_fn(move |cx| {
        frames
            .poll_recv(cx)
            .map(|frame| frame.map(Ok::<_, Infallible>))
    });
    sse_headers(Response::new(Body::from_stream(body)))
}

fn sse_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(X_ACCEL_BUFFERING, HeaderValue::from_static("no"));
    response
}

/// A keep-alive ticker, or one that never fires.
pub(crate) struct KeepAlive(Option<tokio::time::Interval>);

impl KeepAlive {
    pub(crate) fn new(every: Option<Duration>) -> Self {
        KeepAlive(every.map(|d| {
            let mut i = interval_at(Instant::now() + d, d);
            i.set_missed_tick_behavior(MissedTickBehavior::Delay);
            i
        }))
    }

    pub(crate) async fn tick(&mut self) {
        match &mut self.0 {
            Some(i) => {
                i.tick().await;
            }
            None => std::future::pending().await,
        }
    }
}

/// How one call is answered.
pub(crate) struct Reply {
    /// JSON, SSE, or JSON unless the call sends notifications first.
    pub(crate) mode: ResponseMode,
    /// The id of a priming event to open the stream with (2025-11-25).
    pub(crate) priming: Option<String>,
    /// Legacy: the call outlives a disconnect, until this session token.
    /// `None` (stateless): a disconnect cancels the call.
    pub(crate) detach_until: Option<CancellationToken>,
    /// Cancels the call's token when the response (or the handler) is dropped.
    pub(crate) cancel_on_drop: Option<DropGuard>,
    /// Keeps the session alive while the call runs.
    pub(crate) active: Option<Active>,
    /// The status of a JSON response.
    pub(crate) status: fn(&Value) -> StatusCode,
    /// Headers to add (such as `Mcp-Session-Id`).
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// Comment lines on an idle stream.
    pub(crate) keep_alive: Option<Duration>,
}

/// Runs `call` (whose notifications arrive on `messages`) and answers it as
/// `reply` says. A call that returns `None` (cancelled by the client) gets an
/// empty 202 (JSON) or an empty stream.
pub(crate) async fn reply(
    mut call: BoxFuture<'static, Option<Value>>,
    mut messages: mpsc::Receiver<Value>,
    reply: Reply,
) -> Response {
    let mut pending = Vec::new();
    match reply.mode {
        ResponseMode::Json => {
            let outcome = call.await;
            return finish_json(outcome, reply);
        }
        ResponseMode::Auto => {
            tokio::select! {
                biased;
                Some(first) = messages.recv() => pending.push(first),
                outcome = &mut call => {
                    while let Ok(m) = messages.try_recv() {
                        pending.push(m);
                    }
                    if pending.is_empty() {
                        return finish_json(outcome, reply);
                    }
                    let mut frames = Vec::with_capacity(pending.len() + 2);
                    if let Some(id) = &reply.priming {
                        frames.push(priming(id));
                    }
                    frames.extend(pending.iter().map(event));
                    frames.extend(outcome.as_ref().map(event));
                    let body = futures::stream::iter(frames.into_iter().map(Ok::<_, Infallible>));
                    return with_headers(sse_headers(Response::new(Body::from_stream(body))), reply.headers);
                }
            }
        }
        ResponseMode::Sse => {}
    }
    let (tx, rx) = mpsc::channel(FRAME_BUFFER);
    let headers = reply.headers.clone();
    tokio::spawn(pump(call, messages, pending, tx, reply));
    with_headers(stream_response(rx), headers)
}

fn finish_json(outcome: Option<Value>, reply: Reply) -> Response {
    let response = match outcome {
        Some(response) => json((reply.status)(&response), &response),
        None => empty(StatusCode::ACCEPTED),
    };
    with_headers(response, reply.headers)
}

fn with_headers(mut response: Response, headers: Vec<(HeaderName, HeaderValue)>) -> Response {
    for (name, value) in headers {
        response.headers_mut().insert(name, value);
    }
    response
}

/// Streams a call: priming event, notifications as they come, the result last.
async fn pump(
    mut call: BoxFuture<'static, Option<Value>>,
    mut messages: mpsc::Receiver<Value>,
    pending: Vec<Value>,
    frames: mpsc::Sender<Bytes>,
    reply: Reply,
) {
    let Reply {
        priming: priming_id,
        detach_until,
        cancel_on_drop,
        active,
        keep_alive,
        ..
    } = reply;
    let _active = active;
    let _cancel_on_drop = cancel_on_drop;
    let mut keep_alive = KeepAlive::new(keep_alive);
    let mut connected = true;
    if let Some(id) = priming_id {
        connected = frames.send(priming(&id)).await.is_ok();
    }
    for m in &pending {
        if !connected {
            break;
        }
        connected = frames.send(event(m)).await.is_ok();
    }
    let mut messages_open = true;
    while connected {
        tokio::select! {
            biased;
            _ = frames.closed() => connected = false,
            m = messages.recv(), if messages_open => match m {
                Some(m) => connected = frames.send(event(&m)).await.is_ok(),
                None => messages_open = false,
            },
            outcome = &mut call => {
                while let Ok(m) = messages.try_recv() {
                    if frames.send(event(&m)).await.is_err() {
                        return;
                    }
                }
                if let Some(response) = outcome {
                    let _ = frames.send(event(&response)).await;
                }
                return;
            }
            _ = keep_alive.tick() => {
                connected = frames.send(Bytes::from_static(KEEP_ALIVE)).await.is_ok();
            }
        }
    }
    // The client went away before the result.
    match detach_until {
        None => tracing::debug!("the client closed the response stream; the call is cancelled"),
        Some(session_closed) => loop {
            // Runs the call to its end; its messages have nowhere to go.
            tokio::select! {
                _ = &mut call => break,
                _ = session_closed.cancelled() => break,
                m = messages.recv(), if messages_open => messages_open = m.is_some(),
            }
        },
    }
}
