//! `IntrospectionVerifier`: opaque access tokens, checked by the
//! authorization server's RFC 7662 introspection endpoint.

use super::discovery::ServerMetadata;
use super::header::MAX_TOKEN_LEN;
use super::http_client::{ClientEndpoint, HttpClient};
use super::{AccessToken, AuthError, TokenRejection, TokenVerifier};
use futures::future::{BoxFuture, FutureExt, Shared};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Verifies opaque access tokens by asking the authorization server
/// (RFC 7662 token introspection), and gives the same [`AccessToken`] a JWT
/// gives: subject (`sub`), client id, scopes (`scope`), audience (`aud`),
/// issuer and expiry (`exp`), and every member of the answer as a claim.
///
/// * The endpoint is called with the resource server's client credentials
///   (`client_secret_basic`: HTTP Basic, each part form-encoded).
/// * `active: false` is a 401 `invalid_token`; an endpoint that cannot be
///   reached or refuses the credentials is a 503 (the client's token is not
///   blamed), and the details go to the server's log.
/// * An active token is cached (by its SHA-256, never in clear) until its
///   `exp` or for at most [`cache_ceiling`](Self::cache_ceiling) (default
///   60 s), whichever comes first, so that a revocation is seen within the
///   ceiling. At most [`max_cached`](Self::max_cached) tokens are held.
/// * Concurrent checks of one token not in the cache make one request.
///
/// ```
/// use ferrymcp::auth::{AuthConfig, IntrospectionVerifier};
/// use std::time::Duration;
///
/// let verifier = IntrospectionVerifier::new(
///     "https://idp.example/oauth2/introspect",
///     "mcp-server",
///     "its-client-secret",
/// )
/// .unwrap()
/// .audience("https://mcp.example.com/mcp")
/// .cache_ceiling(Duration::from_secs(30));
/// let auth = AuthConfig::builder(verifier)
///     .resource("https://mcp.example.com/mcp")
///     .authorization_server("https://idp.example")
///     .build()
///     .unwrap();
/// ```
#[derive(Clone)]
pub struct IntrospectionVerifier {
    config: Arc<Config>,
    cache: Arc<Cache>,
}

#[derive(Clone)]
struct Config {
    endpoint: ClientEndpoint,
    audience: Vec<String>,
    issuers: Vec<String>,
    ceiling: Duration,
    max_cached: usize,
}

type Check = Shared<BoxFuture<'static, Result<AccessToken, AuthError>>>;

#[derive(Default)]
struct Cache {
    tokens: Mutex<HashMap<[u8; 32], (AccessToken, Instant)>>,
    in_flight: Mutex<HashMap<[u8; 32], Check>>,
}

impl IntrospectionVerifier {
    /// A verifier that asks `endpoint` (https, or http to loopback), with the
    /// client id and secret the authorization server gave this resource
    /// server.
    pub fn new(
        endpoint: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Result<Self, super::KeyError> {
        Ok(IntrospectionVerifier {
            config: Arc::new(Config {
                endpoint: ClientEndpoint::new(
                    "the introspection endpoint",
                    endpoint.into(),
                    client_id.into(),
                    client_secret.into(),
                )?,
                audience: Vec::new(),
                issuers: Vec::new(),
                ceiling: Duration::from_secs(60),
                max_cached: 10_000,
            }),
            cache: Arc::new(Cache::default()),
        })
    }

    /// A verifier for the `introspection_endpoint` of `metadata`.
    pub fn from_metadata(
        metadata: &ServerMetadata,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Result<Self, super::KeyError> {
        let Some(endpoint) = metadata.introspection_endpoint() else {
            return Err(super::KeyError::new(format!(
                "the metadata of `{}` names no `introspection_endpoint`",
                metadata.issuer()
            )));
        };
        Ok(Self::new(endpoint, client_id, client_secret)?.issuer(metadata.issuer()))
    }

    fn map(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(Arc::make_mut(&mut self.config));
        self.cache = Arc::new(Cache::default());
        self
    }

    /// Accepts only tokens whose `aud` names `audience` (call again to
    /// accept several). Without any, the audience is not checked: the
    /// authorization server answering `active: true` to this client is the
    /// check.
    pub fn audience(self, audience: impl Into<String>) -> Self {
        let audience = audience.into();
        self.map(|c| c.audience.push(audience))
    }

    /// Accepts only answers whose `iss`, when they have one, is `issuer`
    /// (call again for several). `iss` is optional in an introspection
    /// answer: without it, the endpoint speaks for its issuer.
    pub fn issuer(self, issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        self.map(|c| c.issuers.push(issuer))
    }

    /// The longest an active token is trusted without asking again (default
    /// 60 s; never past the token's `exp`). `Duration::ZERO` asks every time.
    pub fn cache_ceiling(self, ceiling: Duration) -> Self {
        self.map(|c| c.ceiling = ceiling)
    }

    /// How many tokens the cache holds at most (default 10,000); past it,
    /// new tokens are checked but not cached until entries expire.
    pub fn max_cached(self, n: usize) -> Self {
        self.map(|c| c.max_cached = n)
    }

    /// The HTTP client (default [`HttpClient::default`]).
    pub fn http_client(self, client: HttpClient) -> Self {
        self.map(|c| c.endpoint.client = client)
    }

    fn cached(&self, key: &[u8; 32]) -> Option<AccessToken> {
        let mut tokens = self
            .cache
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match tokens.get(key) {
            Some((token, until)) if *until > Instant::now() => Some(token.clone()),
            Some(_) => {
                tokens.remove(key);
                None
            }
            None => None,
        }
    }
}

impl std::fmt::Debug for IntrospectionVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntrospectionVerifier")
            .field("endpoint", &self.config.endpoint.url)
            .field("client_id", &self.config.endpoint.client_id)
            .field("audience", &self.config.audience)
            .field("issuers", &self.config.issuers)
            .field("cache_ceiling", &self.config.ceiling)
            .finish_non_exhaustive()
    }
}

impl TokenVerifier for IntrospectionVerifier {
    async fn verify(&self, token: &str) -> Result<AccessToken, AuthError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenRejection::Malformed(format!(
                "it is {} bytes long; the limit is {MAX_TOKEN_LEN}",
                token.len()
            ))
            .into());
        }
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(hit) = self.cached(&key) {
            return Ok(hit);
        }
        let check = {
            let mut in_flight = self
                .cache
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            in_flight
                .entry(key)
                .or_insert_with(|| {
                    let config = Arc::clone(&self.config);
                    let cache = Arc::clone(&self.cache);
                    let token = token.to_owned();
                    // The check itself caches its answer and leaves the
                    // in-flight map, so that it does both even when the
                    // caller that started it has gone.
                    async move {
                        let result = introspect(&config, &token).await;
                        if let Ok(t) = &result {
                            store(&config, &cache, key, t);
                        }
                        cache
                            .in_flight
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .remove(&key);
                        result
                    }
                    .boxed()
                    .shared()
                })
                .clone()
        };
        check.await
    }

    fn configuration_error(&self) -> Option<String> {
        if self.config.endpoint.client_id.is_empty() {
            return Some("the IntrospectionVerifier has an empty client id".into());
        }
        None
    }
}

fn store(config: &Config, cache: &Cache, key: [u8; 32], token: &AccessToken) {
    let mut ttl = config.ceiling;
    if let Some(exp) = token.expires_at() {
        ttl = ttl.min(exp.duration_since(SystemTime::now()).unwrap_or_default());
    }
    if ttl.is_zero() {
        return;
    }
    let mut tokens = cache.tokens.lock().unwrap_or_else(PoisonError::into_inner);
    if tokens.len() >= config.max_cached {
        let now = Instant::now();
        tokens.retain(|_, (_, until)| *until > now);
        if tokens.len() >= config.max_cached {
            tracing::debug!("the introspection cache is full; this token is not cached");
            return;
        }
    }
    tokens.insert(key, (token.clone(), Instant::now() + ttl));
}

/// One call of the introspection endpoint, and the checks of its answer.
async fn introspect(config: &Config, token: &str) -> Result<AccessToken, AuthError> {
    let endpoint = &config.endpoint.url;
    let response = config
        .endpoint
        .post_form(&[("token", token), ("token_type_hint", "access_token")])
        .await
        .map_err(|e| AuthError::Unavailable(format!("introspection at `{endpoint}`: {e}")))?;
    if matches!(response.status.as_u16(), 401 | 403) {
        return Err(AuthError::Unavailable(format!(
            "the introspection endpoint `{endpoint}` refused this server's client credentials ({}); check the client id and secret",
            response.status
        )));
    }
    let body = response
        .success_body()
        .map_err(|e| AuthError::Unavailable(format!("introspection at `{endpoint}`: {e}")))?;
    let answer: Value = serde_json::from_slice(&body).map_err(|e| {
        AuthError::Unavailable(format!(
            "the introspection endpoint `{endpoint}` answered with something that is not JSON: {e}"
        ))
    })?;
    let Value::Object(claims) = answer else {
        return Err(AuthError::Unavailable(format!(
            "the introspection endpoint `{endpoint}` answered with JSON that is not an object"
        )));
    };
    match claims.get("active") {
        Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => return Err(TokenRejection::Inactive.into()),
        _ => {
            return Err(AuthError::Unavailable(format!(
                "the introspection answer of `{endpoint}` has no boolean `active` (RFC 7662 §2.2)"
            )))
        }
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if let Some(nbf) = claims.get("nbf").and_then(Value::as_u64) {
        if nbf > now + 60 {
            return Err(TokenRejection::NotYetValid.into());
        }
    }
    let token = AccessToken::from_claims(token, claims);
    if token.is_expired() {
        return Err(TokenRejection::Expired.into());
    }
    if !config.audience.is_empty() {
        if token.audience().is_empty() {
            return Err(TokenRejection::MissingClaim("aud".into()).into());
        }
        if !token.audience().iter().any(|a| config.audience.contains(a)) {
            return Err(TokenRejection::WrongAudience.into());
        }
    }
    // `iss` is optional in an introspection answer (RFC 7662 §2.2): the
    // endpoint itself speaks for the issuer. When it is given, it must match.
    if let Some(iss) = token.issuer() {
        if !config.issuers.is_empty() && !config.issuers.iter().any(|i| i == iss) {
            return Err(TokenRejection::WrongIssuer.into());
        }
    }
    Ok(token)
}
