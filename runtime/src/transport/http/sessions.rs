//! The legacy sessions of one endpoint: created by `initialize`, found by their
//! `Mcp-Session-Id`, ended by DELETE, by idling, or never created when full.
//!
//! A session belongs to the caller that opened it ([`Owner`]): when requests
//! carry verified tokens, another identity presenting its id is treated as if
//! the session did not exist.
//!
//! With a shared store ([`SessionStore`]) this table is the node's cache of
//! the sessions it served: the store is the truth, an entry is answered from
//! without asking the store for [`SessionStore::recheck_after`] after it was
//! last loaded, and an end anywhere removes it at once
//! ([`SessionEvent::Ended`], [`on_event`](SessionTable::on_event)).
//!
//! There is no background task: expired sessions are swept when a new one is
//! created (and found expired on lookup), so the store needs nothing started
//! and works in whatever runtime serves the router.

use super::limits::Permit;
use super::resume::{EventLog, Offered};
use crate::auth::{AccessToken, CallerIdentity};
use crate::call::Outbound;
use crate::protocol::ProtocolVersion;
use crate::server::{Server, Session, Shared};
use crate::session_store::{
    SessionEvent, SessionOwner, SessionRecord, SessionStore, StreamEvent, StreamEventKind,
};
use axum::body::Bytes;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How often at most a full sweep of expired sessions runs.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Every session of one endpoint (with a shared store: the ones this node
/// served lately).
pub(crate) struct SessionTable {
    sessions: RwLock<HashMap<Arc<str>, Arc<HttpSession>>>,
    idle_timeout: Duration,
    max_sessions: usize,
    last_sweep: Mutex<Instant>,
}

/// The store is full.
#[derive(Debug)]
pub(crate) struct Full;

impl SessionTable {
    pub(crate) fn new(idle_timeout: Duration, max_sessions: usize) -> Self {
        SessionTable {
            sessions: RwLock::new(HashMap::new()),
            idle_timeout,
            max_sessions,
            last_sweep: Mutex::new(Instant::now()),
        }
    }

    /// The live session with this id at `now`; an expired one is removed and
    /// not returned.
    pub(crate) fn get(&self, id: &str, now: Instant) -> Option<Arc<HttpSession>> {
        let session = self
            .sessions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()?;
        if session.expired(now, self.idle_timeout) {
            self.remove(id);
            return None;
        }
        Some(session)
    }

    /// The session with this id if this node has it, expired or not.
    pub(crate) fn peek(&self, id: &str) -> Option<Arc<HttpSession>> {
        self.sessions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// Keeps a copy of a stored session, unless the table already has one
    /// (returned instead) or is full (then the copy serves its request
    /// uncached).
    pub(crate) fn insert_or_get(&self, session: Arc<HttpSession>) -> Arc<HttpSession> {
        self.sweep(false);
        let mut sessions = self.sessions.write().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = sessions.get(&session.id) {
            return Arc::clone(existing);
        }
        if sessions.len() < self.max_sessions {
            sessions.insert(Arc::clone(&session.id), Arc::clone(&session));
        }
        session
    }

    /// Acts on what a node sharing the store says about a session this
    /// node may have: its end, its new record, a message for its GET
    /// stream, a message of its client for a call running here.
    pub(crate) fn on_event(&self, event: &SessionEvent) {
        match event {
            SessionEvent::Ended { session } => {
                if self.remove(session).is_some() {
                    tracing::debug!(session = %session, "session ended (heard from the store)");
                }
            }
            SessionEvent::Updated { session, record } => {
                if let Some(s) = self.peek(session) {
                    s.session.apply(record);
                }
            }
            SessionEvent::ToClient { session, message } => {
                if let Some(s) = self.peek(session) {
                    s.standalone.send_here(message.clone());
                }
            }
            SessionEvent::FromClient { session, message } => {
                if let Some(s) = self.peek(session) {
                    s.session.handle_from_other_node(message);
                }
            }
            SessionEvent::Streamed { session, step } => {
                if let Some(s) = self.peek(session) {
                    s.log.heard(step);
                    s.standalone.heard(step);
                }
            }
        }
    }

    /// Whether a session could be added now.
    pub(crate) fn has_room(&self) -> bool {
        self.sweep(false);
        self.len() < self.max_sessions
    }

    /// Adds an initialized session.
    pub(crate) fn insert(&self, session: Arc<HttpSession>) -> Result<(), Full> {
        self.sweep(false);
        let mut sessions = self.sessions.write().unwrap_or_else(|e| e.into_inner());
        if sessions.len() >= self.max_sessions {
            drop(sessions);
            self.sweep(true);
            sessions = self.sessions.write().unwrap_or_else(|e| e.into_inner());
            if sessions.len() >= self.max_sessions {
                return Err(Full);
            }
        }
        sessions.insert(Arc::clone(&session.id), session);
        Ok(())
    }

    /// Ends a session: its GET stream closes and its running calls are cancelled.
    pub(crate) fn remove(&self, id: &str) -> Option<Arc<HttpSession>> {
        let session = self
            .sessions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id)?;
        session.end();
        Some(session)
    }

    fn len(&self) -> usize {
        self.sessions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// Removes expired sessions, at most once per [`SWEEP_EVERY`] unless `force`.
    fn sweep(&self, force: bool) {
        let now = Instant::now();
        {
            let mut last = self.last_sweep.lock().unwrap_or_else(|e| e.into_inner());
            if !force && now.duration_since(*last) < SWEEP_EVERY {
                return;
            }
            *last = now;
        }
        let mut sessions = self.sessions.write().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|_, s| {
            let keep = !s.expired(now, self.idle_timeout);
            if !keep {
                tracing::debug!(session = %s.id, "session expired after idling");
                s.end();
            }
            keep
        });
    }
}

/// Who may use a session: the caller whose token opened it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Owner {
    /// The session was opened without a token (no authorization): anyone
    /// holding its id may use it.
    Anyone,
    /// The identity (issuer and subject or client id) of the opening token;
    /// a refreshed token of the same identity keeps the session.
    Identity(CallerIdentity),
    /// A token that names no identity: only that exact token may use it.
    Token(AccessToken),
    /// The same, for a session loaded from a shared store: the token's
    /// [`digest`](AccessToken::digest).
    TokenDigest(String),
}

impl Owner {
    /// The owner of a session opened with `token`.
    pub(crate) fn of(token: Option<&AccessToken>) -> Owner {
        match token {
            None => Owner::Anyone,
            Some(token) => match token.identity() {
                Some(identity) => Owner::Identity(identity),
                None => Owner::Token(token.clone()),
            },
        }
    }

    /// Whether a request carrying `token` may use the session.
    pub(crate) fn admits(&self, token: Option<&AccessToken>) -> bool {
        match self {
            Owner::Anyone => true,
            Owner::Identity(owner) => token.and_then(AccessToken::identity).as_ref() == Some(owner),
            Owner::Token(owner) => token.is_some_and(|t| t.identity().is_none() && t == owner),
            Owner::TokenDigest(owner) => {
                token.is_some_and(|t| t.identity().is_none() && t.digest() == *owner)
            }
        }
    }

    /// The owner as a shared store keeps it (a token only as its digest).
    pub(crate) fn stored(&self) -> SessionOwner {
        match self {
            Owner::Anyone => SessionOwner::Anyone,
            Owner::Identity(identity) => SessionOwner::Identity {
                identity: identity.clone(),
            },
            Owner::Token(token) => SessionOwner::Token {
                digest: token.digest(),
            },
            Owner::TokenDigest(digest) => SessionOwner::Token {
                digest: digest.clone(),
            },
        }
    }

    /// The owner of a stored session.
    pub(crate) fn from_stored(owner: &SessionOwner) -> Owner {
        match owner {
            SessionOwner::Anyone => Owner::Anyone,
            SessionOwner::Identity { identity } => Owner::Identity(identity.clone()),
            SessionOwner::Token { digest } => Owner::TokenDigest(digest.clone()),
        }
    }
}

/// One legacy session over HTTP.
pub(crate) struct HttpSession {
    pub(crate) id: Arc<str>,
    /// Who may use it.
    pub(crate) owner: Owner,
    pub(crate) session: Session,
    /// Cancelled when the session ends.
    pub(crate) closed: CancellationToken,
    /// Whether it ended (`closed`, read without the token's lock).
    ended: AtomicBool,
    pub(crate) standalone: Arc<Standalone>,
    /// The events of its streams, for clients that resume.
    pub(crate) log: Arc<EventLog>,
    created: Instant,
    /// Milliseconds after `created` of the last use.
    last_seen: AtomicU64,
    /// Requests running and streams open.
    active: AtomicUsize,
    /// Counts the session for its caller until it ends.
    permit: Mutex<Option<Permit>>,
    /// With a shared store: 1 + the milliseconds after `created` when it
    /// was last loaded from (or stored in) the store; 0 before.
    verified: AtomicU64,
}

impl HttpSession {
    /// A new session of `owner` with a fresh id (128 random bits), counted
    /// for its caller by `permit` until it ends.
    pub(crate) fn new(server: &Server, owner: Owner, permit: Permit, log: EventLog) -> Arc<Self> {
        let standalone = Arc::new(Standalone::new(Arc::new(log), None));
        let id: Arc<str> = format!("{:032x}", rand::random::<u128>()).into();
        let session = server.session(Arc::clone(&standalone) as Arc<dyn Outbound>);
        Self::assemble(id, owner, session, standalone, Some(permit))
    }

    /// A new session kept in `store` (stored once `initialize` succeeded).
    pub(crate) fn new_shared(
        server: &Server,
        owner: Owner,
        permit: Permit,
        store: &Arc<dyn SessionStore>,
        log: EventLog,
    ) -> Arc<Self> {
        let id: Arc<str> = format!("{:032x}", rand::random::<u128>()).into();
        Self::shared(server, id, owner, None, store, Some(permit), log)
    }

    /// This node's copy of a session another node (or this one, before a
    /// restart) stored.
    pub(crate) fn restore(
        server: &Server,
        id: &str,
        record: &SessionRecord,
        store: &Arc<dyn SessionStore>,
        log: EventLog,
    ) -> Arc<Self> {
        let owner = Owner::from_stored(&record.owner);
        Self::shared(server, id.into(), owner, Some(record), store, None, log)
    }

    fn shared(
        server: &Server,
        id: Arc<str>,
        owner: Owner,
        record: Option<&SessionRecord>,
        store: &Arc<dyn SessionStore>,
        permit: Option<Permit>,
        log: EventLog,
    ) -> Arc<Self> {
        log.bind(&id);
        let standalone = Arc::new(Standalone::new(
            Arc::new(log),
            Some((Arc::clone(store), Arc::clone(&id))),
        ));
        let here = Arc::new(Here(Arc::clone(&standalone)));
        let shared = Shared {
            store: Arc::clone(store),
            id: Arc::clone(&id),
            owner: owner.stored(),
        };
        let session = Session::new_shared(
            server.clone(),
            Arc::clone(&standalone) as Arc<dyn Outbound>,
            here,
            shared,
            record,
        );
        Self::assemble(id, owner, session, standalone, permit)
    }

    fn assemble(
        id: Arc<str>,
        owner: Owner,
        session: Session,
        standalone: Arc<Standalone>,
        permit: Option<Permit>,
    ) -> Arc<Self> {
        Arc::new(HttpSession {
            session,
            id,
            owner,
            closed: CancellationToken::new(),
            ended: AtomicBool::new(false),
            log: Arc::clone(&standalone.log),
            standalone,
            created: Instant::now(),
            last_seen: AtomicU64::new(0),
            active: AtomicUsize::new(0),
            permit: Mutex::new(permit),
            verified: AtomicU64::new(0),
        })
    }

    /// Whether the copy was loaded from the shared store within `recheck` of `now`.
    pub(crate) fn fresh(&self, now: Instant, recheck: Duration) -> bool {
        match self.verified.load(Ordering::Acquire) {
            0 => false,
            v => {
                let at = self.created + Duration::from_millis(v - 1);
                now.saturating_duration_since(at) < recheck
            }
        }
    }

    /// Notes that the store confirmed the session at `now`.
    pub(crate) fn mark_verified(&self, now: Instant) {
        let ms = now.saturating_duration_since(self.created).as_millis() as u64;
        self.verified.fetch_max(ms + 1, Ordering::AcqRel);
    }

    /// The negotiated revision (2025-03-26 before `initialize`).
    pub(crate) fn protocol_version(&self) -> ProtocolVersion {
        self.session
            .protocol_version()
            .unwrap_or(ProtocolVersion::V2025_03_26)
    }

    /// Marks the session in use (since `now`) until the guard is dropped.
    pub(crate) fn activate(self: Arc<Self>, now: Instant) -> Active {
        self.active.fetch_add(1, Ordering::AcqRel);
        self.touch_at(now);
        Active(self)
    }

    /// Ends the session: its GET stream closes and its running calls stop.
    fn end(&self) {
        self.ended.store(true, Ordering::Release);
        self.closed.cancel();
        self.log.close();
        drop(self.permit.lock().unwrap_or_else(|e| e.into_inner()).take());
    }

    fn touch(&self) {
        self.touch_at(Instant::now());
    }

    fn touch_at(&self, now: Instant) {
        let ms = now.saturating_duration_since(self.created).as_millis() as u64;
        self.last_seen.fetch_max(ms, Ordering::AcqRel);
    }

    fn expired(&self, now: Instant, idle_timeout: Duration) -> bool {
        if self.ended.load(Ordering::Acquire) {
            return true;
        }
        if self.active.load(Ordering::Acquire) > 0 {
            return false;
        }
        let last = self.created + Duration::from_millis(self.last_seen.load(Ordering::Acquire));
        now.saturating_duration_since(last) > idle_timeout
    }
}

/// Keeps a session from idling out while a request runs or a stream is open.
pub(crate) struct Active(Arc<HttpSession>);

impl Active {
    /// The session kept active.
    pub(crate) fn session(&self) -> &HttpSession {
        &self.0
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        self.0.touch();
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The session's GET stream: where messages that belong to no request go.
/// It stays the session's GET stream when its client goes away, keeping
/// what is sent for a resume, until a new GET replaces it. With a shared
/// store, a message finding no connected GET stream on this node goes to
/// the other nodes instead ([`SessionEvent::ToClient`]), and each node
/// sends it on its connected GET stream; the node holding the session's
/// newest GET stream (the last one the store told of) keeps it there when
/// no client reads that stream, so a resume on any node replays it, with
/// that node's numbers.
pub(crate) struct Standalone {
    log: Arc<EventLog>,
    /// The key of the GET stream in the log.
    current: Mutex<Option<Arc<str>>>,
    remote: Option<(Arc<dyn SessionStore>, Arc<str>)>,
    /// Another node opened the session's newest GET stream.
    elsewhere: AtomicBool,
}

/// The GET stream of this node only: where a session's announced changes
/// go with a shared store (every node hears every change itself).
struct Here(Arc<Standalone>);

impl Outbound for Here {
    fn send(&self, message: Value) {
        self.0.send_here(message);
    }
}

impl Standalone {
    fn new(log: Arc<EventLog>, remote: Option<(Arc<dyn SessionStore>, Arc<str>)>) -> Self {
        Standalone {
            log,
            current: Mutex::new(None),
            remote,
            elsewhere: AtomicBool::new(false),
        }
    }

    fn current(&self) -> std::sync::MutexGuard<'_, Option<Arc<str>>> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a new GET stream (the earlier one, finished, can still be
    /// resumed for what it kept); `None` when a client reads one now.
    pub(crate) fn open(&self, buffer: usize) -> Option<(Arc<str>, mpsc::Receiver<Bytes>)> {
        let mut current = self.current();
        if let Some(key) = current.as_ref() {
            if self.log.is_live(key) {
                return None;
            }
            self.log.finish(key);
        }
        let key = self.log.open(None);
        let (_, rx) = self.log.attach(&key, 0, buffer).ok()?;
        *current = Some(Arc::clone(&key));
        self.elsewhere.store(false, Ordering::Release);
        Some((key, rx))
    }

    /// A node opened a GET stream of the session (the store tells every
    /// node, this one too, in order): the newest is this node's only if it
    /// is the current one here.
    fn heard(&self, step: &StreamEvent) {
        if let StreamEventKind::Opened { request: None } = step.kind {
            let current = self.current();
            let here = current.as_deref() == Some(step.stream.as_str());
            self.elsewhere.store(!here, Ordering::Release);
        }
    }

    /// Offers a message to the GET stream; `Err` gives it back when none takes it.
    fn offer(&self, message: Value, only_live: bool) -> Result<(), Value> {
        let current = self.current();
        let Some(key) = current.as_ref() else {
            return Err(message);
        };
        let json = serde_json::to_vec(&message).unwrap_or_else(|_| b"null".to_vec());
        match self.log.offer(key, &json, only_live) {
            Offered::Live | Offered::Kept => Ok(()),
            Offered::Refused => Err(message),
        }
    }

    /// Sends on this node's connected stream, or, with no client reading
    /// it, keeps it there if it is the session's newest GET stream.
    pub(crate) fn send_here(&self, message: Value) {
        let only_live = self.remote.is_none() || self.elsewhere.load(Ordering::Acquire);
        if self.offer(message, only_live).is_err() {
            tracing::debug!("dropped a message: no GET stream is open");
        }
    }
}

impl Outbound for Standalone {
    fn send(&self, message: Value) {
        // Without a shared store, a disconnected GET stream keeps the message
        // for its client's resume; with one, another node may have the client.
        let Err(message) = self.offer(message, self.remote.is_some()) else {
            return;
        };
        let Some((store, id)) = &self.remote else {
            return tracing::debug!("dropped a message: no GET stream is open");
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return tracing::debug!("dropped a message: no runtime to pass it on");
        };
        let published = store.publish(SessionEvent::ToClient {
            session: id.to_string(),
            message,
        });
        runtime.spawn(async move {
            if let Err(e) = published.await {
                tracing::warn!("dropped a message for the GET stream of another node: {e}");
            }
        });
    }

    fn reaches_client(&self) -> bool {
        // With a shared store, another node may hold the stream.
        self.remote.is_some() || self.current().as_ref().is_some_and(|k| self.log.is_live(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_admit_their_identity_only() {
        let alice = AccessToken::builder().issuer("https://as").subject("alice");
        let opened = alice.clone().scopes(["a"]).raw("t1").build();
        let refreshed = alice.scopes(["a", "b"]).raw("t2").build();
        let bob = AccessToken::builder()
            .issuer("https://as")
            .subject("bob")
            .build();
        let owner = Owner::of(Some(&opened));
        assert!(owner.admits(Some(&opened)));
        assert!(owner.admits(Some(&refreshed)));
        assert!(!owner.admits(Some(&bob)));
        assert!(!owner.admits(None));

        let anonymous = AccessToken::builder().raw("x").build();
        let owner = Owner::of(Some(&anonymous));
        assert_eq!(owner, Owner::Token(anonymous.clone()));
        assert!(owner.admits(Some(&anonymous)));
        assert!(!owner.admits(Some(&AccessToken::builder().raw("y").build())));
        assert!(!owner.admits(Some(&bob)));

        assert!(Owner::of(None).admits(None));
        assert!(Owner::of(None).admits(Some(&bob)));
    }
}
