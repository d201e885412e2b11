//! The stateless revision (2026-07-28) over HTTP: header validation
//! ([`headers`](super::headers)), then the server's stateless dispatch; every
//! error with the status the spec gives it.

use super::headers;
use super::options::ResponseMode;
use super::response::{self, stateless_response_status, stateless_status, Accept};
use super::router::Endpoint;
use super::sse::{reply, Reply};
use crate::inject::Headers;
use crate::protocol::Incoming;
use crate::server::stateless::META_PROTOCOL_VERSION;
use crate::transport::{ChannelOutbound, NoOutbound, Outbound};
use axum::response::Response;
use futures::FutureExt;
use http::request::Parts;
use http::StatusCode;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Answers a POST of the stateless revision.
pub(crate) async fn post(
    ep: Endpoint,
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
    if let Err(error) = headers::check(&parts.headers, &request, &ep.server.inner.tools) {
        return response::error(StatusCode::BAD_REQUEST, Some(&request.id), &error);
    }
    let id = request.id.clone();
    let call = match ep.server.prepare_stateless(request) {
        Ok(call) => call,
        Err(error) => return response::error(stateless_status(error.code), Some(&id), &error),
    };
    let mut extensions = parts.extensions;
    extensions.insert(Headers::from_owned(parts.headers));
    let (tx, rx) = mpsc::channel(ep.options.sse_buffer);
    let outbound: Arc<dyn Outbound> = match mode {
        ResponseMode::Json => Arc::new(NoOutbound),
        _ => Arc::new(ChannelOutbound(tx)),
    };
    let token = CancellationToken::new();
    let run = call
        .run(outbound, extensions, token.clone())
        .map(Some)
        .boxed();
    reply(
        run,
        rx,
        Reply {
            mode,
            priming: None,
            detach_until: None,
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
    params
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get(META_PROTOCOL_VERSION))
        .is_some()
}

/// The effective response mode for a client that accepts `accept`.
pub(crate) fn effective_mode(mode: ResponseMode, accept: Accept) -> ResponseMode {
    match mode {
        ResponseMode::Auto | ResponseMode::Sse if !accept.sse => ResponseMode::Json,
        ResponseMode::Json if !accept.json => ResponseMode::Sse,
        other => other,
    }
}
