//! Why a request is not authorized, and the `WWW-Authenticate` challenge that says so.

use crate::protocol::messages::{self, OAuthErrorBody};
use http::{HeaderValue, StatusCode};
use std::fmt;

/// Why a request could not be authorized.
///
/// Each variant knows its HTTP status ([`AuthError::status`]) and the exact
/// `WWW-Authenticate` value to send with it ([`AuthError::www_authenticate`]),
/// following RFC 6750 and the MCP authorization spec:
///
/// | variant | status | `WWW-Authenticate` |
/// |---|---|---|
/// | [`MissingToken`](AuthError::MissingToken) | 401 | `Bearer resource_metadata="…"` |
/// | [`MalformedHeader`](AuthError::MalformedHeader) | 401 | `Bearer error="invalid_request", error_description="…", resource_metadata="…"` |
/// | [`InvalidToken`](AuthError::InvalidToken) | 401 | `Bearer error="invalid_token", error_description="…", resource_metadata="…"` |
/// | [`InsufficientScope`](AuthError::InsufficientScope) | 403 | `Bearer error="insufficient_scope", scope="a b", resource_metadata="…"` |
/// | [`TokenInQuery`](AuthError::TokenInQuery) | 400 | `Bearer error="invalid_request", error_description="…", resource_metadata="…"` |
/// | [`Unavailable`](AuthError::Unavailable) | 503 | none |
/// | [`Misconfigured`](AuthError::Misconfigured) | 500 | none |
///
/// [`AuthConfig::error_response`](super::AuthConfig::error_response) adds
/// `scope="…"` with the scopes every request needs
/// ([`AuthConfigBuilder::required_scopes`](super::AuthConfigBuilder::required_scopes)),
/// when there are some, to the challenges that name no scope of their own.
///
/// A malformed `Authorization` header gets 401 rather than RFC 6750's 400,
/// because the MCP spec asks for 401 on any unusable token, and a 401 is what
/// makes an MCP client (re)start its authorization flow.
///
/// ```
/// use ferrymcp::auth::AuthError;
///
/// let err = AuthError::InsufficientScope { required: vec!["repo:read".into(), "repo:write".into()] };
/// assert_eq!(err.status(), 403);
/// assert_eq!(
///     err.www_authenticate("https://h/.well-known/oauth-protected-resource/mcp").as_deref(),
///     Some(r#"Bearer error="insufficient_scope", scope="repo:read repo:write", resource_metadata="https://h/.well-known/oauth-protected-resource/mcp""#),
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// The request carries no access token.
    MissingToken,
    /// The `Authorization` header is there but is not `Bearer <token>`; the
    /// string says what is wrong with it.
    MalformedHeader(String),
    /// The request carries its token in the URL's query string, which is never
    /// accepted (tokens in URLs end up in logs and histories).
    TokenInQuery,
    /// A token was sent and the verifier rejected it.
    InvalidToken(TokenRejection),
    /// The token is valid but lacks scopes the operation needs.
    InsufficientScope {
        /// Every scope the operation needs (not only the missing ones), so that
        /// the client can ask for all of them at once.
        required: Vec<String>,
    },
    /// The token could not be checked right now (for example the JWKS document
    /// could not be fetched and no key is cached). Not the client's fault.
    /// The string is for the server's log: the client gets a generic
    /// description ([`body`](AuthError::body)).
    Unavailable(String),
    /// The server's authorization is set up wrongly (for example a JWT verifier
    /// without an audience). Not the client's fault. The string is for the
    /// server's log, as with [`Unavailable`](AuthError::Unavailable).
    Misconfigured(String),
}

/// Why a verifier rejected a token. Its `Display` is the `error_description`
/// sent to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenRejection {
    /// The token is not a well-formed token of the kind the verifier expects.
    Malformed(String),
    /// The signature does not match the token's content and key.
    BadSignature,
    /// The token's `alg` is not one the verifier accepts.
    Algorithm(String),
    /// No key with the token's key id (`kid`), even after reloading the key set.
    UnknownKey(Option<String>),
    /// The token's expiry (`exp`) has passed.
    Expired,
    /// The token's `nbf` is still in the future.
    NotYetValid,
    /// The token is not meant for this server: `aud` does not name it.
    WrongAudience,
    /// The token was not issued by an issuer the server trusts.
    WrongIssuer,
    /// A claim the verifier needs is absent (its name).
    MissingClaim(String),
    /// A claim has the wrong type or format (its name).
    InvalidClaim(String),
    /// The token is not one the server knows (static-token verifier).
    Unknown,
    /// The authorization server says the token is not active (RFC 7662
    /// introspection: revoked, expired, or never issued).
    Inactive,
    /// A custom verifier's reason.
    Other(String),
}

impl fmt::Display for TokenRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenRejection::Malformed(why) => write!(f, "the token is malformed: {why}"),
            TokenRejection::BadSignature => f.write_str("the token's signature is invalid"),
            TokenRejection::Algorithm(alg) => {
                write!(
                    f,
                    "the token is signed with {alg}, which this server does not accept"
                )
            }
            TokenRejection::UnknownKey(Some(kid)) => {
                write!(
                    f,
                    "the token is signed with key `{kid}`, which the server does not know"
                )
            }
            TokenRejection::UnknownKey(None) => {
                f.write_str("the token has no key id and no known key verifies it")
            }
            TokenRejection::Expired => f.write_str("the token has expired"),
            TokenRejection::NotYetValid => f.write_str("the token is not valid yet (nbf)"),
            TokenRejection::WrongAudience => {
                f.write_str("the token's audience (aud) is not this server")
            }
            TokenRejection::WrongIssuer => {
                f.write_str("the token's issuer (iss) is not one this server trusts")
            }
            TokenRejection::MissingClaim(name) => {
                write!(
                    f,
                    "the token has no `{name}` claim, which this server requires"
                )
            }
            TokenRejection::InvalidClaim(name) => {
                write!(f, "the token's `{name}` claim has the wrong format")
            }
            TokenRejection::Unknown => f.write_str("the token is not recognized"),
            TokenRejection::Inactive => f.write_str(
                "the authorization server says the token is not active (revoked, expired or unknown)",
            ),
            TokenRejection::Other(why) => f.write_str(why),
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::MissingToken => f.write_str("this request needs an access token (Authorization: Bearer <token>)"),
            AuthError::MalformedHeader(why) => write!(f, "malformed Authorization header: {why}"),
            AuthError::TokenInQuery => f.write_str(
                "access tokens are not accepted in the query string; send them in the Authorization header",
            ),
            AuthError::InvalidToken(why) => write!(f, "invalid access token: {why}"),
            AuthError::InsufficientScope { required } => write!(
                f,
                "the access token lacks required scopes; this needs: {}",
                required.join(" ")
            ),
            AuthError::Unavailable(why) => write!(f, "the access token cannot be checked now: {why}"),
            AuthError::Misconfigured(why) => write!(f, "the server's authorization is misconfigured: {why}"),
        }
    }
}

impl std::error::Error for AuthError {}

impl From<TokenRejection> for AuthError {
    fn from(why: TokenRejection) -> Self {
        AuthError::InvalidToken(why)
    }
}

impl AuthError {
    /// The HTTP status to answer with.
    pub fn status(&self) -> StatusCode {
        match self {
            AuthError::MissingToken
            | AuthError::MalformedHeader(_)
            | AuthError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            AuthError::InsufficientScope { .. } => StatusCode::FORBIDDEN,
            AuthError::TokenInQuery => StatusCode::BAD_REQUEST,
            AuthError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AuthError::Misconfigured(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The OAuth error code (`invalid_token`, `insufficient_scope`,
    /// `invalid_request`), or `None` when RFC 6750 says to send none (no
    /// token at all) or the failure is the server's.
    pub fn error_code(&self) -> Option<&'static str> {
        match self {
            AuthError::MissingToken | AuthError::Unavailable(_) | AuthError::Misconfigured(_) => {
                None
            }
            AuthError::MalformedHeader(_) | AuthError::TokenInQuery => Some("invalid_request"),
            AuthError::InvalidToken(_) => Some("invalid_token"),
            AuthError::InsufficientScope { .. } => Some("insufficient_scope"),
        }
    }

    /// The human-readable `error_description`, when the challenge has one.
    pub fn description(&self) -> Option<String> {
        match self {
            AuthError::MalformedHeader(why) => Some(why.clone()),
            AuthError::TokenInQuery => Some(
                "access tokens are not accepted in the query string; send them in the Authorization header"
                    .to_owned(),
            ),
            AuthError::InvalidToken(why) => Some(why.to_string()),
            _ => None,
        }
    }

    /// The `WWW-Authenticate` value to send, pointing at the protected resource
    /// metadata URL (see [`well_known_urls`](super::well_known_urls)); `None` for
    /// the server-side failures, which send no challenge.
    ///
    /// Values are sanitized to what RFC 6750 allows inside quoted strings
    /// (visible ASCII without `"` and `\`), so the result is always a valid
    /// header value.
    ///
    /// ```
    /// use ferrymcp::auth::{AuthError, TokenRejection};
    ///
    /// let url = "https://h/.well-known/oauth-protected-resource";
    /// assert_eq!(
    ///     AuthError::MissingToken.www_authenticate(url).as_deref(),
    ///     Some(r#"Bearer resource_metadata="https://h/.well-known/oauth-protected-resource""#),
    /// );
    /// assert_eq!(
    ///     AuthError::InvalidToken(TokenRejection::Expired).www_authenticate(url).as_deref(),
    ///     Some(r#"Bearer error="invalid_token", error_description="the token has expired", resource_metadata="https://h/.well-known/oauth-protected-resource""#),
    /// );
    /// ```
    pub fn www_authenticate(&self, resource_metadata: &str) -> Option<String> {
        self.challenge(resource_metadata, &[])
    }

    /// [`www_authenticate`](Self::www_authenticate), with `scope="…"` naming
    /// `scopes` in a challenge that names none of its own (all but
    /// [`InsufficientScope`](AuthError::InsufficientScope)); nothing is added
    /// when `scopes` is empty.
    pub(crate) fn challenge(&self, resource_metadata: &str, scopes: &[String]) -> Option<String> {
        let code = match self {
            AuthError::Unavailable(_) | AuthError::Misconfigured(_) => return None,
            other => other.error_code(),
        };
        let mut out = String::from("Bearer ");
        if let Some(code) = code {
            push_param(&mut out, "error", code);
        }
        if let Some(description) = self.description() {
            push_param(&mut out, "error_description", &description);
        }
        let scopes = match self {
            AuthError::InsufficientScope { required } => required.as_slice(),
            _ => scopes,
        };
        if !scopes.is_empty() || matches!(self, AuthError::InsufficientScope { .. }) {
            let scopes: Vec<String> = scopes.iter().map(|s| scope_token(s)).collect();
            push_param(&mut out, "scope", &scopes.join(" "));
        }
        push_param(&mut out, "resource_metadata", resource_metadata);
        Some(out)
    }

    /// [`www_authenticate`](Self::www_authenticate) as a header value.
    pub fn www_authenticate_value(&self, resource_metadata: &str) -> Option<HeaderValue> {
        let text = self.www_authenticate(resource_metadata)?;
        // Sanitized to visible ASCII, so this cannot fail; fall back to the bare
        // scheme rather than panic if it ever did.
        Some(HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("Bearer")))
    }

    /// The JSON body to send with the status: `{"error": ..., "error_description": ...}`.
    ///
    /// Server-side failures ([`Unavailable`](AuthError::Unavailable),
    /// [`Misconfigured`](AuthError::Misconfigured)) get a generic
    /// description: their details (a JWKS URL, a connection error, why a key
    /// set could not be read) are for the server's log, not for a client that
    /// has not even been authenticated. Log the error's `Display` instead.
    ///
    /// ```
    /// use ferrymcp::auth::AuthError;
    ///
    /// let err = AuthError::Unavailable("cannot fetch http://10.0.0.5/jwks: os error 111".into());
    /// let body = err.body().to_string();
    /// assert!(!body.contains("10.0.0.5") && !body.contains("os error"));
    /// assert!(err.to_string().contains("10.0.0.5"), "the Display keeps the detail for logs");
    /// ```
    pub fn body(&self) -> serde_json::Value {
        messages::to_value(&self.typed_body())
    }

    /// [`body`](Self::body), typed: what [`to_response`](Self::to_response) sends.
    fn typed_body(&self) -> OAuthErrorBody<'static> {
        let error = self.error_code().unwrap_or(match self {
            AuthError::MissingToken => "unauthorized",
            AuthError::Unavailable(_) => "temporarily_unavailable",
            _ => "server_error",
        });
        let error_description = match self {
            AuthError::Unavailable(_) => {
                "the access token cannot be checked now; try again later".into()
            }
            AuthError::Misconfigured(_) => {
                "the server cannot check access tokens; its operator has been told".into()
            }
            other => other.to_string().into(),
        };
        OAuthErrorBody {
            error,
            error_description,
        }
    }

    /// A complete HTTP response for this error: status, `WWW-Authenticate`
    /// (when there is one), and the JSON [`body`](Self::body).
    pub fn to_response(&self, resource_metadata: &str) -> http::Response<String> {
        self.response_with_scopes(resource_metadata, &[])
    }

    /// [`to_response`](Self::to_response) whose challenge names `scopes`
    /// (see [`challenge`](Self::challenge)).
    pub(crate) fn response_with_scopes(
        &self,
        resource_metadata: &str,
        scopes: &[String],
    ) -> http::Response<String> {
        let body = serde_json::to_string(&self.typed_body()).unwrap_or_default();
        let mut response = http::Response::new(body);
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(text) = self.challenge(resource_metadata, scopes) {
            // Sanitized to visible ASCII, so this cannot fail; fall back to
            // the bare scheme rather than panic if it ever did.
            let value =
                HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
            headers.insert(http::header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

fn push_param(out: &mut String, name: &str, value: &str) {
    if !out.ends_with(' ') {
        out.push_str(", ");
    }
    out.push_str(name);
    out.push_str("=\"");
    out.push_str(&quoted_safe(value));
    out.push('"');
}

/// Keeps what RFC 6750 allows in a quoted value (%x20-21 / %x23-5B / %x5D-7E).
fn quoted_safe(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

/// Keeps what a scope token allows (NQCHAR: %x21 / %x23-5B / %x5D-7E).
fn scope_token(scope: &str) -> String {
    scope
        .chars()
        .map(|c| match c {
            '"' | '\\' | ' ' => '_',
            '!'..='~' => c,
            _ => '?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://h/.well-known/oauth-protected-resource/mcp";

    #[test]
    fn missing_token_has_no_error_code() {
        assert_eq!(
            AuthError::MissingToken.www_authenticate(URL).unwrap(),
            format!("Bearer resource_metadata=\"{URL}\"")
        );
        assert_eq!(AuthError::MissingToken.status(), 401);
    }

    #[test]
    fn descriptions_are_sanitized() {
        let err = AuthError::MalformedHeader("bad \"quote\" \\ é\n".into());
        let value = err.www_authenticate(URL).unwrap();
        assert_eq!(
            value,
            format!("Bearer error=\"invalid_request\", error_description=\"bad 'quote' ' ??\", resource_metadata=\"{URL}\"")
        );
        assert!(err.www_authenticate_value(URL).is_some());
    }

    #[test]
    fn body_bytes_are_pinned() {
        let cases = [
            (
                AuthError::MissingToken,
                r#"{"error":"unauthorized","error_description":"this request needs an access token (Authorization: Bearer <token>)"}"#,
            ),
            (
                AuthError::MalformedHeader("bad \"quote\" é".into()),
                r#"{"error":"invalid_request","error_description":"malformed Authorization header: bad \"quote\" é"}"#,
            ),
            (
                AuthError::InsufficientScope {
                    required: vec!["a".into(), "b".into()],
                },
                r#"{"error":"insufficient_scope","error_description":"the access token lacks required scopes; this needs: a b"}"#,
            ),
            (
                AuthError::Unavailable("jwks down".into()),
                r#"{"error":"temporarily_unavailable","error_description":"the access token cannot be checked now; try again later"}"#,
            ),
            (
                AuthError::Misconfigured("no audience".into()),
                r#"{"error":"server_error","error_description":"the server cannot check access tokens; its operator has been told"}"#,
            ),
        ];
        for (err, pinned) in cases {
            assert_eq!(err.to_response(URL).into_body(), pinned);
            assert_eq!(err.body().to_string(), pinned);
        }
    }

    #[test]
    fn server_failures_send_no_challenge() {
        let err = AuthError::Unavailable("jwks down".into());
        assert_eq!(err.status(), 503);
        assert!(err.www_authenticate(URL).is_none());
        let response = err.to_response(URL);
        assert!(response.headers().get("www-authenticate").is_none());
        assert!(response.body().contains("temporarily_unavailable"));
        assert!(!response.body().contains("jwks down"));
        let err = AuthError::Misconfigured("no audience at /etc/secret".into());
        assert_eq!(err.status(), 500);
        assert!(!err.to_response(URL).body().contains("/etc/secret"));
    }

    #[test]
    fn response_carries_challenge() {
        let err = AuthError::InsufficientScope {
            required: vec!["a".into(), "b c".into()],
        };
        let response = err.to_response(URL);
        assert_eq!(response.status(), 403);
        assert_eq!(
            response.headers()["www-authenticate"],
            format!(
                "Bearer error=\"insufficient_scope\", scope=\"a b_c\", resource_metadata=\"{URL}\""
            )
            .as_str()
        );
    }
}
