//! A JSON Web Key Set (RFC 7517), loaded from a file, a URL or a string,
//! cached, and reloaded when a token names a key it does not have.

use super::http_client::{url_problem, HttpClient};
use super::{AuthError, TokenRejection};
use futures::future::BoxFuture;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use serde_json::Value;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The largest JWKS document accepted (bytes).
const MAX_DOCUMENT: usize = 1024 * 1024;

/// How a JWKS URL is fetched: `url` in, the response body out.
pub(crate) type FetchFn =
    Arc<dyn Fn(String) -> BoxFuture<'static, Result<Vec<u8>, String>> + Send + Sync>;

/// Where the key set comes from.
#[derive(Clone)]
pub(crate) enum Source {
    /// Fetched over HTTP(S) with `client`, or with `custom`, the
    /// application's fetcher, if it gave one.
    Url {
        url: String,
        custom: Option<FetchFn>,
        client: HttpClient,
    },
    /// Read from a file; re-read on reload.
    File(PathBuf),
    /// Given once; never reloaded.
    Fixed,
}

/// One verification key of the set.
#[derive(Clone)]
pub(crate) struct Key {
    kid: Option<String>,
    /// The `alg` the JWK is restricted to, if it says.
    alg: Option<String>,
    family: AlgorithmFamily,
    curve: Option<EllipticCurve>,
    pub(crate) key: DecodingKey,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("family", &self.family)
            .finish_non_exhaustive()
    }
}

impl Key {
    /// Whether this key may verify a token signed with `alg`.
    fn fits(&self, alg: Algorithm) -> bool {
        if self.family != alg.family() {
            return false;
        }
        if let Some(own) = &self.alg {
            if *own != format!("{alg:?}") {
                return false;
            }
        }
        match alg {
            Algorithm::ES256 => self.curve == Some(EllipticCurve::P256),
            Algorithm::ES384 => self.curve == Some(EllipticCurve::P384),
            Algorithm::EdDSA => self.curve == Some(EllipticCurve::Ed25519),
            _ => true,
        }
    }
}

struct State {
    keys: Arc<Vec<Key>>,
    loaded_at: Option<Instant>,
    last_attempt: Option<Instant>,
    last_error: Option<String>,
    /// Bumped on every successful load, so that concurrent reloads coalesce.
    generation: u64,
}

/// A cached key set. Shared by clones of the verifier that owns it.
pub(crate) struct Jwks {
    pub(crate) source: Source,
    state: Mutex<State>,
    reload: tokio::sync::Mutex<()>,
    pub(crate) max_age: Duration,
    pub(crate) min_reload_interval: Duration,
    pub(crate) timeout: Duration,
}

impl Jwks {
    pub(crate) fn new(source: Source, initial: Vec<Key>) -> Self {
        let loaded = !initial.is_empty();
        Jwks {
            source,
            state: Mutex::new(State {
                keys: Arc::new(initial),
                loaded_at: loaded.then(Instant::now),
                last_attempt: loaded.then(Instant::now),
                last_error: None,
                generation: u64::from(loaded),
            }),
            reload: tokio::sync::Mutex::new(()),
            max_age: Duration::from_secs(3600),
            min_reload_interval: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
        }
    }

    /// The keys loaded now.
    pub(crate) fn current_keys(&self) -> Vec<Key> {
        self.lock().keys.to_vec()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The keys that may verify a token with this `kid` and `alg`, loading or
    /// reloading the set when it is stale or lacks the key.
    pub(crate) async fn keys_for(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Vec<Key>, AuthError> {
        let stale = {
            let state = self.lock();
            state
                .loaded_at
                .is_none_or(|at| at.elapsed() >= self.max_age)
        };
        if stale && !matches!(self.source, Source::Fixed) {
            // A failed refresh keeps the keys we have; only with none at all is
            // it an error.
            if let Err(e) = self.reload_if_allowed().await {
                if self.lock().keys.is_empty() {
                    return Err(e);
                }
            }
        }
        let found = self.matching(kid, alg);
        if !found.is_empty() {
            return Ok(found);
        }
        // Key rotation: the token names a key we do not have; reload (at most
        // once per `min_reload_interval`) and look again.
        if kid.is_some() && !matches!(self.source, Source::Fixed) {
            let _ = self.reload_if_allowed().await;
            let found = self.matching(kid, alg);
            if !found.is_empty() {
                return Ok(found);
            }
        }
        if self.lock().keys.is_empty() {
            let why = self
                .lock()
                .last_error
                .clone()
                .unwrap_or_else(|| "the key set has not been loaded".into());
            return Err(AuthError::Unavailable(why));
        }
        // The key id comes from the client: keep the error (and so the
        // `WWW-Authenticate` header) short.
        let shown = kid.map(|k| k.chars().take(64).collect());
        Err(TokenRejection::UnknownKey(shown).into())
    }

    fn matching(&self, kid: Option<&str>, alg: Algorithm) -> Vec<Key> {
        let keys = Arc::clone(&self.lock().keys);
        keys.iter()
            .filter(|k| match kid {
                Some(kid) => k.kid.as_deref() == Some(kid),
                None => true,
            })
            .filter(|k| k.fits(alg))
            .cloned()
            .collect()
    }

    /// Reloads unless the last attempt was less than `min_reload_interval` ago
    /// (then reports the last error, if it failed). Concurrent callers wait for
    /// one load.
    async fn reload_if_allowed(&self) -> Result<(), AuthError> {
        let seen = self.lock().generation;
        let _guard = self.reload.lock().await;
        {
            let state = self.lock();
            if state.generation != seen {
                return Ok(()); // someone else just loaded it
            }
            if let Some(at) = state.last_attempt {
                if at.elapsed() < self.min_reload_interval {
                    return match &state.last_error {
                        Some(e) => Err(AuthError::Unavailable(e.clone())),
                        None => Ok(()),
                    };
                }
            }
        }
        let result = self.load().await;
        let mut state = self.lock();
        state.last_attempt = Some(Instant::now());
        match result {
            Ok(keys) => {
                state.keys = Arc::new(keys);
                state.loaded_at = Some(Instant::now());
                state.last_error = None;
                state.generation += 1;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not reload the JWKS key set");
                state.last_error = Some(e.clone());
                Err(AuthError::Unavailable(e))
            }
        }
    }

    async fn load(&self) -> Result<Vec<Key>, String> {
        let bytes = match &self.source {
            Source::Fixed => return Ok(self.lock().keys.to_vec()),
            Source::File(path) => {
                let path = path.clone();
                let shown = path.display().to_string();
                tokio::task::spawn_blocking(move || std::fs::read(&path))
                    .await
                    .map_err(|e| format!("reading the JWKS file `{shown}` failed: {e}"))?
                    .map_err(|e| format!("cannot read the JWKS file `{shown}`: {e}"))?
            }
            Source::Url {
                url,
                custom,
                client,
            } => {
                let fetch = async {
                    match custom {
                        Some(f) => f(url.clone()).await,
                        None => client.get(url).await?.success_body(),
                    }
                };
                tokio::time::timeout(self.timeout, fetch)
                    .await
                    .map_err(|_| {
                        format!(
                            "fetching the JWKS at `{url}` timed out after {:?}",
                            self.timeout
                        )
                    })?
                    .map_err(|e| format!("cannot fetch the JWKS at `{url}`: {e}"))?
            }
        };
        parse_key_set(&bytes)
    }
}

/// Parses a JWKS document, keeping the signature keys this crate can use
/// (RSA, EC on P-256/P-384, Ed25519) and skipping the others. Symmetric
/// (`oct`) keys are never taken from a key set.
pub(crate) fn parse_key_set(bytes: &[u8]) -> Result<Vec<Key>, String> {
    if bytes.len() > MAX_DOCUMENT {
        return Err(format!(
            "the JWKS document is {} bytes; the limit is {MAX_DOCUMENT}",
            bytes.len()
        ));
    }
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("the JWKS document is not JSON: {e}"))?;
    let Some(entries) = doc.get("keys").and_then(Value::as_array) else {
        return Err("the JWKS document has no `keys` array".into());
    };
    let mut keys = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        match key_from_jwk(entry) {
            Ok(Some(key)) => keys.push(key),
            Ok(None) => {}
            Err(e) => tracing::debug!(index = i, error = %e, "skipping a JWKS key"),
        }
    }
    if keys.is_empty() {
        return Err(format!(
            "the JWKS document has no usable signature key ({} keys, none RSA, EC or Ed25519 for signing)",
            entries.len()
        ));
    }
    Ok(keys)
}

fn key_from_jwk(entry: &Value) -> Result<Option<Key>, String> {
    let jwk: Jwk = serde_json::from_value(entry.clone()).map_err(|e| e.to_string())?;
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return Ok(None);
    }
    let (family, curve) = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => (AlgorithmFamily::Rsa, None),
        AlgorithmParameters::EllipticCurve(p) => (AlgorithmFamily::Ec, Some(p.curve.clone())),
        AlgorithmParameters::OctetKeyPair(p) => (AlgorithmFamily::Ed, Some(p.curve.clone())),
        // `oct` (symmetric), unknown and future key types.
        _ => return Ok(None),
    };
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())?;
    Ok(Some(Key {
        kid: jwk.common.key_id.clone(),
        alg: jwk.common.key_algorithm.map(|a| a.to_string()),
        family,
        curve,
        key,
    }))
}

/// Checks that the built-in fetcher can fetch `url` safely: HTTPS (with the
/// `https` feature), or plain HTTP to a loopback host only (keys fetched
/// without TLS could be replaced by anyone on the path).
pub(crate) fn builtin_fetch_problem(url: &str) -> Option<String> {
    url_problem(url).map(|p| format!("the JWKS URL {p}"))
}

/// Wraps an application's fetcher.
pub(crate) fn fetch_fn<F, Fut>(f: F) -> FetchFn
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Vec<u8>, String>> + Send + 'static,
{
    Arc::new(move |url| Box::pin(f(url)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rejects_bad_documents() {
        assert!(parse_key_set(b"nope").unwrap_err().contains("not JSON"));
        assert!(parse_key_set(b"{}").unwrap_err().contains("no `keys`"));
        let only_oct = br#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#;
        assert!(parse_key_set(only_oct)
            .unwrap_err()
            .contains("no usable signature key"));
        let junk = br#"{"keys":[{"kty":"RSA"}, 7, {"kty":"EC","crv":"P-256","x":"!","y":"!"}]}"#;
        assert!(parse_key_set(junk).is_err());
    }

    #[test]
    fn builtin_fetcher_refuses_unsafe_urls() {
        assert!(builtin_fetch_problem("http://127.0.0.1:9/jwks").is_none());
        assert!(builtin_fetch_problem("http://localhost/jwks").is_none());
        assert!(builtin_fetch_problem("http://[::1]:8080/jwks").is_none());
        assert!(builtin_fetch_problem("http://example.com/jwks")
            .unwrap()
            .contains("not loopback"));
        assert_eq!(
            builtin_fetch_problem("https://example.com/jwks").is_none(),
            cfg!(feature = "https")
        );
        assert!(builtin_fetch_problem("ftp://x/").is_some());
        assert!(builtin_fetch_problem("not a url").is_some());
    }
}
