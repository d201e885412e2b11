//! `TokenExchange`: RFC 8693 OAuth 2.0 Token Exchange, to get a token for a
//! downstream API (or a fresh one) in exchange for the caller's.

use super::discovery::ServerMetadata;
use super::http_client::{ClientEndpoint, HttpClient};
use super::KeyError;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

/// The grant type of a token exchange (RFC 8693 §2.1).
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// The token type of an OAuth access token (RFC 8693 §3).
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// A token-exchange client: the authorization server's token endpoint and
/// this server's client credentials for it (`client_secret_basic`).
///
/// Configure it on the server with
/// [`AuthConfigBuilder::token_exchange`](super::AuthConfigBuilder::token_exchange);
/// a tool then calls `ctx.exchange_token(audience, scopes)`, inline or in a
/// background task, and gets a token for `audience` issued in exchange for
/// the caller's own (the subject token). The caller's token is the only
/// subject token used: in a background task it is there only when the app
/// keeps raw tokens in task snapshots
/// ([`TaskOptions::keep_raw_token`](crate::task::TaskOptions::keep_raw_token);
/// with Redis, set a snapshot key so that it is stored encrypted). The
/// exchange configuration itself is never stored with a task: the worker
/// uses its own server's, so a worker process is built with the same
/// `AuthConfig` as the HTTP nodes.
///
/// ```
/// use ferrymcp::auth::TokenExchange;
///
/// let exchange = TokenExchange::new("https://idp.example/oauth2/token", "mcp-server", "secret").unwrap();
/// ```
#[derive(Clone)]
pub struct TokenExchange(Arc<Config>);

#[derive(Clone)]
struct Config {
    endpoint: ClientEndpoint,
    subject_token_type: String,
    requested_token_type: Option<String>,
}

impl fmt::Debug for TokenExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenExchange")
            .field("endpoint", &self.0.endpoint.url)
            .field("client_id", &self.0.endpoint.client_id)
            .field("subject_token_type", &self.0.subject_token_type)
            .field("requested_token_type", &self.0.requested_token_type)
            .finish_non_exhaustive()
    }
}

/// A token issued by an exchange (RFC 8693 §2.2.1). `Debug` hides the token.
#[derive(Clone)]
pub struct ExchangedToken {
    access_token: String,
    issued_token_type: String,
    token_type: String,
    expires_in: Option<u64>,
    scopes: Option<Vec<String>>,
}

impl ExchangedToken {
    /// The issued token, to send to the downstream API.
    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    /// What it is (`issued_token_type`, e.g. [`ACCESS_TOKEN_TYPE`]).
    pub fn issued_token_type(&self) -> &str {
        &self.issued_token_type
    }

    /// How to send it (`token_type`, usually `Bearer`).
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// Its lifetime in seconds, when the server said.
    pub fn expires_in(&self) -> Option<u64> {
        self.expires_in
    }

    /// The scopes it grants, when they differ from those asked for (the
    /// server sends `scope` then, RFC 8693 §2.2.1).
    pub fn scopes(&self) -> Option<&[String]> {
        self.scopes.as_deref()
    }

    /// The `Authorization` header value: `Bearer <token>`.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.access_token)
    }
}

impl fmt::Debug for ExchangedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExchangedToken")
            .field("access_token", &"<redacted>")
            .field("issued_token_type", &self.issued_token_type)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// Why a token exchange gave no token. Its `Display` says why, so a tool
/// that returns it with `?` fails with a message that says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExchangeError {
    /// The server has no [`TokenExchange`] configured.
    NotConfigured,
    /// There is no subject token to exchange; the string says why.
    NoSubjectToken(String),
    /// The authorization server refused the exchange (RFC 6749 §5.2).
    Refused {
        /// The HTTP status.
        status: u16,
        /// `error`, e.g. `invalid_grant`, `invalid_target`, `invalid_scope`.
        error: String,
        /// `error_description`, when given.
        description: Option<String>,
        /// `error_uri`, when given.
        uri: Option<String>,
    },
    /// The exchange could not be made (network, timeout, a malformed answer).
    Failed(String),
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExchangeError::NotConfigured => f.write_str(
                "token exchange is not configured on this server (AuthConfigBuilder::token_exchange)",
            ),
            ExchangeError::NoSubjectToken(why) => {
                write!(f, "no token to exchange: {why}")
            }
            ExchangeError::Refused {
                status,
                error,
                description,
                uri,
            } => {
                write!(
                    f,
                    "the authorization server refused the token exchange ({status}): {error}"
                )?;
                if let Some(d) = description {
                    write!(f, ": {d}")?;
                }
                if let Some(u) = uri {
                    write!(f, " (see {u})")?;
                }
                Ok(())
            }
            ExchangeError::Failed(why) => write!(f, "the token exchange failed: {why}"),
        }
    }
}

impl std::error::Error for ExchangeError {}

impl TokenExchange {
    /// A client of the token endpoint `endpoint` (https, or http to
    /// loopback), authenticating with this server's client id and secret.
    pub fn new(
        endpoint: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Result<Self, KeyError> {
        Ok(TokenExchange(Arc::new(Config {
            endpoint: ClientEndpoint::new(
                "the token endpoint",
                endpoint.into(),
                client_id.into(),
                client_secret.into(),
            )?,
            subject_token_type: ACCESS_TOKEN_TYPE.into(),
            requested_token_type: Some(ACCESS_TOKEN_TYPE.into()),
        })))
    }

    /// A client of the `token_endpoint` of `metadata`.
    pub fn from_metadata(
        metadata: &ServerMetadata,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Result<Self, KeyError> {
        let Some(endpoint) = metadata.token_endpoint() else {
            return Err(KeyError::new(format!(
                "the metadata of `{}` names no `token_endpoint`",
                metadata.issuer()
            )));
        };
        Self::new(endpoint, client_id, client_secret)
    }

    /// The HTTP client (default [`HttpClient::default`]).
    pub fn http_client(mut self, client: HttpClient) -> Self {
        Arc::make_mut(&mut self.0).endpoint.client = client;
        self
    }

    /// The `requested_token_type` sent (default [`ACCESS_TOKEN_TYPE`]);
    /// `None` sends none and lets the server choose.
    pub fn requested_token_type(mut self, token_type: Option<&str>) -> Self {
        Arc::make_mut(&mut self.0).requested_token_type = token_type.map(str::to_owned);
        self
    }

    /// The `subject_token_type` sent with the caller's token (default
    /// [`ACCESS_TOKEN_TYPE`]; e.g. `urn:ietf:params:oauth:token-type:jwt`).
    pub fn subject_token_type(mut self, token_type: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.0).subject_token_type = token_type.into();
        self
    }

    /// The token endpoint.
    pub fn endpoint(&self) -> &str {
        &self.0.endpoint.url
    }

    /// Exchanges `subject_token` for a token for `audience` (sent as
    /// `audience`; `None` sends none) with `scopes` (sent as `scope`, space
    /// separated; empty sends none).
    pub async fn exchange(
        &self,
        subject_token: &str,
        audience: Option<&str>,
        scopes: &[&str],
    ) -> Result<ExchangedToken, ExchangeError> {
        let c = &*self.0;
        let scope = scopes.join(" ");
        let mut form = vec![("grant_type", TOKEN_EXCHANGE_GRANT)];
        if let Some(a) = audience {
            form.push(("audience", a));
        }
        if !scope.is_empty() {
            form.push(("scope", &scope));
        }
        if let Some(t) = &c.requested_token_type {
            form.push(("requested_token_type", t));
        }
        form.push(("subject_token", subject_token));
        form.push(("subject_token_type", &c.subject_token_type));
        let url = &c.endpoint.url;
        let response = c
            .endpoint
            .post_form(&form)
            .await
            .map_err(|e| ExchangeError::Failed(format!("`{url}`: {e}")))?;
        let status = response.status.as_u16();
        let json: Option<Value> = serde_json::from_slice(&response.body).ok();
        if !response.status.is_success() {
            let text = |name: &str| {
                json.as_ref()
                    .and_then(|j| j.get(name))
                    .and_then(Value::as_str)
                    .map(|s| s.chars().take(500).collect::<String>())
            };
            return Err(match text("error") {
                Some(error) => ExchangeError::Refused {
                    status,
                    error,
                    description: text("error_description"),
                    uri: text("error_uri"),
                },
                None => ExchangeError::Failed(format!(
                    "`{}` answered {} without an OAuth error",
                    url, response.status
                )),
            });
        }
        let Some(Value::Object(answer)) = json else {
            return Err(ExchangeError::Failed(format!(
                "`{}` answered {} with a body that is not a JSON object",
                url, response.status
            )));
        };
        let required = |name: &str| {
            answer
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    ExchangeError::Failed(format!(
                        "the token endpoint's answer has no `{name}` (RFC 8693 §2.2.1)"
                    ))
                })
        };
        Ok(ExchangedToken {
            access_token: required("access_token")?,
            issued_token_type: required("issued_token_type")?,
            token_type: required("token_type")?,
            expires_in: answer.get("expires_in").and_then(Value::as_u64),
            scopes: answer
                .get("scope")
                .and_then(Value::as_str)
                .map(|s| s.split_ascii_whitespace().map(str::to_owned).collect()),
        })
    }
}
