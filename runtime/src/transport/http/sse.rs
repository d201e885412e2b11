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
use super::response::{empty, json_bytes};
use super::resume::{priming_id, EventLog};
use super::sessions::Active;
use crate::call::Outbound;
use crate::protocol::jsonrpc::{RequestId, Written};
use axum::body::{Body, Bytes};
use axum::response::Response;
use futures::future::BoxFuture;
use futures::task::AtomicWaker;
use http::header::{HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use http::StatusCode;
use serde_json::Value;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
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
    buf.extend_from_slice(EVENT_START);
    if serde_json::to_writer(&mut buf, message).is_err() {
        buf.extend_from_slice(b"null");
    }
    buf.extend_from_slice(b"\n\n");
    Bytes::from(buf)
}

const EVENT_START: &[u8] = b"event: message\ndata: ";

/// One message already written as JSON, as an SSE event.
pub(crate) fn event_bytes(json: &[u8]) -> Bytes {
    let mut buf = Vec::with_capacity(EVENT_START.len() + json.len() + 2);
    buf.extend_from_slice(EVENT_START);
    buf.extend_from_slice(json);
    buf.extend_from_slice(b"\n\n");
    Bytes::from(buf)
}

/// The priming event of 2025-11-25: an event id and empty data, so the client
/// has an id to resume from, and the `retry` interval (milliseconds) it
/// waits before reconnecting when the server closes the stream.
pub(crate) fn priming(id: &str, retry: Option<Duration>) -> Bytes {
    match retry {
        Some(retry) => Bytes::from(format!(
            "id: {id}\nretry: {}\ndata: \n\n",
            retry.as_millis()
        )),
        None => Bytes::from(format!("id: {id}\ndata: \n\n")),
    }
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

    /// [`tick`](Self::tick), polled.
    pub(crate) fn poll_tick(&mut self, cx: &mut std::task::Context<'_>) -> Poll<()> {
        match &mut self.0 {
            Some(i) => i.poll_tick(cx).map(|_| ()),
            None => Poll::Pending,
        }
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

/// The notifications of one call, on their way to its response.
///
/// Most calls send none, so the channel is made when the call sends its
/// first message: a call answered with plain JSON costs one small allocation
/// here, not a channel. Once the response is finished, what the call still
/// sends is dropped (and logged), as a closed channel would.
pub(crate) struct CallMessages {
    capacity: usize,
    slot: Mutex<Slot>,
    /// Whether the call sent anything (the channel exists).
    opened: AtomicBool,
    /// The response waiting for the first message (or the call's end).
    waiting: AtomicWaker,
    /// Drops `notifications/message` (a stateless request that set no log level).
    without_log_messages: bool,
    /// The call's stream is resumable: the call may close it
    /// ([`Outbound::close_stream`]).
    closable: bool,
}

/// What a call sends towards its response stream.
pub(crate) enum Out {
    /// A message.
    Message(Value),
    /// The call closed the stream: what follows is kept for a resume only.
    CloseStream,
}

enum Slot {
    /// Nothing sent yet.
    Unopened,
    /// The channel, and its receiver until the response takes it.
    Open(mpsc::Sender<Out>, Option<mpsc::Receiver<Out>>),
    /// The response is finished.
    Closed,
}

impl CallMessages {
    /// Room for `capacity` messages the client has not read yet.
    pub(crate) fn new(capacity: usize) -> Arc<CallMessages> {
        Self::build(capacity, false, false)
    }

    /// [`new`](Self::new), for a session's call whose stream is resumable
    /// (the call may close it).
    pub(crate) fn resumable(capacity: usize) -> Arc<CallMessages> {
        Self::build(capacity, false, true)
    }

    /// [`new`](Self::new), dropping the call's log messages.
    pub(crate) fn without_log_messages(capacity: usize) -> Arc<CallMessages> {
        Self::build(capacity, true, false)
    }

    fn build(capacity: usize, without_log_messages: bool, closable: bool) -> Arc<CallMessages> {
        Arc::new(CallMessages {
            capacity: capacity.max(1),
            slot: Mutex::new(Slot::Unopened),
            opened: AtomicBool::new(false),
            waiting: AtomicWaker::new(),
            without_log_messages,
            closable,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_opened(&self) -> bool {
        self.opened.load(Ordering::Acquire)
    }

    /// The receiver of the channel the call opened, if it sent anything.
    fn take_receiver(&self) -> Option<mpsc::Receiver<Out>> {
        match &mut *self.lock() {
            Slot::Open(_, rx) => rx.take(),
            _ => None,
        }
    }

    /// The receiver, opening the channel if the call has sent nothing yet.
    fn receiver(&self) -> mpsc::Receiver<Out> {
        let mut slot = self.lock();
        match &mut *slot {
            Slot::Open(_, rx) => rx.take(),
            _ => None,
        }
        .unwrap_or_else(|| {
            let (tx, rx) = mpsc::channel(self.capacity);
            *slot = Slot::Open(tx, None);
            self.opened.store(true, Ordering::Release);
            rx
        })
    }

    /// Drops what the call sends from now on.
    fn close(&self) {
        *self.lock() = Slot::Closed;
    }
}

impl CallMessages {
    /// Puts `out` on the channel, opening it (and waking the response
    /// waiting for the call's first message) if it is the first.
    fn put(&self, out: Out) -> bool {
        let mut slot = self.lock();
        if let Slot::Unopened = &*slot {
            let (tx, rx) = mpsc::channel(self.capacity);
            *slot = Slot::Open(tx, Some(rx));
            self.opened.store(true, Ordering::Release);
            self.waiting.wake();
        }
        match &*slot {
            Slot::Open(tx, _) => match tx.try_send(out) {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!("dropped an outgoing message: {e}");
                    false
                }
            },
            _ => {
                tracing::warn!("dropped an outgoing message: channel closed");
                false
            }
        }
    }
}

impl Outbound for CallMessages {
    fn send(&self, message: Value) {
        if self.without_log_messages
            && message.get("method").and_then(Value::as_str) == Some("notifications/message")
        {
            return;
        }
        self.put(Out::Message(message));
    }

    fn reaches_client(&self) -> bool {
        !matches!(&*self.lock(), Slot::Closed)
    }

    fn close_stream(&self) -> bool {
        self.closable && self.put(Out::CloseStream)
    }
}

/// What makes a call's stream resumable: the session's event log, the
/// request it answers, and the session's end (which stops the call).
pub(crate) struct Resumable {
    pub(crate) log: Arc<EventLog>,
    pub(crate) request: RequestId,
    pub(crate) session_closed: CancellationToken,
}

/// How one call is answered.
pub(crate) struct Reply {
    /// JSON, SSE, or JSON unless the call sends notifications first.
    pub(crate) mode: ResponseMode,
    /// Open a stream with a priming event (2025-11-25; needs `resume`).
    pub(crate) priming: bool,
    /// The `retry` interval the priming event announces.
    pub(crate) retry: Option<Duration>,
    /// A session's stream: its events have ids and are kept for a resume
    /// ([`resume`](super::resume)).
    pub(crate) resume: Option<Resumable>,
    /// Legacy: the call outlives a disconnect, until the session the reply
    /// keeps [`active`](Reply::active) ends. `false` (stateless): a
    /// disconnect cancels the call.
    pub(crate) detach: bool,
    /// Cancels the call's token when the response (or the handler) is dropped.
    pub(crate) cancel_on_drop: Option<DropGuard>,
    /// Keeps the session alive while the call runs.
    pub(crate) active: Option<Active>,
    /// The status of a JSON response.
    pub(crate) status: fn(&Written) -> StatusCode,
    /// Headers to add (such as `Mcp-Session-Id`).
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// Comment lines on an idle stream.
    pub(crate) keep_alive: Option<Duration>,
}

/// Closes a call's messages when the response is done with them, however it
/// ends (unless a stream took their receiver).
struct CloseOnDrop(Option<Arc<CallMessages>>);

impl CloseOnDrop {
    fn messages(&self) -> &CallMessages {
        self.0.as_deref().unwrap_or_else(|| unreachable!())
    }

    /// Hands the receiver over to a stream, which closes it when it ends.
    fn into_receiver(mut self) -> mpsc::Receiver<Out> {
        let messages = self.0.take().unwrap_or_else(|| unreachable!());
        messages.receiver()
    }
}

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        if let Some(messages) = &self.0 {
            messages.close();
        }
    }
}

/// Runs `call` (whose notifications arrive on `messages`) and answers it as
/// `reply` says. A call that returns `None` (cancelled by the client) gets an
/// empty 202 (JSON) or an empty stream.
pub(crate) async fn reply(
    mut call: BoxFuture<'static, Option<Written>>,
    messages: Option<Arc<CallMessages>>,
    reply: Reply,
) -> Response {
    let mut pending = Vec::new();
    let receiver = match (reply.mode, messages) {
        (ResponseMode::Json, messages) | (ResponseMode::Auto, messages @ None) => {
            let _close = CloseOnDrop(messages);
            let outcome = call.await;
            return finish_json(outcome, reply);
        }
        (ResponseMode::Auto, messages @ Some(_)) => {
            let close = CloseOnDrop(messages);
            // The call's first message, or its end, whichever comes first
            // (a message sent in the poll that ended the call is found below).
            let first = std::future::poll_fn(|cx| {
                let messages = close.messages();
                messages.waiting.register(cx.waker());
                if messages.is_opened() {
                    return Poll::Ready(None);
                }
                match call.as_mut().poll(cx) {
                    Poll::Ready(outcome) => Poll::Ready(Some(outcome)),
                    Poll::Pending if messages.is_opened() => Poll::Ready(None),
                    Poll::Pending => Poll::Pending,
                }
            })
            .await;
            match first {
                None => {
                    let mut rx = close.into_receiver();
                    while let Ok(m) = rx.try_recv() {
                        pending.push(m);
                    }
                    Some(rx)
                }
                Some(outcome) => {
                    let sent = close.messages().take_receiver();
                    drop(close);
                    let Some(mut rx) = sent else {
                        return finish_json(outcome, reply);
                    };
                    while let Ok(m) = rx.try_recv() {
                        pending.push(m);
                    }
                    let mut frames = Vec::with_capacity(pending.len() + 2);
                    match &reply.resume {
                        None => {
                            frames.extend(pending.iter().filter_map(Out::message).map(event));
                            frames.extend(outcome.as_ref().map(|w| event_bytes(&w.json)));
                        }
                        Some(resume) => {
                            let key = resume.log.open(Some(resume.request.clone()));
                            if reply.priming {
                                frames.push(priming(&priming_id(&key), reply.retry));
                            }
                            // After the call closed its stream, its events
                            // are kept for the resume only.
                            let mut open = true;
                            for out in &pending {
                                match out {
                                    Out::Message(m) => {
                                        let frame = resume.log.append(&key, &to_json(m)).0;
                                        if open {
                                            frames.push(frame);
                                        }
                                    }
                                    Out::CloseStream => open = false,
                                }
                            }
                            if let Some(w) = &outcome {
                                let frame = resume.log.append(&key, &w.json).0;
                                if open {
                                    frames.push(frame);
                                }
                            }
                            resume.log.finish(&key);
                        }
                    }
                    let body = futures::stream::iter(frames.into_iter().map(Ok::<_, Infallible>));
                    return with_headers(
                        sse_headers(Response::new(Body::from_stream(body))),
                        reply.headers,
                    );
                }
            }
        }
        (_, messages) => messages.map(|m| m.receiver()),
    };
    let headers = reply.headers.clone();
    if let Some(resume) = &reply.resume {
        let key = resume.log.open(Some(resume.request.clone()));
        let head = reply
            .priming
            .then(|| priming(&priming_id(&key), reply.retry))
            .into_iter()
            .collect();
        let live = resume.log.attach(&key, 0, FRAME_BUFFER);
        let keep_alive = reply.keep_alive;
        tokio::spawn(produce(call, receiver, pending, key, reply));
        return with_headers(
            match live {
                Ok((_, rx)) => live_response(head, rx, keep_alive, ()),
                // The session ended: an empty stream.
                Err(_) => live_response(head, mpsc::channel(1).1, None, ()),
            },
            headers,
        );
    }
    let (tx, rx) = mpsc::channel(FRAME_BUFFER);
    tokio::spawn(pump(call, receiver, pending, tx, reply));
    with_headers(stream_response(rx), headers)
}

impl Out {
    fn message(&self) -> Option<&Value> {
        match self {
            Out::Message(m) => Some(m),
            Out::CloseStream => None,
        }
    }
}

fn to_json(message: &Value) -> Vec<u8> {
    serde_json::to_vec(message).unwrap_or_else(|_| b"null".to_vec())
}

/// An SSE response: `head` (a priming event, missed events), then what
/// `live` receives until it closes, with keep-alive comments while idle.
/// `hold` lives as long as the response.
pub(crate) fn live_response(
    head: Vec<Bytes>,
    live: mpsc::Receiver<Bytes>,
    keep_alive: Option<Duration>,
    hold: impl Send + Sync + 'static,
) -> Response {
    let mut head = std::collections::VecDeque::from(head);
    let mut live = live;
    let mut keep_alive = KeepAlive::new(keep_alive);
    let body = futures::stream::poll_fn(move |cx| {
        let _hold = &hold;
        if let Some(frame) = head.pop_front() {
            return Poll::Ready(Some(Ok::<_, Infallible>(frame)));
        }
        match live.poll_recv(cx) {
            Poll::Ready(Some(frame)) => Poll::Ready(Some(Ok(frame))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match keep_alive.poll_tick(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Ok(Bytes::from_static(KEEP_ALIVE)))),
                Poll::Pending => Poll::Pending,
            },
        }
    });
    sse_headers(Response::new(Body::from_stream(body)))
}

/// Runs a session's call, keeping its events in the session's log and
/// sending them to whichever connection reads the stream (none while the
/// client reconnects): notifications as they come, the result last. The
/// call runs on when its client goes away, until it ends or the session
/// does.
async fn produce(
    mut call: BoxFuture<'static, Option<Written>>,
    messages: Option<mpsc::Receiver<Out>>,
    pending: Vec<Out>,
    key: Arc<str>,
    reply: Reply,
) {
    let Reply {
        resume,
        cancel_on_drop,
        active,
        ..
    } = reply;
    let Some(resume) = resume else { return };
    let _cancel_on_drop = cancel_on_drop;
    let _active = active;
    let log = &resume.log;
    let key = &key;
    let emit = |json: Vec<u8>| {
        let (frame, live) = log.append(key, &json);
        async move {
            if let Some((generation, tx)) = live {
                if tx.send(frame).await.is_err() {
                    log.detach(key, generation);
                }
            }
        }
    };
    let handle = |out: Out| async move {
        match out {
            Out::Message(m) => emit(to_json(&m)).await,
            // What was sent before is on its way; the reader ends after it.
            Out::CloseStream => log.disconnect(key),
        }
    };
    for out in pending {
        handle(out).await;
    }
    let mut messages_open = messages.is_some();
    let mut messages = messages;
    loop {
        tokio::select! {
            biased;
            _ = resume.session_closed.cancelled() => break,
            m = recv(&mut messages), if messages_open => match m {
                Some(out) => handle(out).await,
                None => messages_open = false,
            },
            outcome = &mut call => {
                if let Some(messages) = &mut messages {
                    while let Ok(out) = messages.try_recv() {
                        handle(out).await;
                    }
                }
                if let Some(response) = outcome {
                    emit(response.json).await;
                }
                break;
            }
        }
    }
    log.finish(key);
}

fn finish_json(outcome: Option<Written>, reply: Reply) -> Response {
    let response = match outcome {
        Some(response) => {
            let status = (reply.status)(&response);
            json_bytes(status, response.json)
        }
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
    mut call: BoxFuture<'static, Option<Written>>,
    messages: Option<mpsc::Receiver<Out>>,
    pending: Vec<Out>,
    frames: mpsc::Sender<Bytes>,
    reply: Reply,
) {
    let Reply {
        detach,
        cancel_on_drop,
        active,
        keep_alive,
        ..
    } = reply;
    let _cancel_on_drop = cancel_on_drop;
    let mut keep_alive = KeepAlive::new(keep_alive);
    let mut connected = true;
    for m in pending.iter().filter_map(Out::message) {
        if !connected {
            break;
        }
        connected = frames.send(event(m)).await.is_ok();
    }
    let mut messages_open = messages.is_some();
    let mut messages = messages;
    while connected {
        tokio::select! {
            biased;
            _ = frames.closed() => connected = false,
            m = recv(&mut messages), if messages_open => match m {
                Some(Out::Message(m)) => connected = frames.send(event(&m)).await.is_ok(),
                // Not resumable: the stream stays open.
                Some(Out::CloseStream) => {}
                None => messages_open = false,
            },
            outcome = &mut call => {
                if let Some(messages) = &mut messages {
                    while let Ok(out) = messages.try_recv() {
                        let Out::Message(m) = out else { continue };
                        if frames.send(event(&m)).await.is_err() {
                            return;
                        }
                    }
                }
                if let Some(response) = outcome {
                    let _ = frames.send(event_bytes(&response.json)).await;
                }
                return;
            }
            _ = keep_alive.tick() => {
                connected = frames.send(Bytes::from_static(KEEP_ALIVE)).await.is_ok();
            }
        }
    }
    // The client went away before the result.
    let session_closed = active
        .as_ref()
        .filter(|_| detach)
        .map(|a| &a.session().closed);
    match session_closed {
        None => tracing::debug!("the client closed the response stream; the call is cancelled"),
        Some(session_closed) => loop {
            // Runs the call to its end; its messages have nowhere to go.
            tokio::select! {
                _ = &mut call => break,
                _ = session_closed.cancelled() => break,
                m = recv(&mut messages), if messages_open => messages_open = m.is_some(),
            }
        },
    }
}

async fn recv(messages: &mut Option<mpsc::Receiver<Out>>) -> Option<Out> {
    match messages {
        Some(rx) => rx.recv().await,
        None => None,
    }
}
