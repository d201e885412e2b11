//! The session revisions (2025-03-26 to 2025-11-25) over HTTP: `initialize`
//! opens a session named by `Mcp-Session-Id`; later requests carry it; GET
//! opens the session's stream for server messages; DELETE ends it.
//!
//! A session belongs to the caller that opened it: with authorization, a
//! request whose token names another identity gets the same 404 as an unknown
//! session, so a session id is no use to anyone else and reveals nothing.
//!
//! With a shared store ([`SessionStore`]) the same holds on every node: a node
//! that has no fresh copy of the session loads it, and DELETE ends it in the
//! store and, through it, on every node.

use super::auth::scope_challenge;
use super::limits::Limit;
use super::modern::effective_mode;
use super::options::ResponseMode;
use super::response::{self, Accept};
use super::resume::{self, EventLog, NotResumable, LAST_EVENT_ID};
use super::router::Endpoint;
use super::sessions::{HttpSession, Owner};
use super::sse::{self, reply, CallMessages, KeepAlive, Reply, Resumable};
use crate::auth::AccessToken;
use crate::call::{NoOutbound, Outbound};
use crate::inject::Headers;
use crate::protocol::jsonrpc::Written;
use crate::protocol::{Incoming, ProtocolVersion, RequestId};
use crate::session_store::SessionStore;
use axum::body::Bytes;
use axum::response::Response;
use futures::FutureExt;
use http::header::{HeaderName, HeaderValue};
use http::request::Parts;
use http::StatusCode;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// The session header.
pub(crate) const MCP_SESSION_ID: HeaderName = HeaderName::from_static("mcp-session-id");

fn session_id(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(&MCP_SESSION_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim_ascii)
}

/// Why a request has no session.
enum NoSession {
    /// No `Mcp-Session-Id` header: 400.
    Missing,
    /// An unknown or ended session: 404.
    Unknown,
    /// The shared store cannot be reached: 503.
    Unavailable,
}

impl NoSession {
    fn response(self, id: Option<&RequestId>) -> Response {
        match self {
            NoSession::Missing => response::refuse(
                StatusCode::BAD_REQUEST,
                id,
                "Bad Request: missing Mcp-Session-Id header; send `initialize` first to open a session",
            ),
            NoSession::Unknown => response::refuse(
                StatusCode::NOT_FOUND,
                id,
                "Not Found: unknown or ended session; send `initialize` to open a new one",
            ),
            NoSession::Unavailable => response::refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                id,
                "Service Unavailable: the session store cannot be reached; try again later",
            ),
        }
    }
}

/// Finds the request's session (live at `now`), if it exists and belongs to
/// the caller.
async fn find_session(
    ep: &Endpoint,
    parts: &Parts,
    now: Instant,
) -> Result<Arc<HttpSession>, NoSession> {
    let sid = session_id(parts).ok_or(NoSession::Missing)?;
    let session = match &ep.shared {
        None => ep.sessions.get(sid, now).ok_or(NoSession::Unknown)?,
        // Boxed: only with a shared store.
        Some(store) => Box::pin(shared_session(ep, store, sid, now)).await?,
    };
    if !session.owner.admits(parts.extensions.get::<AccessToken>()) {
        tracing::debug!(session = %session.id, "a session id presented by another identity");
        return Err(NoSession::Unknown);
    }
    Ok(session)
}

/// The session from this node's copy while it is fresh, else from the store.
async fn shared_session(
    ep: &Endpoint,
    store: &Arc<dyn SessionStore>,
    sid: &str,
    now: Instant,
) -> Result<Arc<HttpSession>, NoSession> {
    // Ids are 32 hex digits: anything else is no session, without asking.
    if sid.len() != 32 || !sid.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NoSession::Unknown);
    }
    let local = ep.sessions.get(sid, now);
    if let Some(session) = local
        .as_ref()
        .filter(|s| s.fresh(now, store.recheck_after()))
    {
        return Ok(Arc::clone(session));
    }
    match store.load(sid, ep.shared_ttl(store.as_ref())).await {
        Ok(Some(record)) => {
            let session = match local {
                Some(session) => {
                    session.session.apply(&record);
                    session
                }
                None => ep.sessions.insert_or_get(HttpSession::restore(
                    &ep.server,
                    sid,
                    &record,
                    store,
                    event_log(ep),
                )),
            };
            session.mark_verified(now);
            Ok(session)
        }
        Ok(None) => {
            ep.sessions.remove(sid);
            Err(NoSession::Unknown)
        }
        Err(e) => {
            tracing::warn!(session = %sid, "the session could not be loaded: {e}");
            Err(NoSession::Unavailable)
        }
    }
}

/// Answers a POST of a session revision.
pub(crate) async fn post(
    ep: Arc<Endpoint>,
    parts: Parts,
    body: Result<Incoming, crate::protocol::Rejected>,
    accept: Accept,
) -> Response {
    let incoming = match body {
        Ok(incoming) => incoming,
        Err(rejected) => {
            return response::error(
                StatusCode::BAD_REQUEST,
                rejected.id.as_ref(),
                &rejected.error,
            )
        }
    };
    let mode = effective_mode(ep.options.response_mode, accept);
    let request = match incoming {
        Incoming::Request(request) if request.method == "initialize" => {
            // Boxed: once per session, and a large future.
            return Box::pin(initialize(ep, parts, request, mode)).await;
        }
        Incoming::Request(request) => request,
        other => {
            let now = Instant::now();
            let session = match find_session(&ep, &parts, now).await {
                Ok(s) => s,
                Err(no) => return no.response(None),
            };
            let active = session.activate(now);
            let session = active.session();
            match (other, ep.shared.is_some()) {
                (Incoming::Notification(n), false) => session.session.handle_notification(n),
                (Incoming::Response(r), false) => session.session.handle_response(r),
                // With a shared store, what no call here waits for goes on.
                (Incoming::Notification(n), true) => {
                    Box::pin(session.session.handle_notification_anywhere(n)).await
                }
                (Incoming::Response(r), true) => {
                    Box::pin(session.session.handle_response_anywhere(r)).await
                }
                (Incoming::Request(_), _) => {}
            }
            return response::empty(StatusCode::ACCEPTED);
        }
    };
    let now = Instant::now();
    let session = match find_session(&ep, &parts, now).await {
        Ok(s) => s,
        Err(no) => return no.response(Some(&request.id)),
    };
    if let Some(refusal) = scope_challenge(
        &ep.server,
        &parts.extensions,
        &request.method,
        request.params.as_ref(),
    ) {
        return refusal;
    }
    let active = session.activate(now);
    let session = active.session();
    let mut extensions = parts.extensions;
    extensions.insert(Headers::from_owned(parts.headers));
    let priming = session.protocol_version() >= ProtocolVersion::V2025_11_25;
    let (outbound, messages): (Arc<dyn Outbound>, _) = match mode {
        // Notifications of a JSON-answered call go to the GET stream, if open.
        ResponseMode::Json => (Arc::clone(&session.standalone) as Arc<dyn Outbound>, None),
        _ => {
            // SSE polling is 2025-11-25's: earlier revisions send no priming
            // event (the client may hold no id to resume from) and keep the
            // stream open until the response.
            let messages = if priming {
                CallMessages::resumable(ep.options.sse_buffer)
            } else {
                CallMessages::new(ep.options.sse_buffer)
            };
            (Arc::clone(&messages) as Arc<dyn Outbound>, Some(messages))
        }
    };
    let resume = Resumable {
        log: Arc::clone(&session.log),
        request: request.id.clone(),
        session_closed: session.closed.clone(),
    };
    let call = session
        .session
        .clone()
        .handle_request_written(request, outbound, extensions)
        .boxed();
    reply(
        call,
        messages,
        Reply {
            mode,
            priming,
            retry: ep.options.sse_retry,
            resume: Some(resume),
            detach: true,
            cancel_on_drop: None,
            active: Some(active),
            status: |_| StatusCode::OK,
            headers: Vec::new(),
            keep_alive: ep.options.sse_keep_alive,
        },
    )
    .await
}

/// `initialize`: a new session, stored once the handshake succeeded.
async fn initialize(
    ep: Arc<Endpoint>,
    parts: Parts,
    request: crate::protocol::Request,
    mode: ResponseMode,
) -> Response {
    let full = || {
        response::refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            Some(&request.id),
            "Service Unavailable: too many open sessions; try again later",
        )
    };
    if !ep.sessions.has_room() {
        return full();
    }
    let caller = ep.limits.caller(&ep.options, &parts);
    let permit = match ep.limits.acquire(Limit::Sessions, caller.as_ref()) {
        Ok(permit) => permit,
        Err(over) => return over.response(Some(&request.id)),
    };
    let owner = Owner::of(parts.extensions.get::<AccessToken>());
    let session = match &ep.shared {
        None => HttpSession::new(&ep.server, owner, permit, event_log(&ep)),
        Some(store) => HttpSession::new_shared(&ep.server, owner, permit, store, event_log(&ep)),
    };
    let id = request.id.clone();
    let mut extensions = parts.extensions;
    extensions.insert(Headers::from_owned(parts.headers));
    let Some(answer) = session
        .session
        .handle_request(request, Arc::new(NoOutbound), extensions)
        .await
    else {
        return response::empty(StatusCode::ACCEPTED);
    };
    let mut headers = Vec::new();
    if answer.get("result").is_some() {
        if ep.sessions.insert(Arc::clone(&session)).is_err() {
            return response::refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                Some(&id),
                "Service Unavailable: too many open sessions; try again later",
            );
        }
        if let (Some(store), Some(record)) = (&ep.shared, session.session.record()) {
            let ttl = ep.shared_ttl(store.as_ref());
            if let Err(e) = store.create(&session.id, &record, ttl).await {
                tracing::warn!("a session could not be stored: {e}");
                ep.sessions.remove(&session.id);
                return NoSession::Unavailable.response(Some(&id));
            }
            session.mark_verified(Instant::now());
        }
        if let Ok(value) = HeaderValue::from_str(&session.id) {
            headers.push((MCP_SESSION_ID, value));
        }
        tracing::debug!(session = %session.id, "session opened");
    }
    let priming = session.protocol_version() >= ProtocolVersion::V2025_11_25;
    let resume = Resumable {
        log: Arc::clone(&session.log),
        request: id,
        session_closed: session.closed.clone(),
    };
    reply(
        futures::future::ready(Some(Written::from_value(&answer))).boxed(),
        None,
        Reply {
            mode: if mode == ResponseMode::Sse {
                mode
            } else {
                ResponseMode::Json
            },
            priming,
            retry: ep.options.sse_retry,
            resume: Some(resume),
            detach: false,
            cancel_on_drop: None,
            active: None,
            status: |_| StatusCode::OK,
            headers,
            keep_alive: None,
        },
    )
    .await
}

/// The event log of a new session copy.
fn event_log(ep: &Endpoint) -> EventLog {
    let log = EventLog::new(ep.options.max_replay_events, ep.options.max_replay_bytes);
    match &ep.shared {
        Some(store) => log.kept_in(Arc::clone(store), ep.shared_ttl(store.as_ref())),
        None => log,
    }
}

/// GET: opens the session's stream for messages that belong to no request,
/// or, with `Last-Event-ID`, resumes a stream of the session (the GET
/// stream or a call's) after that event ([`resume`]).
pub(crate) async fn get(ep: Arc<Endpoint>, parts: Parts) -> Response {
    if !Accept::from_headers(&parts.headers).sse {
        return response::refuse(
            StatusCode::NOT_ACCEPTABLE,
            None,
            "Not Acceptable: the GET stream is text/event-stream; accept it",
        );
    }
    let now = Instant::now();
    let session = match find_session(&ep, &parts, now).await {
        Ok(s) => s,
        Err(no) => return no.response(None),
    };
    let last_event_id =
        match parts.headers.get(&LAST_EVENT_ID).map(|v| v.to_str()) {
            None => None,
            Some(Ok(id)) if resume::parse_id(id).is_ok() => Some(id.trim_ascii().to_owned()),
            Some(_) => return response::refuse(
                StatusCode::BAD_REQUEST,
                None,
                "Bad Request: Last-Event-ID is not an event id of this server (<stream>-<number>)",
            ),
        };
    let caller = ep.limits.caller(&ep.options, &parts);
    let permit = match ep.limits.acquire(Limit::GetStreams, caller.as_ref()) {
        Ok(permit) => permit,
        Err(over) => return over.response(None),
    };
    let buffer = ep.options.sse_buffer;
    let (head, mut messages) = match &last_event_id {
        None => {
            let Some((key, rx)) = session.standalone.open(buffer) else {
                return response::refuse(
                    StatusCode::CONFLICT,
                    None,
                    "Conflict: this session already has an open GET stream",
                );
            };
            let priming = (session.protocol_version() >= ProtocolVersion::V2025_11_25)
                .then(|| sse::priming(&resume::priming_id(&key), ep.options.sse_retry));
            (priming.into_iter().collect(), rx)
        }
        Some(id) => {
            let Ok((key, after)) = resume::parse_id(id) else {
                unreachable!("checked above")
            };
            let attached = match session.log.attach(key, after, buffer) {
                // Perhaps a stream of another node.
                Err(NotResumable::Unknown) if session.log.is_shared() => {
                    session.log.attach_shared(key, after, buffer).await
                }
                attached => attached,
            };
            match attached {
                Ok(resumed) => {
                    tracing::debug!(session = %session.id, last_event_id = %id, "a stream resumed");
                    resumed
                }
                Err(NotResumable::Lost {
                    request: Some(request),
                }) => {
                    tracing::debug!(session = %session.id, last_event_id = %id, "a call's stream cannot be resumed: events were dropped");
                    let (_, closed) = mpsc::channel(1);
                    return sse::live_response(
                        vec![resume::lost_event(&request, id)],
                        closed,
                        None,
                        (),
                    );
                }
                Err(NotResumable::Lost { request: None }) => {
                    return response::refuse(
                        StatusCode::BAD_REQUEST,
                        None,
                        format!(
                            "Bad Request: the GET stream's events after Last-Event-ID {id} are no longer kept; \
                             open a new GET stream without Last-Event-ID"
                        ),
                    )
                }
                Err(_) => {
                    return response::refuse(
                        StatusCode::BAD_REQUEST,
                        None,
                        format!(
                            "Bad Request: Last-Event-ID {id} names no stream of this session \
                             (its events are no longer kept, or it is not this session's)"
                        ),
                    )
                }
            }
        }
    };
    let active = Arc::clone(&session).activate(now);
    let keep_alive = ep.options.sse_keep_alive;
    // With a shared store, the open stream keeps the stored session alive.
    let mut refresh = ep.shared.clone().map(|store| {
        let ttl = ep.shared_ttl(store.as_ref());
        let every = (ep.options.session_idle_timeout / 3).max(std::time::Duration::from_millis(10));
        let ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        (store, ttl, ticker)
    });
    let (frames, rx) = mpsc::channel::<Bytes>(16);
    tokio::spawn(async move {
        let _active = active;
        let _permit = permit;
        let mut keep_alive = KeepAlive::new(keep_alive);
        let mut connected = true;
        for frame in head {
            if !connected {
                break;
            }
            connected = frames.send(frame).await.is_ok();
        }
        while connected {
            tokio::select! {
                biased;
                _ = frames.closed() => connected = false,
                _ = session.closed.cancelled() => connected = false,
                m = messages.recv() => match m {
                    Some(frame) => connected = frames.send(frame).await.is_ok(),
                    None => connected = false,
                },
                _ = keep_alive.tick() => {
                    connected = frames.send(Bytes::from_static(b": keep-alive\n\n")).await.is_ok();
                }
                alive = refreshed(&mut refresh, &session.id) => connected = alive,
            }
        }
    });
    sse::stream_response(rx)
}

/// Waits for the next refresh of a GET stream's stored session and does it;
/// `false` once the session is gone from the store. Never resolves without
/// a store.
async fn refreshed(
    refresh: &mut Option<(
        Arc<dyn SessionStore>,
        std::time::Duration,
        tokio::time::Interval,
    )>,
    id: &str,
) -> bool {
    let Some((store, ttl, ticker)) = refresh else {
        return std::future::pending().await;
    };
    ticker.tick().await;
    match store.touch(id, *ttl).await {
        Ok(alive) => alive,
        Err(e) => {
            tracing::warn!(session = %id, "the session's expiry could not be pushed back: {e}");
            true
        }
    }
}

/// DELETE: ends the session.
pub(crate) async fn delete(ep: Arc<Endpoint>, parts: Parts) -> Response {
    let Some(sid) = session_id(&parts) else {
        return response::refuse(
            StatusCode::BAD_REQUEST,
            None,
            "Bad Request: missing Mcp-Session-Id header",
        );
    };
    if let Some(store) = ep.shared.clone() {
        let session = match find_session(&ep, &parts, Instant::now()).await {
            Ok(session) => session,
            Err(NoSession::Unavailable) => return NoSession::Unavailable.response(None),
            Err(_) => {
                return response::refuse(
                    StatusCode::NOT_FOUND,
                    None,
                    "Not Found: unknown or ended session",
                )
            }
        };
        return match store.end(&session.id).await {
            Ok(_) => {
                ep.sessions.remove(&session.id);
                tracing::debug!(session = %session.id, "session ended by the client");
                response::empty(StatusCode::NO_CONTENT)
            }
            Err(e) => {
                tracing::warn!(session = %session.id, "the session could not be ended: {e}");
                NoSession::Unavailable.response(None)
            }
        };
    }
    let token = parts.extensions.get::<AccessToken>();
    let owned = ep
        .sessions
        .get(sid, Instant::now())
        .is_some_and(|session| session.owner.admits(token));
    match owned.then(|| ep.sessions.remove(sid)).flatten() {
        Some(session) => {
            tracing::debug!(session = %session.id, "session ended by the client");
            response::empty(StatusCode::NO_CONTENT)
        }
        None => response::refuse(
            StatusCode::NOT_FOUND,
            None,
            "Not Found: unknown or ended session",
        ),
    }
}
