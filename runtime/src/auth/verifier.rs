//! The `TokenVerifier` trait: turns a raw bearer token into an `AccessToken`.

use super::{AccessToken, AuthError};
use futures::future::BoxFuture;
use std::future::Future;
use std::sync::Arc;

/// Checks a bearer token and says what it grants.
///
/// ferrymcp ships [`JwtVerifier`](super::JwtVerifier) (signed JWTs, static
/// keys or JWKS) and [`StaticTokenVerifier`](super::StaticTokenVerifier) (fixed
/// tokens, for development and tests). Implement it yourself for opaque tokens
/// checked by introspection (RFC 7662) or anything else; `async fn` works:
///
/// ```
/// use ferrymcp::auth::{AccessToken, AuthError, TokenRejection, TokenVerifier};
///
/// struct Introspect;
///
/// impl TokenVerifier for Introspect {
///     async fn verify(&self, token: &str) -> Result<AccessToken, AuthError> {
///         // Ask the authorization server here.
///         if token == "good" {
///             Ok(AccessToken::builder().raw(token).subject("alice").build())
///         } else {
///             Err(TokenRejection::Unknown.into())
///         }
///     }
/// }
/// ```
///
/// Return [`AuthError::InvalidToken`] for a token the client should replace,
/// [`AuthError::Unavailable`] when the check itself could not be made.
pub trait TokenVerifier: Send + Sync + 'static {
    /// Verifies `token` (the part after `Bearer `).
    fn verify(&self, token: &str) -> impl Future<Output = Result<AccessToken, AuthError>> + Send;

    /// A configuration mistake that makes this verifier unsafe or useless
    /// (for example a JWT verifier that checks no audience), reported when
    /// the server is built. The default says there is none.
    fn configuration_error(&self) -> Option<String> {
        None
    }
}

/// The object-safe form of [`TokenVerifier`], implemented for every verifier.
pub(crate) trait DynTokenVerifier: Send + Sync + 'static {
    fn verify_boxed<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AccessToken, AuthError>>;
    fn configuration_error(&self) -> Option<String>;
}

impl<T: TokenVerifier> DynTokenVerifier for T {
    fn verify_boxed<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(TokenVerifier::verify(self, token))
    }

    fn configuration_error(&self) -> Option<String> {
        TokenVerifier::configuration_error(self)
    }
}

/// A type-erased, shareable verifier: what [`AuthConfig`](super::AuthConfig)
/// holds. Cloning shares the same verifier (and so its key cache).
#[derive(Clone)]
pub struct SharedVerifier(Arc<dyn DynTokenVerifier>);

impl SharedVerifier {
    /// Wraps a verifier.
    pub fn new(verifier: impl TokenVerifier) -> Self {
        SharedVerifier(Arc::new(verifier))
    }

    /// Verifies `token`.
    pub async fn verify(&self, token: &str) -> Result<AccessToken, AuthError> {
        self.0.verify_boxed(token).await
    }

    /// See [`TokenVerifier::configuration_error`].
    pub fn configuration_error(&self) -> Option<String> {
        self.0.configuration_error()
    }
}

impl std::fmt::Debug for SharedVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedVerifier")
    }
}

impl TokenVerifier for SharedVerifier {
    async fn verify(&self, token: &str) -> Result<AccessToken, AuthError> {
        self.0.verify_boxed(token).await
    }

    fn configuration_error(&self) -> Option<String> {
        self.0.configuration_error()
    }
}
