//! Resumable streams of the session revisions (2025-03-26 to 2025-11-25):
//! every SSE event of a session's streams carries an id, and a client that
//! lost a stream reconnects with `GET` and `Last-Event-ID` to receive what it
//! missed, in order, then the live rest.
//!
//! An event id is `<stream>-<n>`: the stream's key (16 hex digits, random, so
//! unique within the session and unlike any other session's) and the event's
//! number in it (0 is the priming event, the messages count from 1). A
//! `Last-Event-ID` names the stream it resumes; ids are cursors per stream,
//! as the transport says, and a resume never replays another stream's
//! events.
//!
//! Each session keeps the events it sent in a bounded [`EventLog`]
//! ([`HttpOptions::max_replay_events`](super::HttpOptions::max_replay_events),
//! [`max_replay_bytes`](super::HttpOptions::max_replay_bytes)), oldest dropped
//! first; an event larger than the byte budget is kept alone until the next
//! one. The log is a replay buffer only: a connected client gets its events
//! straight from the producer (a call, or whatever sends on the GET stream),
//! so a slow reader holds up its call as before and loses nothing to the
//! budget.
//!
//! When a `Last-Event-ID` cannot be honoured the answer says so, never a
//! silent gap:
//!
//! | `Last-Event-ID` | answer |
//! |---|---|
//! | not `<16 hex>-<n>` | 400, JSON-RPC error (no id) |
//! | a stream this session does not have (another session's id, a stream whose events were all dropped, a number never sent) | 400, JSON-RPC error (no id) |
//! | a call's stream, some of whose later events were dropped | an SSE stream whose one event is a JSON-RPC error (-32603) for the call's request, so the client's request ends with an error rather than waiting forever |
//! | the GET stream, some of whose later events were dropped | 400, JSON-RPC error: open a new GET stream without `Last-Event-ID` |
//!
//! A resume takes the stream over: an older connection reading it ends.
//! A call keeps running when its client goes away (a disconnect is not a
//! cancellation in these revisions), its events kept for a resume; the GET
//! stream keeps what is sent to it while the client reconnects. When the
//! session is shared between nodes, a message finding no connected GET
//! stream here goes to the other nodes, and the node holding the session's
//! newest GET stream keeps it there when no client reads it
//! (`sessions::Standalone`).
//!
//! With a session store that keeps events
//! ([`SessionStore::keeps_events`], Redis), each node also hands every event
//! of the streams it produces to the store, in order (`Opened`, `Sent`,
//! `Finished`), which keeps them within the same budget, expiring with the
//! session, and tells every node. A `Last-Event-ID` naming a stream this
//! node does not have is answered from the store: the node listens for the
//! stream's events first, then reads what the store kept after the id, then
//! sends on what it hears after those (by number: none twice; a number
//! skipped ends the stream, and the client's next resume is told what was
//! lost). The answers for ids the store cannot honour are the ones above.
//! A resume on another node does not end an older connection still reading
//! the stream on the node that produces it.
//!
//! Revision 2026-07-28 has no resumable streams ("Resumable SSE streams via
//! `Last-Event-ID` are not supported"; closing a response stream cancels its
//! request), so its events carry no id and nothing is kept.

use crate::protocol::jsonrpc::{write_error, ErrorObject, RequestId};
use crate::protocol::messages::{self, LastEventIdData};
use crate::session_store::{
    ReplayLimits, SessionStore, StoredEvents, StreamEvent, StreamEventKind,
};
use axum::body::Bytes;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;
use tokio::sync::mpsc;

/// The events a session sent, per stream, within a budget.
pub(crate) struct EventLog {
    max_events: usize,
    max_bytes: usize,
    inner: Mutex<LogInner>,
    /// A store that keeps events too, and how long they live there.
    store: Option<(Arc<dyn SessionStore>, Duration)>,
    /// The session's events in that store, once it has an id.
    shared: OnceLock<SharedLog>,
}

/// A session's events in a store every node reads.
struct SharedLog {
    store: Arc<dyn SessionStore>,
    session: Arc<str>,
    /// The events on their way to the store, in order.
    outbox: mpsc::Sender<StreamEvent>,
    /// Bytes of frames in `outbox` (bounded by the log's byte budget, so
    /// a slow or absent store holds at most one budget per session here).
    queued_bytes: Arc<AtomicUsize>,
    /// Streams of other nodes resumed here: where their events go, by
    /// stream key, with the resume's generation.
    watchers: Mutex<HashMap<String, (u64, mpsc::Sender<StreamEvent>)>>,
    generations: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct LogInner {
    streams: HashMap<Arc<str>, StreamState>,
    /// Every kept event, oldest first: its stream, number and size.
    kept: VecDeque<(Arc<str>, u64, usize)>,
    bytes: usize,
    /// The session ended: nothing is kept any more.
    closed: bool,
}

struct StreamState {
    /// The request a call's stream answers (`None`: the GET stream).
    request: Option<RequestId>,
    /// Kept events, by number.
    events: VecDeque<(u64, Bytes)>,
    /// The number of the next event.
    next: u64,
    /// The highest number dropped for the budget (0: none).
    dropped_through: u64,
    /// The connection reading the stream now, and its generation.
    live: Option<(u64, mpsc::Sender<Bytes>)>,
    generations: u64,
    /// No event will follow.
    finished: bool,
}

/// Why a `Last-Event-ID` cannot be resumed.
#[derive(Debug, PartialEq)]
pub(crate) enum NotResumable {
    /// Not an id this server writes.
    Malformed,
    /// No stream of this session (or none any more).
    Unknown,
    /// Events after it were dropped; `request` is the call the stream answers.
    Lost { request: Option<RequestId> },
}

/// What became of an event offered to the GET stream.
#[derive(Debug, PartialEq)]
pub(crate) enum Offered {
    /// Sent to the connected client (and kept).
    Live,
    /// Kept for a resume: no client is connected.
    Kept,
    /// Not taken.
    Refused,
}

/// The header a client resumes with.
pub(crate) const LAST_EVENT_ID: http::HeaderName = http::HeaderName::from_static("last-event-id");

/// The stream key and event number of an event id.
pub(crate) fn parse_id(id: &str) -> Result<(&str, u64), NotResumable> {
    let (key, n) = id
        .trim_ascii()
        .rsplit_once('-')
        .ok_or(NotResumable::Malformed)?;
    if key.len() != 16 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NotResumable::Malformed);
    }
    if n.is_empty() || n.len() > 19 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NotResumable::Malformed);
    }
    n.parse()
        .map(|n| (key, n))
        .map_err(|_| NotResumable::Malformed)
}

/// The SSE frame of one message with its id.
fn frame(key: &str, n: u64, json: &[u8]) -> Bytes {
    let mut buf = Vec::with_capacity(key.len() + json.len() + 48);
    buf.extend_from_slice(b"id: ");
    buf.extend_from_slice(key.as_bytes());
    buf.push(b'-');
    buf.extend_from_slice(n.to_string().as_bytes());
    buf.extend_from_slice(b"\nevent: message\ndata: ");
    buf.extend_from_slice(json);
    buf.extend_from_slice(b"\n\n");
    Bytes::from(buf)
}

/// The id of a stream's priming event.
pub(crate) fn priming_id(key: &str) -> String {
    format!("{key}-0")
}

/// The event telling a resuming client that its call's events were lost.
pub(crate) fn lost_event(request: &RequestId, last_event_id: &str) -> Bytes {
    let error = ErrorObject::internal(format!(
        "the events of this call after Last-Event-ID {last_event_id} are no longer kept \
         (the session's replay budget dropped them); its outcome cannot be delivered"
    ))
    .with_data(messages::to_value(&LastEventIdData { last_event_id }));
    super::sse::event_bytes(&write_error(Some(request), &error).json)
}

impl EventLog {
    /// A log keeping at most `max_events` events and `max_bytes` bytes of them.
    pub(crate) fn new(max_events: usize, max_bytes: usize) -> EventLog {
        EventLog {
            max_events: max_events.max(1),
            max_bytes: max_bytes.max(1),
            inner: Mutex::new(LogInner::default()),
            store: None,
            shared: OnceLock::new(),
        }
    }

    /// The same, keeping the events in `store` too (for `ttl` after the
    /// session's last use) once [`bind`](Self::bind) names the session.
    pub(crate) fn kept_in(mut self, store: Arc<dyn SessionStore>, ttl: Duration) -> EventLog {
        if store.keeps_events() {
            self.store = Some((store, ttl));
        }
        self
    }

    /// Starts keeping the events of session `session` in the store (no-op
    /// without one, or outside a runtime).
    pub(crate) fn bind(&self, session: &Arc<str>) {
        let Some((store, ttl)) = &self.store else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return tracing::warn!("no tokio runtime: stream events are kept on this node only");
        };
        let limits = ReplayLimits {
            max_events: self.max_events,
            max_bytes: self.max_bytes,
        };
        let (outbox, mut queue) = mpsc::channel::<StreamEvent>(self.max_events.clamp(64, 4096));
        let queued_bytes = Arc::new(AtomicUsize::new(0));
        let shared = SharedLog {
            store: Arc::clone(store),
            session: Arc::clone(session),
            outbox,
            queued_bytes: Arc::clone(&queued_bytes),
            watchers: Mutex::new(HashMap::new()),
            generations: Default::default(),
        };
        if self.shared.set(shared).is_ok() {
            let (store, session, ttl) = (Arc::clone(store), Arc::clone(session), *ttl);
            runtime.spawn(async move {
                while let Some(event) = queue.recv().await {
                    queued_bytes.fetch_sub(frame_len(&event.kind), Ordering::Relaxed);
                    if let Err(e) = store.keep_event(&session, &event, limits, ttl).await {
                        tracing::warn!(
                            session = %session,
                            "an event was not kept in the session store (a resume on another node reports it lost): {e}"
                        );
                    }
                }
            });
        }
    }

    /// Hands an event to the store, in order; one that does not fit is
    /// dropped (a resume elsewhere then finds the gap and says so).
    fn mirror(&self, stream: &str, number: u64, kind: StreamEventKind) {
        let Some(shared) = self.shared.get() else {
            return;
        };
        let size = frame_len(&kind);
        let queued = shared.queued_bytes.fetch_add(size, Ordering::Relaxed);
        let event = StreamEvent {
            stream: stream.to_owned(),
            number,
            kind,
        };
        if (queued > 0 && queued + size > self.max_bytes) || shared.outbox.try_send(event).is_err()
        {
            shared.queued_bytes.fetch_sub(size, Ordering::Relaxed);
            tracing::warn!("the session store falls behind: an event is kept on this node only");
        }
    }

    /// Whether streams of other nodes can be resumed here.
    pub(crate) fn is_shared(&self) -> bool {
        self.shared.get().is_some()
    }

    /// Another node's stream got an event: a client that resumed it here
    /// gets it. One too slow to take it is disconnected (it resumes again).
    pub(crate) fn heard(&self, event: &StreamEvent) {
        let Some(shared) = self.shared.get() else {
            return;
        };
        let mut watchers = shared.watchers.lock().unwrap_or_else(|e| e.into_inner());
        let full = match watchers.get(&event.stream) {
            Some((_, tx)) => tx.try_send(event.clone()).is_err(),
            None => false,
        };
        if full {
            watchers.remove(&event.stream);
        }
    }

    /// Connects a reader to stream `key` of another node after event
    /// `after`, from what the store kept then what every node hears.
    pub(crate) async fn attach_shared(
        self: &Arc<Self>,
        key: &str,
        after: u64,
        buffer: usize,
    ) -> Result<(Vec<Bytes>, mpsc::Receiver<Bytes>), NotResumable> {
        let Some(shared) = self.shared.get() else {
            return Err(NotResumable::Unknown);
        };
        // Listen first: what is published after the read is heard.
        let generation = shared.generations.fetch_add(1, Ordering::Relaxed);
        let (heard_tx, heard) = mpsc::channel(buffer.max(64));
        shared
            .watchers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_owned(), (generation, heard_tx));
        let stored = shared.store.events_after(&shared.session, key, after).await;
        let (frames, finished) = match stored {
            Ok(StoredEvents::Kept { frames, finished }) => (frames, finished),
            Ok(StoredEvents::Lost { request }) => {
                self.unwatch(key, generation);
                return Err(NotResumable::Lost {
                    request: request.and_then(|r| serde_json::from_value(r).ok()),
                });
            }
            Ok(_) => {
                self.unwatch(key, generation);
                return Err(NotResumable::Unknown);
            }
            Err(e) => {
                self.unwatch(key, generation);
                tracing::warn!("the session store could not be read for a resume: {e}");
                return Err(NotResumable::Unknown);
            }
        };
        let last = after + frames.len() as u64;
        let missed = frames.into_iter().map(Bytes::from).collect();
        let (tx, rx) = mpsc::channel(buffer.max(1));
        if finished {
            self.unwatch(key, generation);
        } else {
            let log = Arc::clone(self);
            let key = key.to_owned();
            tokio::spawn(async move {
                forward(heard, last, tx).await;
                log.unwatch(&key, generation);
            });
        }
        Ok((missed, rx))
    }

    fn unwatch(&self, key: &str, generation: u64) {
        if let Some(shared) = self.shared.get() {
            let mut watchers = shared.watchers.lock().unwrap_or_else(|e| e.into_inner());
            if watchers.get(key).is_some_and(|(g, _)| *g == generation) {
                watchers.remove(key);
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, LogInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new stream (of the call answering `request`, or the GET stream);
    /// returns its key.
    pub(crate) fn open(&self, request: Option<RequestId>) -> Arc<str> {
        let mut inner = self.lock();
        let key: Arc<str> = loop {
            let key = format!("{:016x}", rand::random::<u64>());
            if !inner.streams.contains_key(key.as_str()) {
                break key.into();
            }
        };
        if !inner.closed {
            let opened = StreamEventKind::Opened {
                request: request.as_ref().and_then(|r| serde_json::to_value(r).ok()),
            };
            self.mirror(&key, 0, opened);
            inner.streams.insert(
                Arc::clone(&key),
                StreamState {
                    request,
                    events: VecDeque::new(),
                    next: 1,
                    dropped_through: 0,
                    live: None,
                    generations: 0,
                    finished: false,
                },
            );
        }
        key
    }

    /// Numbers and keeps one message of stream `key`; returns its frame and
    /// the connection to send it on, if one reads the stream.
    pub(crate) fn append(
        &self,
        key: &str,
        json: &[u8],
    ) -> (Bytes, Option<(u64, mpsc::Sender<Bytes>)>) {
        let mut inner = self.lock();
        match self.push(&mut inner, key, json) {
            Some(frame) => {
                let live = inner
                    .streams
                    .get(key)
                    .and_then(|s| s.live.as_ref())
                    .map(|(g, tx)| (*g, tx.clone()));
                (frame, live)
            }
            // The session ended: the frame still gets an id, but is not kept.
            None => (frame(key, 1, json), None),
        }
    }

    /// Offers one message to the GET stream `key`: sent if a client reads
    /// it, else kept for a resume unless `only_live`. A client too slow to
    /// take it is disconnected (it resumes from what it has).
    pub(crate) fn offer(&self, key: &str, json: &[u8], only_live: bool) -> Offered {
        let mut inner = self.lock();
        let live = match inner.streams.get(key) {
            None => return Offered::Refused,
            Some(s) if s.finished => return Offered::Refused,
            Some(s) => s.live.as_ref().is_some_and(|(_, tx)| !tx.is_closed()),
        };
        if only_live && !live {
            return Offered::Refused;
        }
        let Some(frame) = self.push(&mut inner, key, json) else {
            return Offered::Refused;
        };
        let Some(stream) = inner.streams.get_mut(key) else {
            return Offered::Kept;
        };
        match stream.live.as_ref().map(|(_, tx)| tx.try_send(frame)) {
            Some(Ok(())) => Offered::Live,
            Some(Err(mpsc::error::TrySendError::Full(_))) => {
                tracing::warn!(
                    "the client reads its GET stream too slowly; disconnected it so it resumes"
                );
                stream.live = None;
                Offered::Kept
            }
            _ => {
                stream.live = None;
                Offered::Kept
            }
        }
    }

    /// Appends under the lock, dropping the oldest events beyond the budget.
    fn push(&self, inner: &mut LogInner, key: &str, json: &[u8]) -> Option<Bytes> {
        if inner.closed {
            return None;
        }
        let key = Arc::clone(inner.streams.get_key_value(key)?.0);
        let stream = inner.streams.get_mut(&key)?;
        let n = stream.next;
        stream.next += 1;
        let frame = frame(&key, n, json);
        stream.events.push_back((n, frame.clone()));
        self.mirror(
            &key,
            n,
            StreamEventKind::Sent {
                frame: String::from_utf8_lossy(&frame).into_owned(),
            },
        );
        inner.bytes += frame.len();
        inner.kept.push_back((key, n, frame.len()));
        while (inner.kept.len() > self.max_events || inner.bytes > self.max_bytes)
            && inner.kept.len() > 1
        {
            let Some((old, n, size)) = inner.kept.pop_front() else {
                break;
            };
            inner.bytes -= size;
            let emptied = match inner.streams.get_mut(&old) {
                Some(s) => {
                    if s.events.front().is_some_and(|(first, _)| *first == n) {
                        s.events.pop_front();
                    }
                    s.dropped_through = s.dropped_through.max(n);
                    s.finished && s.events.is_empty()
                }
                None => false,
            };
            if emptied {
                inner.streams.remove(&old);
            }
        }
        Some(frame)
    }

    /// Connects a reader to stream `key` after event `after`: the kept events
    /// it missed, and a channel of the rest (closed at once when the stream
    /// is finished). Takes the stream over from an earlier reader.
    pub(crate) fn attach(
        &self,
        key: &str,
        after: u64,
        buffer: usize,
    ) -> Result<(Vec<Bytes>, mpsc::Receiver<Bytes>), NotResumable> {
        let mut inner = self.lock();
        let stream = inner.streams.get_mut(key).ok_or(NotResumable::Unknown)?;
        if after >= stream.next {
            return Err(NotResumable::Unknown);
        }
        if after < stream.dropped_through {
            return Err(NotResumable::Lost {
                request: stream.request.clone(),
            });
        }
        let missed = stream
            .events
            .iter()
            .filter(|(n, _)| *n > after)
            .map(|(_, f)| f.clone())
            .collect();
        let (tx, rx) = mpsc::channel(buffer.max(1));
        if stream.finished {
            stream.live = None;
        } else {
            stream.generations += 1;
            stream.live = Some((stream.generations, tx));
        }
        Ok((missed, rx))
    }

    /// Whether a client reads stream `key` now.
    pub(crate) fn is_live(&self, key: &str) -> bool {
        self.lock()
            .streams
            .get(key)
            .and_then(|s| s.live.as_ref())
            .is_some_and(|(_, tx)| !tx.is_closed())
    }

    /// The reader of generation `generation` went away.
    pub(crate) fn detach(&self, key: &str, generation: u64) {
        let mut inner = self.lock();
        if let Some(stream) = inner.streams.get_mut(key) {
            if stream.live.as_ref().is_some_and(|(g, _)| *g == generation) {
                stream.live = None;
            }
        }
    }

    /// Ends the connection reading stream `key` once it has read what was
    /// sent (the call closed its stream, to be polled: SSE polling); what
    /// follows is kept for a resume.
    pub(crate) fn disconnect(&self, key: &str) {
        if let Some(stream) = self.lock().streams.get_mut(key) {
            stream.live = None;
        }
    }

    /// No event follows on stream `key`: its reader ends once it has read
    /// what was sent.
    pub(crate) fn finish(&self, key: &str) {
        let mut inner = self.lock();
        let empty = match inner.streams.get_mut(key) {
            Some(stream) => {
                if !stream.finished {
                    self.mirror(key, stream.next, StreamEventKind::Finished);
                }
                stream.finished = true;
                stream.live = None;
                stream.events.is_empty()
            }
            None => false,
        };
        if empty {
            inner.streams.remove(key);
        }
    }

    /// The session ended: every reader ends, nothing is kept.
    pub(crate) fn close(&self) {
        let mut inner = self.lock();
        inner.closed = true;
        inner.streams.clear();
        inner.kept.clear();
        inner.bytes = 0;
        if let Some(shared) = self.shared.get() {
            shared
                .watchers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
        }
    }
}

/// Sends on what is heard of a stream after event `last`, in order, until
/// it finishes, the reader goes away, or an event is missing (then the
/// stream ends, and the client's next resume is told what was lost).
async fn forward(mut heard: mpsc::Receiver<StreamEvent>, mut last: u64, out: mpsc::Sender<Bytes>) {
    loop {
        let event = tokio::select! {
            _ = out.closed() => return,
            event = heard.recv() => event,
        };
        let Some(event) = event else { return };
        if event.number <= last {
            continue;
        }
        if event.number > last + 1 {
            return tracing::debug!(stream = %event.stream, "an event of a resumed stream was not heard; ending it");
        }
        match event.kind {
            StreamEventKind::Sent { frame } => {
                if out.send(Bytes::from(frame)).await.is_err() {
                    return;
                }
                last += 1;
            }
            StreamEventKind::Finished => return,
            _ => {}
        }
    }
}

/// The bytes an event holds on its way to the store.
fn frame_len(kind: &StreamEventKind) -> usize {
    match kind {
        StreamEventKind::Sent { frame } => frame.len(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(frames: &[Bytes]) -> Vec<String> {
        frames
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect()
    }

    fn step(number: u64, kind: StreamEventKind) -> StreamEvent {
        StreamEvent {
            stream: "00000000000000ab".into(),
            number,
            kind,
        }
    }

    /// A store that never finishes keeping an event (Redis away, a
    /// command hanging): what waits for it must stay within the budget.
    struct StalledStore;

    impl SessionStore for StalledStore {
        fn create<'a>(
            &'a self,
            _: &'a str,
            _: &'a crate::session_store::SessionRecord,
            _: Duration,
        ) -> futures::future::BoxFuture<'a, Result<(), crate::session_store::StoreError>> {
            Box::pin(std::future::ready(Ok(())))
        }
        fn load<'a>(
            &'a self,
            _: &'a str,
            _: Duration,
        ) -> futures::future::BoxFuture<
            'a,
            Result<Option<crate::session_store::SessionRecord>, crate::session_store::StoreError>,
        > {
            Box::pin(std::future::ready(Ok(None)))
        }
        fn save<'a>(
            &'a self,
            _: &'a str,
            _: &'a crate::session_store::SessionRecord,
        ) -> futures::future::BoxFuture<'a, Result<(), crate::session_store::StoreError>> {
            Box::pin(std::future::ready(Ok(())))
        }
        fn touch<'a>(
            &'a self,
            _: &'a str,
            _: Duration,
        ) -> futures::future::BoxFuture<'a, Result<bool, crate::session_store::StoreError>>
        {
            Box::pin(std::future::ready(Ok(true)))
        }
        fn end<'a>(
            &'a self,
            _: &'a str,
        ) -> futures::future::BoxFuture<'a, Result<bool, crate::session_store::StoreError>>
        {
            Box::pin(std::future::ready(Ok(true)))
        }
        fn publish(
            &self,
            _: crate::session_store::SessionEvent,
        ) -> futures::future::BoxFuture<'static, Result<(), crate::session_store::StoreError>>
        {
            Box::pin(std::future::ready(Ok(())))
        }
        fn subscribe(&self, _: crate::session_store::EventHandler) {}
        fn keeps_events(&self) -> bool {
            true
        }
        fn keep_event<'a>(
            &'a self,
            _: &'a str,
            _: &'a StreamEvent,
            _: ReplayLimits,
            _: Duration,
        ) -> futures::future::BoxFuture<'a, Result<(), crate::session_store::StoreError>> {
            Box::pin(std::future::pending())
        }
    }

    #[tokio::test]
    async fn events_waiting_for_a_stalled_store_stay_within_the_byte_budget() {
        let log =
            EventLog::new(1000, 1000).kept_in(Arc::new(StalledStore), Duration::from_secs(60));
        log.bind(&Arc::from("s"));
        for n in 1..=50 {
            let frame = format!("data: {}\n\n", "x".repeat(92));
            log.mirror("00000000000000ab", n, StreamEventKind::Sent { frame });
            tokio::task::yield_now().await;
        }
        let queued = log
            .shared
            .get()
            .expect("bound")
            .queued_bytes
            .load(Ordering::Relaxed);
        // 50 events of 100 bytes were handed over; at most the budget (plus
        // the one the stalled store holds) waits.
        assert!(queued <= 1000, "{queued} bytes wait for the store");
        assert!(queued >= 900, "the budget is used, not refused: {queued}");
    }

    fn sent(number: u64) -> StreamEvent {
        step(
            number,
            StreamEventKind::Sent {
                frame: format!("{number}"),
            },
        )
    }

    #[tokio::test]
    async fn what_is_heard_of_another_nodes_stream_goes_on_in_order_once() {
        // After event 2: 2 again (read from the store meanwhile) is skipped,
        // 3 and 4 go on, the end ends the stream.
        let (heard_tx, heard) = mpsc::channel(8);
        let (out, mut rx) = mpsc::channel(8);
        for event in [
            sent(2),
            sent(3),
            sent(4),
            step(5, StreamEventKind::Finished),
            sent(6),
        ] {
            heard_tx.try_send(event).unwrap();
        }
        forward(heard, 2, out).await;
        let mut got = Vec::new();
        while let Ok(frame) = rx.try_recv() {
            got.push(String::from_utf8_lossy(&frame).into_owned());
        }
        assert_eq!(got, ["3", "4"]);

        // A number skipped ends the stream before it: no silent gap.
        let (heard_tx, heard) = mpsc::channel(8);
        let (out, mut rx) = mpsc::channel(8);
        for event in [sent(3), sent(5), sent(6)] {
            heard_tx.try_send(event).unwrap();
        }
        forward(heard, 2, out).await;
        assert_eq!(&rx.try_recv().unwrap()[..], b"3");
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn ids_parse_only_as_written() {
        assert_eq!(parse_id("00000000000000ab-3"), Ok(("00000000000000ab", 3)));
        for bad in [
            "",
            "3",
            "ab-3",
            "00000000000000ab-",
            "00000000000000ab--3",
            "00000000000000ab-+3",
            "0000000000000zab-3",
            "00000000000000ab-99999999999999999999",
        ] {
            assert_eq!(parse_id(bad), Err(NotResumable::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn a_resume_gets_what_followed_in_order_then_the_live_rest() {
        let log = EventLog::new(100, 1 << 20);
        let key = log.open(Some(RequestId::Number(7)));
        let (_, rx) = log.attach(&key, 0, 8).unwrap();
        drop(rx);
        for i in 1..=3 {
            let (frame, live) = log.append(&key, format!("{i}").as_bytes());
            assert!(String::from_utf8_lossy(&frame).starts_with(&format!("id: {key}-{i}\n")));
            // The reader went away: the sender is closed.
            assert!(live.is_none_or(|(_, tx)| tx.is_closed()));
        }
        let (missed, mut rx) = log.attach(&key, 1, 8).unwrap();
        assert_eq!(
            text(&missed),
            [
                format!("id: {key}-2\nevent: message\ndata: 2\n\n"),
                format!("id: {key}-3\nevent: message\ndata: 3\n\n")
            ]
        );
        let (frame, live) = log.append(&key, b"4");
        let (_, tx) = live.unwrap();
        tx.try_send(frame).unwrap();
        log.finish(&key);
        drop(tx);
        assert!(rx.try_recv().is_ok());
        assert!(rx.try_recv().is_err());
        // A number never sent names nothing.
        assert_eq!(log.attach(&key, 5, 8).err(), Some(NotResumable::Unknown));
        assert_eq!(
            log.attach("0000000000000000", 0, 8).err(),
            Some(NotResumable::Unknown)
        );
    }

    #[test]
    fn dropped_events_are_reported_not_skipped() {
        let log = EventLog::new(2, 1 << 20);
        let key = log.open(Some(RequestId::Number(1)));
        for i in 1..=3 {
            log.append(&key, format!("{i}").as_bytes());
        }
        assert_eq!(
            log.attach(&key, 0, 8).err(),
            Some(NotResumable::Lost {
                request: Some(RequestId::Number(1))
            })
        );
        assert_eq!(log.attach(&key, 1, 8).unwrap().0.len(), 2);
        // A finished stream whose every event was dropped is forgotten.
        log.finish(&key);
        let other = log.open(None);
        log.append(&other, b"a");
        log.append(&other, b"b");
        assert_eq!(log.attach(&key, 2, 8).err(), Some(NotResumable::Unknown));
    }

    #[test]
    fn the_byte_budget_keeps_at_least_the_newest_event() {
        let log = EventLog::new(100, 10);
        let key = log.open(None);
        log.append(&key, b"a long message, longer than the budget");
        log.append(&key, b"another long message");
        let (missed, _) = log.attach(&key, 1, 8).unwrap();
        assert_eq!(missed.len(), 1);
        assert!(matches!(
            log.attach(&key, 0, 8),
            Err(NotResumable::Lost { request: None })
        ));
    }

    #[test]
    fn the_get_stream_keeps_messages_while_no_one_reads_unless_told_not_to() {
        let log = EventLog::new(100, 1 << 20);
        let key = log.open(None);
        assert_eq!(log.offer(&key, b"1", true), Offered::Refused);
        assert_eq!(log.offer(&key, b"1", false), Offered::Kept);
        let (missed, mut rx) = log.attach(&key, 0, 1).unwrap();
        assert_eq!(missed.len(), 1);
        assert_eq!(log.offer(&key, b"2", true), Offered::Live);
        // The reader is full: it is disconnected, the message kept.
        assert_eq!(log.offer(&key, b"3", false), Offered::Kept);
        assert!(!log.is_live(&key));
        assert!(rx.try_recv().is_ok());
        let (missed, _rx) = log.attach(&key, 2, 1).unwrap();
        assert_eq!(
            text(&missed),
            [format!("id: {key}-3\nevent: message\ndata: 3\n\n")]
        );
        log.close();
        assert_eq!(log.offer(&key, b"4", false), Offered::Refused);
    }
}
