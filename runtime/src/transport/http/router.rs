//! The endpoint: one axum handler for POST, GET and DELETE that checks the
//! request, then picks the adapter for the client's revision.
//!
//! A POST is stateless (2026-07-28) when its `MCP-Protocol-Version` header
//! names a stateless revision or its body declares a protocol version in
//! `params._meta`; otherwise it belongs to a session revision.
//!
//! Order of the checks: `Host`/`Origin` (403), then a CORS preflight is
//! answered ([`cors`](super::cors)), then, when the server has
//! authorization, the access token (401, or 400 for a token in the query
//! string; see [`auth`](super::auth)), then the method, the body and the
//! revision. A `tools/call` the token's scopes do not allow gets 403 before it
//! runs. Opening a session, a GET stream or a `subscriptions/listen` stream
//! beyond the caller's limit gets 429 ([`limits`](super::limits)).

use super::auth;
use super::cors::{self, Cors};
use super::guard;
use super::legacy;
use super::limits::CallerLimits;
use super::modern;
use super::options::HttpOptions;
use super::response::{self, Accept};
use super::sessions::SessionTable;
use crate::protocol::jsonrpc::code;
use crate::protocol::stateless::stateless_versions;
use crate::protocol::{ErrorObject, ProtocolVersion};
use crate::server::Server;
use crate::session_store::SessionStore;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use http::header::{HeaderName, HeaderValue, ALLOW, CONTENT_LENGTH, CONTENT_TYPE};
use http::{Method, StatusCode};
use std::sync::Arc;

/// Everything the endpoint needs, created with the router. Shared behind one
/// `Arc`: axum clones the state for every request.
pub(crate) struct Endpoint {
    pub(crate) server: Server,
    pub(crate) options: HttpOptions,
    pub(crate) sessions: SessionTable,
    /// The store every node shares its sessions through, when there is one.
    pub(crate) shared: Option<Arc<dyn SessionStore>>,
    /// What each caller has open.
    pub(crate) limits: CallerLimits,
    /// The answers to browser pages the guard lets in.
    pub(crate) cors: Cors,
}

/// The router serving `server` at `/` of wherever it is mounted.
pub(crate) fn router(server: &Server, options: HttpOptions) -> Router {
    router_at(server, "/", options)
}

/// The router serving `server` at `path`.
pub(crate) fn router_at(server: &Server, path: &str, options: HttpOptions) -> Router {
    let endpoint = Arc::new(Endpoint {
        server: server.clone(),
        sessions: SessionTable::new(options.session_idle_timeout, options.max_sessions),
        shared: server.session_store().cloned(),
        limits: CallerLimits::new(&options),
        cors: Cors::new(&server.offer().all_tools),
        options,
    });
    if let Some(store) = &endpoint.shared {
        let endpoint = Arc::downgrade(&endpoint);
        store.subscribe(Arc::new(move |event| match endpoint.upgrade() {
            Some(endpoint) => {
                endpoint.sessions.on_event(event);
                true
            }
            None => false,
        }));
    }
    Router::new().route(path, any(handle)).with_state(endpoint)
}

impl Endpoint {
    /// How long a shared store keeps a session nobody uses: the idle
    /// timeout, plus the time a node answers from its copy without asking.
    pub(crate) fn shared_ttl(&self, store: &dyn SessionStore) -> std::time::Duration {
        self.options.session_idle_timeout + store.recheck_after()
    }
}

async fn handle(State(ep): State<Arc<Endpoint>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if let Err(guard::Forbidden(message)) = guard::check(&ep.options, &parts) {
        tracing::warn!("{message}");
        // No CORS header: the page may not read why.
        return response::refuse(StatusCode::FORBIDDEN, None, message);
    }
    // The origin passed the guard: a browser page that may call.
    let origin = parts.headers.get(http::header::ORIGIN).cloned();
    if origin.is_some() {
        // A preflight carries no credentials and no body.
        if let Some(preflight) = ep.cors.preflight(&parts) {
            return preflight;
        }
    }
    let mut response = answer(ep, parts, body).await;
    cors::expose(origin, response.headers_mut());
    response
}

/// The answer to a request that passed the guard.
async fn answer(ep: Arc<Endpoint>, mut parts: http::request::Parts, body: Body) -> Response {
    // An OPTIONS that is not a preflight carries no credentials either; it
    // gets the 405 below.
    if parts.method != Method::OPTIONS {
        if let Err(refusal) = auth::authenticate(&ep.server, &mut parts).await {
            return refusal;
        }
    }
    // `Some(None)`: a header naming no revision this server knows.
    let header_version = protocol_header(&parts.headers).map(ProtocolVersion::parse);
    let stateless_header = header_version
        .flatten()
        .is_some_and(ProtocolVersion::is_stateless);
    match parts.method {
        Method::POST => post(ep, parts, body, header_version).await,
        Method::GET | Method::DELETE if stateless_header => method_not_allowed(
            "Method Not Allowed: protocol revision 2026-07-28 has no GET stream and no sessions; POST requests",
            "POST",
        ),
        Method::GET => legacy::get(ep, parts).await,
        Method::DELETE => legacy::delete(ep, parts).await,
        _ => method_not_allowed(
            "Method Not Allowed: the MCP endpoint takes POST, GET and DELETE",
            "GET, POST, DELETE",
        ),
    }
}

fn method_not_allowed(message: &str, allow: &'static str) -> Response {
    let mut r = response::refuse(StatusCode::METHOD_NOT_ALLOWED, None, message);
    r.headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    r
}

/// The `MCP-Protocol-Version` header.
const MCP_PROTOCOL_VERSION: HeaderName = HeaderName::from_static("mcp-protocol-version");

fn protocol_header(headers: &http::HeaderMap) -> Option<&str> {
    headers.get(MCP_PROTOCOL_VERSION).map(|v| {
        v.to_str()
            .map(str::trim_ascii)
            .unwrap_or("(not visible ASCII)")
    })
}

async fn post(
    ep: Arc<Endpoint>,
    parts: http::request::Parts,
    body: Body,
    header_version: Option<Option<ProtocolVersion>>,
) -> Response {
    let accept = Accept::from_headers(&parts.headers);
    if !accept.json && !accept.sse {
        return response::refuse(
            StatusCode::NOT_ACCEPTABLE,
            None,
            "Not Acceptable: accept application/json and text/event-stream",
        );
    }
    if let Some(ct) = parts.headers.get(CONTENT_TYPE) {
        let json = ct.as_bytes() == b"application/json"
            || ct.to_str().is_ok_and(|ct| {
                ct.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !json {
            return response::refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                None,
                "Unsupported Media Type: the body must be application/json",
            );
        }
    }
    let limit = ep.options.max_body_bytes;
    let too_large = || {
        response::refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            format!("Payload Too Large: the body exceeds {limit} bytes"),
        )
    };
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return too_large();
    }
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(e) => {
            // A length-limit error, or the client stopped sending.
            return if is_length_limit(&e) {
                too_large()
            } else {
                response::refuse(
                    StatusCode::BAD_REQUEST,
                    None,
                    format!("Bad Request: could not read the body: {e}"),
                )
            };
        }
    };
    let value = crate::protocol::jsonrpc::parse_message_bytes(&bytes);
    if let Err(rejected) = &value {
        if rejected.error.code == code::PARSE_ERROR {
            return response::error(StatusCode::BAD_REQUEST, None, &rejected.error);
        }
    }
    let stateless = header_version
        .flatten()
        .is_some_and(ProtocolVersion::is_stateless)
        || modern::declares_version(&value);
    if stateless {
        if let Some(refusal) = auth::scope_challenge_for_body(&ep.server, &parts.extensions, &value)
        {
            return refusal;
        }
        let mode = modern::effective_mode(ep.options.response_mode, accept);
        return modern::post(ep, parts, value, mode).await;
    }
    if let (Some(None), Some(requested)) = (header_version, protocol_header(&parts.headers)) {
        let mut supported: Vec<&str> = ProtocolVersion::SESSION_REVISIONS
            .iter()
            .map(|v| v.as_str())
            .collect();
        supported.extend(stateless_versions());
        let error = ErrorObject::new(
            code::UNSUPPORTED_PROTOCOL_VERSION,
            format!(
                "Bad Request: unsupported MCP-Protocol-Version {requested:?}; supported: {}",
                supported.join(", ")
            ),
        )
        .with_data(crate::protocol::messages::to_value(
            &crate::protocol::messages::UnsupportedVersionData {
                supported: &supported,
                requested,
            },
        ));
        return response::error(StatusCode::BAD_REQUEST, None, &error);
    }
    legacy::post(ep, parts, value, accept).await
}

/// Whether reading the body failed because it was longer than the limit.
fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.to_string().contains("length limit") {
            return true;
        }
        source = e.source();
    }
    false
}
