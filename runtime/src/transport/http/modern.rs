//! The stateless revision (2026-07-28) over HTTP: header validation
//! ([`headers`](super::headers)), then the server's stateless dispatch; every
//! error with the status the spec gives it.

use super::headers;
use super::limits::Limit;
use super::options::ResponseMode;
use super::response::{self, stateless_response_status, stateless_status, Accept};
use super::router::Endpoint;
use super::sse::{reply, CallMessages, Reply};
use crate::call::{NoOutbound, Outbound};
use crate::inject::Headers;
use crate::protocol::Incoming;
use axum::response::Response;
use futures::FutureExt;
use http::request::Parts;
use http::StatusCode;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Answers a POST of the stateless revision.
pub(crate) async fn post(
    ep: Arc<Endpoint>,
    parts: Parts,
    body: Result<Incoming, crate::protocol::Rejected>,
    mode: ResponseMode,
) -> Response {
    let request = match body {
        Ok(Incoming::Request(request)) => request,
        // This revision defines no client notifications on HTTP; accept and ignore.
        Ok(Incoming::Notification(_)) => return response::empty(StatusCode::ACCEPTED),
        Ok(Incoming::Response(_)) => return response::refuse(
            StatusCode::BAD_REQUEST,
            None,
            "Invalid request: clients send no JSON-RPC responses in protocol revision 2026-07-28",
        ),
        Err(rejected) => {
            return response::error(
                StatusCode::BAD_REQUEST,
                rejected.id.as_ref(),
                &rejected.error,
            )
        }
    };
    if let Err(error) = headers::check(&parts.headers, &request, &ep.server.offer().tools) {
        return response::error(StatusCode::BAD_REQUEST, Some(&request.id), &error);
    }
    let id = request.id.clone();
    let listens = request.method == "subscriptions/listen";
    let call = match ep.server.prepare_stateless(request) {
        Ok(call) => call,
        Err(error) => return response::error(stateless_status(error.code), Some(&id), &error),
    };
    // A listen stream is counted for its caller while it is open.
    let permit = if listens {
        let caller = ep.limits.caller(&ep.options, &parts);
        match ep.limits.acquire(Limit::ListenStreams, caller.as_ref()) {
            Ok(permit) => Some(permit),
            Err(over) => return over.response(Some(&id)),
        }
    } else {
        None
    };
    let mut extensions = parts.extensions;
    extensions.insert(Headers::from_owned(parts.headers));
    // A request that set no log level gets no log messages: the call's
    // stream drops them itself (no wrapper per call).
    let sets_log_level = call.sets_log_level();
    let (outbound, messages): (Arc<dyn Outbound>, _) = match mode {
        ResponseMode::Json => (Arc::new(NoOutbound), None),
        _ => {
            let messages = if sets_log_level {
                CallMessages::new(ep.options.sse_buffer)
            } else {
                CallMessages::without_log_messages(ep.options.sse_buffer)
            };
            (Arc::clone(&messages) as Arc<dyn Outbound>, Some(messages))
        }
    };
    let token = CancellationToken::new();
    // `NoOutbound` and the call's stream both drop log messages as needed.
    let run = call.run_written(outbound, true, extensions, token.clone());
    let run = match permit {
        None => run.map(Some).boxed(),
        // The permit is held until the call answers (`map`, not an `async`
        // block, which would hold the call's future twice).
        Some(permit) => run
            .map(move |written| {
                drop(permit);
                Some(written)
            })
            .boxed(),
    };
    reply(
        run,
        messages,
        Reply {
            mode,
            priming: false,
            retry: None,
            resume: None,
            detach: false,
            cancel_on_drop: Some(token.drop_guard()),
            active: None,
            status: stateless_response_status,
            headers: Vec::new(),
            keep_alive: ep.options.sse_keep_alive,
        },
    )
    .await
}

/// Whether the body asks for the stateless revision: a request whose
/// `params._meta` declares a protocol version.
pub(crate) fn declares_version(body: &Result<Incoming, crate::protocol::Rejected>) -> bool {
    let params = match body {
        Ok(Incoming::Request(r)) => r.params.as_ref(),
        Ok(Incoming::Notification(n)) => n.params.as_ref(),
        _ => None,
    };
    crate::protocol::stateless::declared_version(params).is_some()
}

/// The effective response mode for a client that accepts `accept`.
pub(crate) fn effective_mode(mode: ResponseMode, accept: Accept) -> ResponseMode {
    match mode {
        ResponseMode::Auto | ResponseMode::Sse if !accept.sse => ResponseMode::Json,
        ResponseMode::Json if !accept.json => ResponseMode::Sse,
        other => other,
    }
}
