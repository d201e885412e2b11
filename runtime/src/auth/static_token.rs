//! `StaticTokenVerifier`: fixed tokens, for development and tests.

use super::{AccessToken, AccessTokenBuilder, AuthError, TokenRejection, TokenVerifier};
use std::time::SystemTime;

/// Accepts a fixed set of tokens, each standing for a caller you describe.
/// For development and tests only: the tokens never expire unless you say so
/// and cannot be revoked.
///
/// ```
/// use ferrymcp::auth::{AccessToken, StaticTokenVerifier, TokenVerifier};
///
/// # tokio_test_block(async {
/// let verifier = StaticTokenVerifier::new()
///     .token("dev-alice", AccessToken::builder().subject("alice").scopes(["repo:read"]))
///     .token("dev-ci", AccessToken::builder().client_id("ci").scopes(["repo:read", "repo:write"]));
///
/// let alice = verifier.verify("dev-alice").await.unwrap();
/// assert_eq!(alice.subject(), Some("alice"));
/// assert_eq!(alice.raw(), Some("dev-alice"));
/// assert!(verifier.verify("guess").await.is_err());
/// # });
/// # fn tokio_test_block(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct StaticTokenVerifier {
    tokens: Vec<(String, AccessTokenBuilder)>,
}

impl StaticTokenVerifier {
    /// A verifier that knows no token yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts `token`, as the caller `describes` (its raw form is set to
    /// `token`). A token given twice keeps the last description.
    pub fn token(mut self, token: impl Into<String>, describes: AccessTokenBuilder) -> Self {
        let token = token.into();
        self.tokens.retain(|(t, _)| *t != token);
        self.tokens.push((token, describes));
        self
    }
}

impl TokenVerifier for StaticTokenVerifier {
    async fn verify(&self, token: &str) -> Result<AccessToken, AuthError> {
        // Compare against every entry in constant time per entry, so timing
        // does not reveal how much of a guess was right.
        let mut found = None;
        for (known, describes) in &self.tokens {
            if constant_time_eq(known.as_bytes(), token.as_bytes()) {
                found = Some(describes);
            }
        }
        let Some(describes) = found else {
            return Err(TokenRejection::Unknown.into());
        };
        let access = describes.clone().raw(token).build();
        if access.is_expired_at(SystemTime::now()) {
            return Err(TokenRejection::Expired.into());
        }
        Ok(access)
    }

    fn configuration_error(&self) -> Option<String> {
        self.tokens
            .is_empty()
            .then(|| "the StaticTokenVerifier has no tokens: add some with `.token(...)`".into())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn expired_static_token_is_rejected() {
        let v = StaticTokenVerifier::new().token(
            "old",
            AccessToken::builder().expires_at(SystemTime::now() - Duration::from_secs(5)),
        );
        assert_eq!(
            v.verify("old").await,
            Err(AuthError::InvalidToken(TokenRejection::Expired))
        );
        assert_eq!(
            v.verify("ol").await,
            Err(AuthError::InvalidToken(TokenRejection::Unknown))
        );
    }

    #[test]
    fn empty_verifier_is_a_configuration_error() {
        assert!(StaticTokenVerifier::new().configuration_error().is_some());
    }
}
