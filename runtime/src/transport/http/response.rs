//! Plain HTTP responses: JSON bodies, JSON-RPC errors with their status.

use crate::protocol::jsonrpc::{code, write_refusal, Written};
use crate::protocol::{ErrorObject, RequestId};
use axum::body::Body;
use axum::response::Response;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::StatusCode;

/// A body of JSON already written, with a status.
pub(crate) fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A JSON-RPC error response; without an id when none could be read.
pub(crate) fn error(status: StatusCode, id: Option<&RequestId>, error: &ErrorObject) -> Response {
    json_bytes(status, write_refusal(id, error).json)
}

/// A transport-level refusal: status plus a JSON-RPC error (-32600) that says why.
pub(crate) fn refuse(
    status: StatusCode,
    id: Option<&RequestId>,
    message: impl Into<String>,
) -> Response {
    error(
        status,
        id,
        &ErrorObject::new(code::INVALID_REQUEST, message),
    )
}

/// An empty response with a status.
pub(crate) fn empty(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

/// The HTTP status of a stateless (2026-07-28) JSON-RPC error.
pub(crate) fn stateless_status(code: i64) -> StatusCode {
    match code {
        code::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
        code::PARSE_ERROR
        | code::INVALID_REQUEST
        | code::INVALID_PARAMS
        | code::HEADER_MISMATCH
        | code::MISSING_REQUIRED_CLIENT_CAPABILITY
        | code::UNSUPPORTED_PROTOCOL_VERSION => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    }
}

/// The status of a stateless JSON-RPC response: 200 for a result.
pub(crate) fn stateless_response_status(response: &Written) -> StatusCode {
    response.error_code.map_or(StatusCode::OK, stateless_status)
}

/// `Accept` values that accept both JSON and event streams, as the MCP SDKs
/// send them.
const COMMON_ACCEPTS: [&[u8]; 2] = [
    b"application/json, text/event-stream",
    b"text/event-stream, application/json",
];

/// What the client's `Accept` header allows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Accept {
    pub(crate) json: bool,
    pub(crate) sse: bool,
}

impl Accept {
    /// Reads `Accept`; an absent header accepts both.
    pub(crate) fn from_headers(headers: &http::HeaderMap) -> Accept {
        let mut values = headers.get_all(http::header::ACCEPT).iter().peekable();
        if values.peek().is_none() {
            return Accept {
                json: true,
                sse: true,
            };
        }
        let mut accept = Accept {
            json: false,
            sse: false,
        };
        for value in values {
            // What most clients send, recognized whole.
            if COMMON_ACCEPTS.contains(&value.as_bytes()) {
                accept.json = true;
                accept.sse = true;
                continue;
            }
            // Visible ASCII only, as `to_str` requires; so the only spaces
            // around a media range are spaces and tabs.
            if value.to_str().is_err() {
                continue;
            }
            for item in value.as_bytes().split(|&b| b == b',') {
                let media = item.split(|&b| b == b';').next().unwrap_or_default();
                let media = media.trim_ascii();
                let is = |m: &str| media.eq_ignore_ascii_case(m.as_bytes());
                if is("*/*") {
                    accept.json = true;
                    accept.sse = true;
                } else if is("application/json") || is("application/*") {
                    accept.json = true;
                } else if is("text/event-stream") || is("text/*") {
                    accept.sse = true;
                }
            }
        }
        accept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(values: &[&str]) -> (bool, bool) {
        let mut headers = http::HeaderMap::new();
        for v in values {
            headers.append(http::header::ACCEPT, v.parse().unwrap());
        }
        let a = Accept::from_headers(&headers);
        (a.json, a.sse)
    }

    #[test]
    fn accept_reads_media_ranges() {
        assert_eq!(accept(&[]), (true, true));
        assert_eq!(
            accept(&["application/json, text/event-stream"]),
            (true, true)
        );
        assert_eq!(
            accept(&["text/event-stream, application/json"]),
            (true, true)
        );
        assert_eq!(
            accept(&["Application/JSON;q=0.9 ,\tTEXT/event-stream"]),
            (true, true)
        );
        assert_eq!(accept(&["application/json"]), (true, false));
        assert_eq!(accept(&["text/event-stream"]), (false, true));
        assert_eq!(accept(&["application/*"]), (true, false));
        assert_eq!(accept(&["text/*"]), (false, true));
        assert_eq!(accept(&["*/*"]), (true, true));
        assert_eq!(accept(&["text/html", "application/json"]), (true, false));
        assert_eq!(accept(&["text/html"]), (false, false));
        assert_eq!(accept(&["application/jsonx"]), (false, false));
    }
}
