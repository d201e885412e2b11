//! Sessions every node can read: what a session of a session revision
//! (2025-03-26 to 2025-11-25, `Mcp-Session-Id`) is, kept where every HTTP node
//! of a deployment finds it, so any node answers any request of any session.
//!
//! Without a store (the default) a node keeps its sessions in process memory
//! and nothing here is used. With one ([`ServerBuilder::sessions`]; on Redis:
//! `ferrymcp::task::redis::RedisSessionStore`), the HTTP endpoint:
//!
//! * stores the [`SessionRecord`] when `initialize` succeeds, and again when
//!   `logging/setLevel` or `resources/(un)subscribe` change it;
//! * loads it on a node that does not have it (or has not checked it for
//!   [`recheck_after`](SessionStore::recheck_after)), with the same owner check
//!   as in memory: another identity gets the 404 of an unknown session;
//! * ends it everywhere on `DELETE` ([`SessionEvent::Ended`]); idle expiry is
//!   the store's own (the TTL every load pushes back);
//! * sends what is addressed to the session and finds no GET stream on this
//!   node ([`SessionEvent::ToClient`]), and what the client posts that no call
//!   of this node waits for ([`SessionEvent::FromClient`]: answers to
//!   questions, cancellations), to every node: the one that holds the stream,
//!   or the waiting call, takes it;
//! * if the store [keeps events](SessionStore::keeps_events), keeps the
//!   events of the session's streams there too (bounded as in memory,
//!   gone when the session ends) and tells every node of each
//!   ([`SessionEvent::Streamed`]), so a client whose stream dropped resumes it
//!   with `Last-Event-ID` on any node: what it missed from the store, then
//!   the live rest.
//!
//! [`ServerBuilder::sessions`]: crate::ServerBuilder::sessions

use crate::auth::CallerIdentity;
use crate::call::ChangeRelay;
use crate::protocol::{Implementation, LogLevel};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// What a session is, as stored: the negotiated revision, the client's info
/// and capabilities, the caller it belongs to, its log level and resource
/// subscriptions, and the key that binds tasks of callers without a token.
///
/// Opaque to a store: serialize it with serde (JSON) and give it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    #[serde(rename = "protocolVersion")]
    pub(crate) protocol_version: String,
    #[serde(
        rename = "clientInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) client_info: Option<Implementation>,
    #[serde(default)]
    pub(crate) capabilities: Value,
    pub(crate) owner: SessionOwner,
    #[serde(rename = "logLevel", default, skip_serializing_if = "Option::is_none")]
    pub(crate) log_level: Option<LogLevel>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) subscriptions: Vec<String>,
    pub(crate) key: String,
}

/// Who may use a stored session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum SessionOwner {
    /// Opened without a token: anyone holding its id.
    Anyone,
    /// The identity (issuer and subject or client id) of the opening token.
    Identity { identity: CallerIdentity },
    /// A token naming no identity: that exact token (its SHA-256, never the token).
    Token { digest: String },
}

/// A message between the nodes sharing a store, about one session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SessionEvent {
    /// The session ended (DELETE): every node drops it and closes its streams.
    Ended {
        /// The session id.
        session: String,
    },
    /// The session's record changed (log level, subscriptions).
    Updated {
        /// The session id.
        session: String,
        /// The new record.
        record: Box<SessionRecord>,
    },
    /// A message for the client found no GET stream on the node that sent
    /// it: the node holding the stream sends it.
    ToClient {
        /// The session id.
        session: String,
        /// The JSON-RPC message.
        message: Value,
    },
    /// A message of the client (a response to a question, a cancellation)
    /// that no call of the receiving node waited for: the node running the
    /// call takes it.
    FromClient {
        /// The session id.
        session: String,
        /// The JSON-RPC message.
        message: Value,
    },
    /// A stream of the session got an event, or finished: a node where
    /// its client resumed sends it on.
    Streamed {
        /// The session id.
        session: String,
        /// What happened to the stream.
        #[serde(rename = "streamEvent")]
        step: StreamEvent,
    },
}

/// One step of a session's stream, as kept for resumes on any node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamEvent {
    /// The stream's key (the part of its event ids before the `-`).
    pub stream: String,
    /// The event's number in the stream (from 1); for `Opened` 0, for
    /// `Finished` the number no event took.
    pub number: u64,
    /// What happened.
    #[serde(flatten)]
    pub kind: StreamEventKind,
}

/// What happened to a stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StreamEventKind {
    /// The stream opened; `request` is the id of the request it answers
    /// (`None`: the session's GET stream).
    Opened {
        /// The request's id, as JSON.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<Value>,
    },
    /// An event was sent on it.
    Sent {
        /// The event as written on the stream (an SSE frame).
        frame: String,
    },
    /// No event follows.
    Finished,
}

/// How many events, and bytes of them, a store keeps per session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayLimits {
    /// Events kept at most (the oldest go first).
    pub max_events: usize,
    /// Bytes kept at most (the newest event is kept even when larger).
    pub max_bytes: usize,
}

/// What a store keeps of a stream after one of its events.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StoredEvents {
    /// No such stream (or a number it never reached, or none of its events
    /// is kept any more).
    Unknown,
    /// Some of the events after it were dropped; `request` is the request
    /// the stream answers.
    Lost {
        /// The request's id, as JSON (`None`: the GET stream).
        request: Option<Value>,
    },
    /// Every event after it, in order.
    Kept {
        /// The frames, numbered from the one after.
        frames: Vec<String>,
        /// No event follows them.
        finished: bool,
    },
}

/// Takes every event of every node, in order; called inline by the store's
/// listener, so it must not block. Returns `false` once it wants no more.
pub type EventHandler = Arc<dyn Fn(&SessionEvent) -> bool + Send + Sync>;

/// The store could not be reached or answered wrongly.
#[derive(Debug, Clone, thiserror::Error)]
#[error("session store: {0}")]
pub struct StoreError(pub String);

/// Where the sessions of a deployment live, shared by its HTTP nodes.
pub trait SessionStore: Send + Sync + 'static {
    /// Stores a new session that expires after `ttl` unless loaded again.
    fn create<'a>(
        &'a self,
        id: &'a str,
        record: &'a SessionRecord,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// The live session with this id, its expiry pushed back to `ttl` from
    /// now; `None` when it is unknown, ended or expired.
    fn load<'a>(
        &'a self,
        id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<SessionRecord>, StoreError>>;

    /// Replaces the record of a live session (its expiry unchanged) and
    /// tells every node ([`SessionEvent::Updated`]).
    fn save<'a>(
        &'a self,
        id: &'a str,
        record: &'a SessionRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Pushes the expiry of a live session back to `ttl` from now (an open
    /// GET stream keeps its session); `false` when it is gone.
    fn touch<'a>(&'a self, id: &'a str, ttl: Duration) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Ends a session everywhere: removes it and tells every node
    /// ([`SessionEvent::Ended`]); `false` when it did not exist.
    fn end<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Sends an event to every node (this one included).
    fn publish(&self, event: SessionEvent) -> BoxFuture<'static, Result<(), StoreError>>;

    /// From now on hands every event of every node to `handler`.
    fn subscribe(&self, handler: EventHandler);

    /// How long a node answers from its own copy of a session before it
    /// loads it again (an end is heard at once through
    /// [`SessionEvent::Ended`]; this bounds how long a missed one goes
    /// unnoticed). Default: one second.
    fn recheck_after(&self) -> Duration {
        Duration::from_secs(1)
    }

    /// A relay of change announcements on the same channel as the events,
    /// so a node hears a subscription before the change it is for; the
    /// server uses it unless it was given another
    /// ([`ServerBuilder::change_relay`](crate::ServerBuilder::change_relay)).
    fn change_relay(&self) -> Option<Arc<dyn ChangeRelay>> {
        None
    }

    /// Whether the store keeps the events of sessions' streams
    /// ([`keep_event`](Self::keep_event), [`events_after`](Self::events_after)),
    /// so that they resume on any node. Default: `false` (each node keeps
    /// its own, in memory).
    fn keeps_events(&self) -> bool {
        false
    }

    /// Keeps one event of a session's stream within `limits` (dropping the
    /// session's oldest), expiring after `ttl` unless the session is used,
    /// and tells every node ([`SessionEvent::Streamed`]), in one step.
    fn keep_event<'a>(
        &'a self,
        session: &'a str,
        event: &'a StreamEvent,
        limits: ReplayLimits,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let _ = (session, event, limits, ttl);
        Box::pin(std::future::ready(Ok(())))
    }

    /// The kept events of a session's stream after number `after`.
    fn events_after<'a>(
        &'a self,
        session: &'a str,
        stream: &'a str,
        after: u64,
    ) -> BoxFuture<'a, Result<StoredEvents, StoreError>> {
        let _ = (session, stream, after);
        Box::pin(std::future::ready(Ok(StoredEvents::Unknown)))
    }
}
