//! The stateless revision (2026-07-28) over HTTP: header validation, then the
//! server's stateless dispatch; every error with the status the spec gives it.

use super::options::ResponseMode;
use super::response::{self, stateless_response_status, stateless_status, Accept};
use super::router::Endpoint;
use super::sse::{reply, Reply};
use crate::inject::Headers;
use crate::protocol::jsonrpc::code;
use crate::protocol::{ErrorObject, Incoming, Request};
use crate::server::stateless::META_PROTOCOL_VERSION;
use crate::transport::{ChannelOutbound, NoOutbound, Outbound};
use axum::response::Response;
use base64::Engine;
use futures::FutureExt;
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use serde_json::Value;
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
    if let Err(error) = check_headers(&parts.headers, &request) {
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

/// The methods whose `Mcp-Name` header mirrors a body field: `params.name`,
/// `params.uri` (SEP-2243), or `params.taskId` for the tasks extension's
/// methods (SEP-2663).
fn name_field(method: &str) -> Option<&'static str> {
    match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        "tasks/get" | "tasks/update" | "tasks/cancel" => Some("taskId"),
        _ => None,
    }
}

fn mismatch(message: String) -> ErrorObject {
    ErrorObject::new(code::HEADER_MISMATCH, format!("Header mismatch: {message}"))
}

/// A header's value with surrounding whitespace removed; an error when it is
/// not visible ASCII.
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ErrorObject> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.trim_matches([' ', '\t'])))
            .map_err(|_| {
                mismatch(format!(
                    "the {name} header contains characters other than visible ASCII"
                ))
            }),
    }
}

/// Decodes the `=?base64?...?=` form of `Mcp-Name`; other values are literal.
fn decode_name(value: &str) -> Result<String, ErrorObject> {
    match value
        .strip_prefix("=?base64?")
        .and_then(|v| v.strip_suffix("?="))
    {
        None => Ok(value.to_owned()),
        Some(encoded) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| {
                mismatch(format!(
                    "the Mcp-Name header {value:?} is not valid Base64 of UTF-8 text"
                ))
            }),
    }
}

/// `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` must be present and
/// agree with the body (-32020, HeaderMismatch).
fn check_headers(headers: &HeaderMap, request: &Request) -> Result<(), ErrorObject> {
    let body_version = request
        .params
        .as_ref()
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get(META_PROTOCOL_VERSION))
        .and_then(Value::as_str);
    match header(headers, "mcp-protocol-version")? {
        None => {
            return Err(mismatch(
                "the MCP-Protocol-Version header is required and must equal `_meta.io.modelcontextprotocol/protocolVersion`".into(),
            ))
        }
        Some(h) => {
            if let Some(b) = body_version {
                if h != b {
                    return Err(mismatch(format!(
                        "MCP-Protocol-Version header value '{h}' does not match body value '{b}'"
                    )));
                }
            }
        }
    }
    match header(headers, "mcp-method")? {
        None => return Err(mismatch("the Mcp-Method header is required".into())),
        Some(h) if h != request.method => {
            return Err(mismatch(format!(
                "Mcp-Method header value '{h}' does not match body value '{}'",
                request.method
            )))
        }
        Some(_) => {}
    }
    if let Some(field) = name_field(&request.method) {
        let body_name = request
            .params
            .as_ref()
            .and_then(|p| p.get(field))
            .and_then(Value::as_str);
        let header_name = header(headers, "mcp-name")?;
        match (header_name, body_name) {
            (None, Some(_)) => {
                return Err(mismatch(format!(
                    "the Mcp-Name header is required for {} (it mirrors params.{field})",
                    request.method
                )))
            }
            (Some(h), Some(b)) => {
                let decoded = decode_name(h)?;
                if decoded != b {
                    return Err(mismatch(format!(
                        "Mcp-Name header value '{decoded}' does not match body value '{b}'"
                    )));
                }
            }
            _ => {}
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::RequestId;
    use serde_json::json;

    fn call(name: &str) -> Request {
        Request {
            id: RequestId::Number(1),
            method: "tools/call".into(),
            params: json!({"name": name, "_meta": {META_PROTOCOL_VERSION: "2026-07-28"}})
                .as_object()
                .cloned(),
        }
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn headers_must_mirror_the_body() {
        let ok = [
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "  add "),
        ];
        assert!(check_headers(&headers(&ok), &call("add")).is_ok());
        let b64 = [
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "=?base64?YWRk?="),
        ];
        assert!(check_headers(&headers(&b64), &call("add")).is_ok());
        for bad in [
            &ok[1..],
            &[ok[0], ok[2]][..],
            &ok[..2],
            &[ok[0], ("mcp-method", "TOOLS/CALL"), ok[2]][..],
            &[ok[0], ok[1], ("mcp-name", "other")][..],
            &[ok[0], ok[1], ("mcp-name", "=?base64?!!?=")][..],
            &[("mcp-protocol-version", "2025-11-25"), ok[1], ok[2]][..],
        ] {
            let err = check_headers(&headers(bad), &call("add")).unwrap_err();
            assert_eq!(err.code, code::HEADER_MISMATCH, "{bad:?}");
        }
    }
}
