//! `JwtVerifier`: verifies signed JWT access tokens (RFC 9068).

use super::header::MAX_TOKEN_LEN;
use super::http_client::HttpClient;
use super::jwks::{self, Jwks, Key, Source};
use super::{AccessToken, AuthError, TokenRejection, TokenVerifier};
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{AlgorithmFamily, DecodingKey, Validation};
use serde_json::{Map, Value};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use jsonwebtoken::Algorithm;

/// The largest leeway accepted; more is clamped to it.
const MAX_LEEWAY: Duration = Duration::from_secs(24 * 3600);

/// Verifies JWT access tokens: the signature (HS256 with a shared secret,
/// RS256/ES256 with a public key or a JWKS), then `exp`, `nbf`, `aud` and
/// `iss`, with a leeway for clock skew (default 60 s).
///
/// The audience is required: a verifier that checks none is refused when the
/// server is built; turning the check off takes
/// [`dangerously_disable_audience_validation`](Self::dangerously_disable_audience_validation).
///
/// ```
/// use ferrymcp::auth::JwtVerifier;
/// use std::time::Duration;
///
/// // A shared secret (at least 32 bytes).
/// let hs = JwtVerifier::hs256(b"0123456789abcdef0123456789abcdef")
///     .audience("https://mcp.example.com/mcp")
///     .issuer("https://auth.example.com")
///     .leeway(Duration::from_secs(30));
///
/// // An authorization server's published keys, fetched and cached.
/// let jwks = JwtVerifier::jwks_url("http://127.0.0.1:8080/.well-known/jwks.json")
///     .unwrap()
///     .audience("https://mcp.example.com/mcp")
///     .issuer("https://auth.example.com");
/// ```
#[derive(Clone)]
pub struct JwtVerifier {
    keys: Keys,
    algorithms: Vec<Algorithm>,
    audience: Vec<String>,
    any_audience: bool,
    issuers: Vec<String>,
    leeway: Duration,
    short_secret: bool,
}

#[derive(Clone)]
enum Keys {
    /// One key (a shared secret or a public key).
    Single(DecodingKey),
    Jwks(Arc<Jwks>),
}

/// A key or key set that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

impl KeyError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        KeyError(message.into())
    }
}

impl JwtVerifier {
    fn with(keys: Keys, algorithms: Vec<Algorithm>) -> Self {
        JwtVerifier {
            keys,
            algorithms,
            audience: Vec::new(),
            any_audience: false,
            issuers: Vec::new(),
            leeway: Duration::from_secs(60),
            short_secret: false,
        }
    }

    /// HS256 with a shared secret, which must be at least 32 bytes
    /// (RFC 7518 §3.2; a shorter one is refused when the server is built).
    pub fn hs256(secret: impl AsRef<[u8]>) -> Self {
        let secret = secret.as_ref();
        let mut v = Self::with(
            Keys::Single(DecodingKey::from_secret(secret)),
            vec![Algorithm::HS256],
        );
        v.short_secret = secret.len() < 32;
        v
    }

    /// RS256 with an RSA public key in PEM (`PUBLIC KEY` or `RSA PUBLIC KEY`).
    pub fn rs256_pem(pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let key = DecodingKey::from_rsa_pem(pem.as_ref())
            .map_err(|e| KeyError(format!("not an RSA public key in PEM: {e}")))?;
        Ok(Self::with(Keys::Single(key), vec![Algorithm::RS256]))
    }

    /// ES256 with a P-256 public key in PEM (`PUBLIC KEY`).
    pub fn es256_pem(pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let key = DecodingKey::from_ec_pem(pem.as_ref())
            .map_err(|e| KeyError(format!("not an EC public key in PEM: {e}")))?;
        Ok(Self::with(Keys::Single(key), vec![Algorithm::ES256]))
    }

    /// The keys of a JWKS document given as a string; never reloaded.
    /// Accepts RS256 and ES256 tokens (see [`algorithms`](Self::algorithms)).
    pub fn jwks_document(json: &str) -> Result<Self, KeyError> {
        let keys = jwks::parse_key_set(json.as_bytes()).map_err(KeyError)?;
        Ok(Self::jwks(Source::Fixed, keys))
    }

    /// The keys of a JWKS file, read now and read again when a token names a
    /// key id the set lacks (at most once per
    /// [`jwks_min_reload_interval`](Self::jwks_min_reload_interval)) or the
    /// set is older than [`jwks_max_age`](Self::jwks_max_age).
    pub fn jwks_file(path: impl Into<PathBuf>) -> Result<Self, KeyError> {
        let path = path.into();
        let bytes = std::fs::read(&path)
            .map_err(|e| KeyError(format!("cannot read `{}`: {e}", path.display())))?;
        let keys = jwks::parse_key_set(&bytes)
            .map_err(|e| KeyError(format!("`{}`: {e}", path.display())))?;
        Ok(Self::jwks(Source::File(path), keys))
    }

    /// The keys published at a JWKS URL, fetched on first use, cached for
    /// [`jwks_max_age`](Self::jwks_max_age), and fetched again when a token
    /// names an unknown key id (key rotation), at most once per
    /// [`jwks_min_reload_interval`](Self::jwks_min_reload_interval). When a
    /// refresh fails the cached keys stay in use.
    ///
    /// The built-in fetcher ([`HttpClient`]) speaks HTTPS (with the default
    /// `https` feature), and plain HTTP to loopback hosts only (tests, a
    /// local authorization server); [`http_client`](Self::http_client)
    /// configures it, [`jwks_fetch_with`](Self::jwks_fetch_with) replaces
    /// it. The URL must parse now. To find the URL from the issuer, see
    /// [`from_issuer`](Self::from_issuer).
    pub fn jwks_url(url: impl Into<String>) -> Result<Self, KeyError> {
        let url = url.into();
        let uri: http::Uri = url
            .parse()
            .map_err(|e| KeyError(format!("the JWKS URL `{url}` is not a valid URL: {e}")))?;
        if uri.host().is_none() || !matches!(uri.scheme_str(), Some("http" | "https")) {
            return Err(KeyError(format!(
                "the JWKS URL `{url}` must be an absolute http(s) URL"
            )));
        }
        Ok(Self::jwks(
            Source::Url {
                url,
                custom: None,
                client: HttpClient::default(),
            },
            Vec::new(),
        ))
    }

    fn jwks(source: Source, keys: Vec<Key>) -> Self {
        Self::with(
            Keys::Jwks(Arc::new(Jwks::new(source, keys))),
            vec![Algorithm::RS256, Algorithm::ES256],
        )
    }

    /// Accepts tokens whose `aud` names `audience` (call again to accept
    /// several). Use this server's resource URL, as in its protected
    /// resource metadata.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience.push(audience.into());
        self
    }

    /// Turns the audience (`aud`) check off: any token the key verifies,
    /// minted for any service of the issuer, is accepted here, so a token a
    /// user gave some other service can be replayed against this one. Only
    /// for an authorization server that cannot put an audience in its
    /// tokens; the server logs a warning when the verifier is configured.
    ///
    /// Was `allow_any_audience()`.
    pub fn dangerously_disable_audience_validation(mut self) -> Self {
        tracing::warn!(
            "JwtVerifier: audience validation is DISABLED; tokens minted for any service of the issuer are accepted"
        );
        self.any_audience = true;
        self
    }

    /// Accepts tokens whose `iss` is `issuer` (call again to accept several);
    /// with none set, `iss` is not checked.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers.push(issuer.into());
        self
    }

    /// Clock skew allowed on `exp` and `nbf` (default 60 s, at most one day).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.min(MAX_LEEWAY);
        self
    }

    /// The signature algorithms accepted (replacing the default: HS256 for a
    /// secret, RS256 or ES256 for a PEM key, RS256 and ES256 for a JWKS).
    /// Algorithms of another family than the key are refused when the server
    /// is built.
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// How long a fetched key set is used before it is fetched again
    /// (default one hour). No effect on single keys.
    pub fn jwks_max_age(self, max_age: Duration) -> Self {
        self.map_jwks(|j| j.max_age = max_age)
    }

    /// The shortest time between two reloads of the key set (default 30 s),
    /// so that tokens with made-up key ids cannot make the server hammer the
    /// authorization server.
    pub fn jwks_min_reload_interval(self, interval: Duration) -> Self {
        self.map_jwks(|j| j.min_reload_interval = interval)
    }

    /// How long one fetch of the JWKS URL may take (default 10 s).
    pub fn jwks_timeout(self, timeout: Duration) -> Self {
        self.map_jwks(|j| j.timeout = timeout)
    }

    /// The HTTP client that fetches the JWKS URL (default:
    /// [`HttpClient::default`]), e.g. one that trusts a private CA. No
    /// effect on a verifier not made from a URL or an issuer.
    pub fn http_client(self, client: HttpClient) -> Self {
        self.map_jwks(move |j| {
            if let Source::Url { client: own, .. } = &mut j.source {
                *own = client;
            }
        })
    }

    /// Fetches the JWKS URL with your own HTTP client instead: `fetch`
    /// gets the URL and returns the response body (a non-2xx answer should be
    /// an `Err`). No effect on a verifier not made with
    /// [`jwks_url`](Self::jwks_url).
    ///
    /// ```
    /// use ferrymcp::auth::JwtVerifier;
    ///
    /// let verifier = JwtVerifier::jwks_url("https://auth.example.com/jwks.json")
    ///     .unwrap()
    ///     .audience("https://mcp.example.com/mcp")
    ///     .jwks_fetch_with(|url: String| async move {
    ///         // e.g. reqwest::get(&url).await?.bytes().await, errors as strings
    ///         Err::<Vec<u8>, String>(format!("no client in this example for {url}"))
    ///     });
    /// ```
    pub fn jwks_fetch_with<F, Fut>(self, fetch: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<u8>, String>> + Send + 'static,
    {
        let fetch = jwks::fetch_fn(fetch);
        self.map_jwks(move |j| {
            if let Source::Url { custom, .. } = &mut j.source {
                *custom = Some(fetch);
            }
        })
    }

    /// Changes the key set's settings. The verifier is not shared yet while
    /// it is being configured, so the set is rebuilt when it is.
    fn map_jwks(mut self, f: impl FnOnce(&mut Jwks)) -> Self {
        if let Keys::Jwks(shared) = &mut self.keys {
            match Arc::get_mut(shared) {
                Some(j) => f(j),
                None => {
                    let mut j = rebuild(shared, shared.source.clone());
                    f(&mut j);
                    *shared = Arc::new(j);
                }
            }
        }
        self
    }

    async fn candidates(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Vec<DecodingKey>, AuthError> {
        match &self.keys {
            Keys::Single(key) => Ok(vec![key.clone()]),
            Keys::Jwks(jwks) => Ok(jwks
                .keys_for(kid, alg)
                .await?
                .into_iter()
                .map(|k| k.key)
                .collect()),
        }
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        v.leeway = self.leeway.as_secs();
        v.validate_nbf = true;
        let mut required = vec!["exp"];
        if self.any_audience {
            v.validate_aud = false;
        } else {
            v.set_audience(&self.audience);
            required.push("aud");
        }
        if !self.issuers.is_empty() {
            v.set_issuer(&self.issuers);
            required.push("iss");
        }
        v.set_required_spec_claims(&required);
        v
    }
}

fn rebuild(old: &Jwks, source: Source) -> Jwks {
    let mut j = Jwks::new(source, old.current_keys());
    j.max_age = old.max_age;
    j.min_reload_interval = old.min_reload_interval;
    j.timeout = old.timeout;
    j
}

impl TokenVerifier for JwtVerifier {
    async fn verify(&self, token: &str) -> Result<AccessToken, AuthError> {
        if self.audience.is_empty() && !self.any_audience {
            return Err(AuthError::Misconfigured(no_audience()));
        }
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenRejection::Malformed(format!(
                "it is {} bytes long; the limit is {MAX_TOKEN_LEN}",
                token.len()
            ))
            .into());
        }
        let (alg_name, kid) = peek_header(token)?;
        let alg = alg_name
            .parse::<Algorithm>()
            .ok()
            .filter(|a| self.algorithms.contains(a))
            .ok_or_else(|| TokenRejection::Algorithm(alg_name.clone()))?;
        let validation = self.validation(alg);
        let keys = self.candidates(kid.as_deref(), alg).await?;
        let mut last = TokenRejection::BadSignature;
        for key in &keys {
            match jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation) {
                Ok(data) => return Ok(AccessToken::from_claims(token, data.claims)),
                Err(e) => match e.kind() {
                    // Without a key id, several keys may fit: try the next.
                    ErrorKind::InvalidSignature => last = TokenRejection::BadSignature,
                    other => return Err(rejection(other, &alg_name)),
                },
            }
        }
        Err(last.into())
    }

    fn configuration_error(&self) -> Option<String> {
        if self.audience.is_empty() && !self.any_audience {
            return Some(no_audience());
        }
        if self.short_secret {
            return Some(
                "the HS256 secret is shorter than 32 bytes (RFC 7518 §3.2 asks for at least the hash size)"
                    .into(),
            );
        }
        if self.algorithms.is_empty() {
            return Some("the JwtVerifier accepts no algorithm".into());
        }
        if let Keys::Single(key) = &self.keys {
            if let Some(alg) = self.algorithms.iter().find(|a| a.family() != key.family()) {
                return Some(format!(
                    "the JwtVerifier's key cannot verify {alg:?} tokens; accept only algorithms of the key's family"
                ));
            }
        }
        if let Keys::Jwks(j) = &self.keys {
            if self
                .algorithms
                .iter()
                .any(|a| a.family() == AlgorithmFamily::Hmac)
            {
                return Some(
                    "a JWKS verifier cannot accept HS* tokens (symmetric keys are never taken from a key set)".into(),
                );
            }
            if let Source::Url {
                url, custom: None, ..
            } = &j.source
            {
                return jwks::builtin_fetch_problem(url);
            }
        }
        None
    }
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("algorithms", &self.algorithms)
            .field("audience", &self.audience)
            .field("audience_validation_disabled", &self.any_audience)
            .field("issuers", &self.issuers)
            .field("leeway", &self.leeway)
            .finish_non_exhaustive()
    }
}

fn no_audience() -> String {
    "the JwtVerifier checks no audience: call `.audience(<this server's resource URL>)` (or, only if the authorization server cannot set `aud`, `.dangerously_disable_audience_validation()`)".into()
}

/// Reads `alg` and `kid` from the token's header without trusting it, so that
/// an algorithm we do not accept (including `none`) gets a precise error.
fn peek_header(token: &str) -> Result<(String, Option<String>), TokenRejection> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenRejection::Malformed(
            "a JWT has three dot-separated parts (header.payload.signature)".into(),
        ));
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .map_err(|_| TokenRejection::Malformed("its header is not base64url".into()))?;
    let header: Value = serde_json::from_slice(&bytes)
        .map_err(|_| TokenRejection::Malformed("its header is not JSON".into()))?;
    let Some(alg) = header.get("alg").and_then(Value::as_str) else {
        return Err(TokenRejection::Malformed("its header has no `alg`".into()));
    };
    let kid = header.get("kid").and_then(Value::as_str).map(str::to_owned);
    let shown: String = alg.chars().take(32).collect();
    Ok((shown, kid))
}

fn rejection(kind: &ErrorKind, alg: &str) -> AuthError {
    let r = match kind {
        ErrorKind::InvalidSignature => TokenRejection::BadSignature,
        ErrorKind::ExpiredSignature => TokenRejection::Expired,
        ErrorKind::ImmatureSignature => TokenRejection::NotYetValid,
        ErrorKind::InvalidAudience => TokenRejection::WrongAudience,
        ErrorKind::InvalidIssuer => TokenRejection::WrongIssuer,
        ErrorKind::MissingRequiredClaim(c) => TokenRejection::MissingClaim(c.clone()),
        ErrorKind::InvalidClaimFormat(c) => TokenRejection::InvalidClaim(c.clone()),
        ErrorKind::InvalidAlgorithm => TokenRejection::Algorithm(alg.to_owned()),
        ErrorKind::InvalidToken => {
            TokenRejection::Malformed("it is not a JWT (header.payload.signature)".into())
        }
        ErrorKind::Base64(_) => TokenRejection::Malformed("a part is not base64url".into()),
        ErrorKind::Json(e) => {
            TokenRejection::Malformed(format!("its claims are not a JSON object: {e}"))
        }
        ErrorKind::Utf8(_) => TokenRejection::Malformed("a part is not UTF-8".into()),
        ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidEddsaKey
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidKeyFormat => {
            return AuthError::Misconfigured(format!("a verification key is unusable: {kind:?}"))
        }
        other => TokenRejection::Other(format!("the token was rejected: {other:?}")),
    };
    AuthError::InvalidToken(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peek_rejects_garbage() {
        for t in ["", "a", "a.b", "a.b.c.d", "!!!.b.c", "e30.b.c"] {
            assert!(peek_header(t).is_err(), "{t}");
        }
        // {"alg":"none"}
        let (alg, kid) = peek_header("eyJhbGciOiJub25lIn0.e30.").unwrap();
        assert_eq!(alg, "none");
        assert_eq!(kid, None);
    }

    #[tokio::test]
    async fn none_algorithm_is_refused() {
        let v = JwtVerifier::hs256([7u8; 32]).audience("a");
        assert_eq!(
            v.verify("eyJhbGciOiJub25lIn0.e30.").await,
            Err(AuthError::InvalidToken(TokenRejection::Algorithm(
                "none".into()
            )))
        );
    }

    #[tokio::test]
    async fn no_audience_fails_closed() {
        let v = JwtVerifier::hs256([7u8; 32]);
        assert!(v.configuration_error().unwrap().contains(".audience("));
        assert!(matches!(
            v.verify("a.b.c").await,
            Err(AuthError::Misconfigured(_))
        ));
    }

    #[test]
    fn configuration_errors() {
        assert!(JwtVerifier::hs256(b"short")
            .audience("a")
            .configuration_error()
            .is_some());
        assert!(JwtVerifier::hs256([1u8; 32])
            .audience("a")
            .algorithms(&[Algorithm::RS256])
            .configuration_error()
            .is_some());
        assert_eq!(
            JwtVerifier::jwks_url("https://as.example/jwks")
                .unwrap()
                .audience("a")
                .configuration_error(),
            None
        );
        assert!(JwtVerifier::jwks_url("http://as.example/jwks")
            .unwrap()
            .audience("a")
            .configuration_error()
            .unwrap()
            .contains("not loopback"));
        assert!(JwtVerifier::jwks_url("https://as.example/jwks")
            .unwrap()
            .audience("a")
            .jwks_fetch_with(|_| async { Ok(Vec::new()) })
            .configuration_error()
            .is_none());
        assert!(JwtVerifier::jwks_url("not a url").is_err());
        assert!(JwtVerifier::jwks_url("/relative").is_err());
        assert!(JwtVerifier::rs256_pem("nope").is_err());
        assert!(JwtVerifier::jwks_document("{\"keys\":[]}").is_err());
    }
}
