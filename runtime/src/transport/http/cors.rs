//! CORS for browser clients, derived from the `Origin` rules of
//! [`guard`](super::guard): a page whose origin may call the endpoint gets
//! the headers a browser needs, a page whose origin may not gets 403 and no
//! CORS header at all. There is no second list to keep in step.
//!
//! The endpoint runs [`guard::check`](super::guard::check) first; only then,
//! and before authentication and before any body is read:
//!
//! * a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`)
//!   is answered 204 by [`Cors::preflight`], echoing the origin, with the
//!   methods `POST, GET, DELETE`, the MCP request headers and the
//!   `Mcp-Param-*` headers the tools declare, `Access-Control-Max-Age: 7200`
//!   (the most Chromium honours), and `Access-Control-Allow-Private-Network`
//!   when the browser asks for it (a listed public page calling a server on
//!   this machine or the LAN);
//! * every other response to a request with an `Origin` gets, from
//!   [`expose`], the origin echoed and `Access-Control-Expose-Headers` naming
//!   what a client must read (`Mcp-Session-Id`, `MCP-Protocol-Version`,
//!   `WWW-Authenticate`, `Retry-After`), JSON and SSE responses alike, 401
//!   and 429 included.
//!
//! The origin is always echoed, never `*`, and
//! `Access-Control-Allow-Credentials` is never sent: MCP authenticates with a
//! bearer token in `Authorization`, which a page sends itself, not with
//! cookies the browser would attach. Every response carries `Vary: Origin`.

use crate::tool::registry::ToolRegistry;
use axum::body::Body;
use axum::response::Response;
use http::header::{
    HeaderName, HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use http::request::Parts;
use http::{HeaderMap, StatusCode};

/// The request headers of MCP over HTTP that a browser page may send.
const MCP_REQUEST_HEADERS: &str = "Content-Type, Authorization, Accept, MCP-Protocol-Version, \
     Mcp-Session-Id, Last-Event-ID, Mcp-Method, Mcp-Name";

/// The response headers a browser client must be able to read.
const EXPOSED: HeaderValue =
    HeaderValue::from_static("Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate, Retry-After");

/// The methods of the endpoint.
const METHODS: HeaderValue = HeaderValue::from_static("POST, GET, DELETE");

/// How long (seconds) a browser may cache a preflight: Chromium's cap.
const MAX_AGE: HeaderValue = HeaderValue::from_static("7200");

const ORIGIN_VARY: HeaderValue = HeaderValue::from_static("Origin");

const REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");
const ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");

/// The endpoint's CORS answers, fixed when the router is made.
pub(crate) struct Cors {
    /// `Access-Control-Allow-Headers`: the MCP headers and the tools' `Mcp-Param-*`.
    allow_headers: HeaderValue,
}

impl Cors {
    /// The answers for a server with these tools.
    pub(crate) fn new(tools: &ToolRegistry) -> Cors {
        let mut names = MCP_REQUEST_HEADERS.to_owned();
        let mut seen: Vec<&HeaderName> = Vec::new();
        for tool in tools.all() {
            for param in tool.header_params.iter() {
                if !seen.contains(&&param.name) {
                    seen.push(&param.name);
                    names.push_str(", ");
                    names.push_str(&param.display);
                }
            }
        }
        // The registry admits only HTTP tokens as header names.
        let allow_headers = HeaderValue::try_from(names)
            .unwrap_or_else(|_| HeaderValue::from_static(MCP_REQUEST_HEADERS));
        Cors { allow_headers }
    }

    /// The answer to `parts` when it is a CORS preflight from an origin the
    /// guard accepted; `None` for any other request.
    pub(crate) fn preflight(&self, parts: &Parts) -> Option<Response> {
        if parts.method != http::Method::OPTIONS
            || !parts.headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
        {
            return None;
        }
        let origin = parts.headers.get(ORIGIN)?;
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(ACCESS_CONTROL_ALLOW_METHODS, METHODS);
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, self.allow_headers.clone());
        headers.insert(ACCESS_CONTROL_MAX_AGE, MAX_AGE);
        headers.insert(VARY, ORIGIN_VARY);
        let private_network = parts
            .headers
            .get(REQUEST_PRIVATE_NETWORK)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
        if private_network {
            headers.insert(ALLOW_PRIVATE_NETWORK, HeaderValue::from_static("true"));
        }
        Some(response)
    }
}

/// Adds the CORS headers of a response to a request from `origin` (`None`:
/// no `Origin`, not a cross-origin browser request), which the guard accepted.
pub(crate) fn expose(origin: Option<HeaderValue>, headers: &mut HeaderMap) {
    headers.append(VARY, ORIGIN_VARY);
    if let Some(origin) = origin {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = http::Request::builder().method(method).uri("/mcp");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    fn cors() -> Cors {
        Cors {
            allow_headers: HeaderValue::from_static(MCP_REQUEST_HEADERS),
        }
    }

    #[test]
    fn only_an_options_with_origin_and_requested_method_is_a_preflight() {
        let c = cors();
        assert!(c.preflight(&request("OPTIONS", &[])).is_none());
        assert!(c
            .preflight(&request("OPTIONS", &[("origin", "http://localhost:1")]))
            .is_none());
        assert!(c
            .preflight(&request(
                "OPTIONS",
                &[("access-control-request-method", "POST")]
            ))
            .is_none());
        assert!(c
            .preflight(&request(
                "POST",
                &[
                    ("origin", "http://localhost:1"),
                    ("access-control-request-method", "POST")
                ]
            ))
            .is_none());
    }

    #[test]
    fn a_preflight_echoes_the_origin_and_never_allows_credentials() {
        let r = cors()
            .preflight(&request(
                "OPTIONS",
                &[
                    ("origin", "http://localhost:5173"),
                    ("access-control-request-method", "POST"),
                    ("access-control-request-private-network", "true"),
                ],
            ))
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let h = r.headers();
        assert_eq!(h[ACCESS_CONTROL_ALLOW_ORIGIN], "http://localhost:5173");
        assert_eq!(h[ACCESS_CONTROL_ALLOW_METHODS], "POST, GET, DELETE");
        assert_eq!(h[ACCESS_CONTROL_MAX_AGE], "7200");
        assert_eq!(h[VARY], "Origin");
        assert_eq!(h[ALLOW_PRIVATE_NETWORK], "true");
        assert!(!h.contains_key(http::header::ACCESS_CONTROL_ALLOW_CREDENTIALS));
    }

    #[test]
    fn responses_without_origin_get_only_vary() {
        let mut h = HeaderMap::new();
        expose(None, &mut h);
        assert_eq!(h.len(), 1);
        let mut h = HeaderMap::new();
        expose(Some(HeaderValue::from_static("http://localhost:1")), &mut h);
        assert_eq!(h[ACCESS_CONTROL_ALLOW_ORIGIN], "http://localhost:1");
        assert!(h[ACCESS_CONTROL_EXPOSE_HEADERS]
            .to_str()
            .unwrap()
            .contains("WWW-Authenticate"));
    }
}
