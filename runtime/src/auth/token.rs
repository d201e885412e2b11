//! `AccessToken`: a verified token, what it says, and the scope check.

use super::{AuthError, CallerIdentity};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A verified access token: the raw token and what it says about the caller.
///
/// A [`TokenVerifier`](super::TokenVerifier) makes one; the transport puts it in
/// the call's extensions; a tool asks for it as a parameter (`AccessToken`
/// when the tool needs one, `Option<AccessToken>` when it works without):
///
/// ```
/// use ferrymcp::prelude::*;
/// use ferrymcp::auth::AccessToken;
///
/// /// Says who is calling.
/// #[tool]
/// async fn whoami(#[inject] token: AccessToken) -> String {
///     let tenant: Option<String> = token.claim("tenant").unwrap_or(None);
///     format!("{} of {}", token.subject().unwrap_or("?"), tenant.as_deref().unwrap_or("no tenant"))
/// }
/// ```
///
/// Cloning is cheap (one `Arc`). `Debug` never prints the raw token. It
/// serializes (serde) with every field, so a task snapshot can carry it;
/// [`without_raw`](Self::without_raw) drops the raw token first.
#[derive(Clone)]
pub struct AccessToken(Arc<TokenData>);

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
struct TokenData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    raw: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    #[serde(default)]
    audience: Vec<String>,
    #[serde(default)]
    claims: Map<String, Value>,
}

impl AccessToken {
    /// A builder, for verifiers of your own and for tests.
    ///
    /// ```
    /// use ferrymcp::auth::AccessToken;
    ///
    /// let token = AccessToken::builder()
    ///     .raw("opaque-123")
    ///     .subject("alice")
    ///     .client_id("cli")
    ///     .scopes(["repo:read"])
    ///     .build();
    /// assert!(token.has_scope("repo:read"));
    /// assert_eq!(token.raw(), Some("opaque-123"));
    /// ```
    pub fn builder() -> AccessTokenBuilder {
        AccessTokenBuilder::default()
    }

    /// A token from its raw form and its JWT claims, reading the standard
    /// ones: `sub`, `iss`, `aud` (string or array), `exp`, the client id from
    /// `client_id` (RFC 9068), else `azp`, else `cid`, and the scopes from
    /// `scope` (space-separated, RFC 9068), else `scp` (array or string).
    /// Claims of the wrong type are left out of the typed fields (they stay in
    /// [`claims`](Self::claims)).
    pub fn from_claims(raw: impl Into<String>, claims: Map<String, Value>) -> Self {
        let string = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        let audience = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        let scopes = match claims.get("scope").or_else(|| claims.get("scp")) {
            Some(Value::String(s)) => split_scopes(s),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        let expires_at = claims.get("exp").and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
        });
        AccessToken(Arc::new(TokenData {
            raw: Some(raw.into()),
            client_id: string("client_id")
                .or_else(|| string("azp"))
                .or_else(|| string("cid")),
            subject: string("sub"),
            scopes,
            expires_at,
            issuer: string("iss"),
            audience,
            claims,
        }))
    }

    /// The token as the client sent it. `None` only for a token restored from
    /// a task snapshot that was told to leave it out ([`without_raw`](Self::without_raw)).
    pub fn raw(&self) -> Option<&str> {
        self.0.raw.as_deref()
    }

    /// The OAuth client the token was issued to (`client_id`, `azp` or `cid`).
    pub fn client_id(&self) -> Option<&str> {
        self.0.client_id.as_deref()
    }

    /// The subject (`sub`): usually the user the client acts for.
    pub fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }

    /// The scopes the token grants.
    pub fn scopes(&self) -> &[String] {
        &self.0.scopes
    }

    /// Whether the token grants `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.0.scopes.iter().any(|s| s == scope)
    }

    /// Checks that the token grants every scope in `required`; the error lists
    /// all of `required` (RFC 6750 §3.1: the scopes needed for the resource).
    ///
    /// ```
    /// use ferrymcp::auth::{AccessToken, AuthError};
    ///
    /// let token = AccessToken::builder().scopes(["a"]).build();
    /// assert!(token.require_scopes(&["a"]).is_ok());
    /// assert_eq!(
    ///     token.require_scopes(&["a", "b"]),
    ///     Err(AuthError::InsufficientScope { required: vec!["a".into(), "b".into()] }),
    /// );
    /// ```
    pub fn require_scopes<S: AsRef<str>>(&self, required: &[S]) -> Result<(), AuthError> {
        if required.iter().all(|s| self.has_scope(s.as_ref())) {
            Ok(())
        } else {
            Err(AuthError::InsufficientScope {
                required: required.iter().map(|s| s.as_ref().to_owned()).collect(),
            })
        }
    }

    /// When the token expires (`exp`), if it says.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.0
            .expires_at
            .and_then(|secs| UNIX_EPOCH.checked_add(Duration::from_secs(secs)))
    }

    /// Whether the token has expired at `now` (`exp` is the first instant it
    /// is no longer valid; no leeway). A token without `exp` never expires.
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        let Some(exp) = self.0.expires_at else {
            return false;
        };
        let now = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        now >= exp
    }

    /// Whether the token has expired now.
    pub fn is_expired(&self) -> bool {
        self.is_expired_at(SystemTime::now())
    }

    /// The issuer (`iss`).
    pub fn issuer(&self) -> Option<&str> {
        self.0.issuer.as_deref()
    }

    /// The audiences (`aud`).
    pub fn audience(&self) -> &[String] {
        &self.0.audience
    }

    /// Every claim of the token (empty for opaque tokens without claims).
    pub fn claims(&self) -> &Map<String, Value> {
        &self.0.claims
    }

    /// One claim, deserialized. Ask for `Option<T>` to accept its absence:
    ///
    /// ```
    /// use ferrymcp::auth::AccessToken;
    /// use serde_json::json;
    ///
    /// let claims = json!({"sub": "alice", "tenant": "acme", "level": 3});
    /// let token = AccessToken::from_claims("raw", claims.as_object().unwrap().clone());
    /// assert_eq!(token.claim::<String>("tenant").unwrap(), "acme");
    /// assert_eq!(token.claim::<Option<u8>>("missing").unwrap(), None);
    /// assert!(token.claim::<String>("level").is_err()); // a number, not a string
    /// assert!(token.claim::<String>("missing").is_err());
    /// ```
    pub fn claim<T: DeserializeOwned>(&self, name: &str) -> Result<T, ClaimError> {
        match self.0.claims.get(name) {
            Some(value) => T::deserialize(value).map_err(|e| ClaimError::WrongType {
                name: name.to_owned(),
                reason: e.to_string(),
            }),
            None => T::deserialize(&Value::Null).map_err(|_| ClaimError::Missing {
                name: name.to_owned(),
            }),
        }
    }

    /// The identity the token stands for, used to bind background tasks to the
    /// caller that created them. See [`CallerIdentity::of`].
    pub fn identity(&self) -> Option<CallerIdentity> {
        CallerIdentity::of(self)
    }

    /// The same token without its raw form (for task snapshots that must not
    /// hold usable credentials).
    pub fn without_raw(&self) -> AccessToken {
        if self.0.raw.is_none() {
            return self.clone();
        }
        let mut data = (*self.0).clone();
        data.raw = None;
        AccessToken(Arc::new(data))
    }
}

impl AccessToken {
    /// The SHA-256 (hex) of everything the token holds, raw token included:
    /// what a shared session store keeps to admit the exact token that
    /// opened a session, without keeping the token.
    pub(crate) fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let bytes = serde_json::to_vec(&*self.0).unwrap_or_default();
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &*self.0;
        f.debug_struct("AccessToken")
            .field("raw", &d.raw.as_ref().map(|_| "<redacted>"))
            .field("client_id", &d.client_id)
            .field("subject", &d.subject)
            .field("scopes", &d.scopes)
            .field("expires_at", &d.expires_at)
            .field("issuer", &d.issuer)
            .field("audience", &d.audience)
            .field("claims", &d.claims.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Serialize for AccessToken {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for AccessToken {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        TokenData::deserialize(deserializer).map(|d| AccessToken(Arc::new(d)))
    }
}

fn split_scopes(s: &str) -> Vec<String> {
    s.split_ascii_whitespace().map(str::to_owned).collect()
}

/// Why [`AccessToken::claim`] found no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimError {
    /// The token has no such claim.
    #[error("the access token has no `{name}` claim")]
    Missing {
        /// The claim's name.
        name: String,
    },
    /// The claim is there but does not deserialize into the type asked for.
    #[error("the access token's `{name}` claim has an unexpected type: {reason}")]
    WrongType {
        /// The claim's name.
        name: String,
        /// What serde said.
        reason: String,
    },
}

/// Builds an [`AccessToken`]; from [`AccessToken::builder`].
#[derive(Clone, Default)]
pub struct AccessTokenBuilder(TokenData);

impl AccessTokenBuilder {
    /// The raw token.
    pub fn raw(mut self, raw: impl Into<String>) -> Self {
        self.0.raw = Some(raw.into());
        self
    }

    /// The client id.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.0.client_id = Some(client_id.into());
        self
    }

    /// The subject.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.0.subject = Some(subject.into());
        self
    }

    /// The scopes (replacing any set before).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.0.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The expiry; times before 1970 count as 1970.
    pub fn expires_at(mut self, at: SystemTime) -> Self {
        self.0.expires_at = Some(at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()));
        self
    }

    /// The issuer.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.0.issuer = Some(issuer.into());
        self
    }

    /// The audiences (replacing any set before).
    pub fn audience<I, S>(mut self, audience: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.0.audience = audience.into_iter().map(Into::into).collect();
        self
    }

    /// One extra claim (readable with [`AccessToken::claim`]).
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.0.claims.insert(name.into(), value.into());
        self
    }

    /// The token.
    pub fn build(self) -> AccessToken {
        AccessToken(Arc::new(self.0))
    }
}

impl fmt::Debug for AccessTokenBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokenBuilder")
            .field("subject", &self.0.subject)
            .field("client_id", &self.0.client_id)
            .finish_non_exhaustive()
    }
}

/// Marks a restored scope whose access token expired before the task ran: the
/// scope carries no `AccessToken`, so `Option<AccessToken>` is `None`, and a
/// tool that requires one fails with [`TOKEN_EXPIRED`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenExpired;

/// The message of a task whose tool requires an `AccessToken` that expired
/// before the task ran.
pub const TOKEN_EXPIRED: &str =
    "the caller's access token expired before the task ran; start the task again with a fresh token";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn reads_standard_claims() {
        let t = AccessToken::from_claims(
            "raw.jwt.here",
            claims(json!({
                "sub": "alice", "iss": "https://as", "aud": ["https://rs", 7],
                "exp": 2_000_000_000u64, "client_id": "cli", "scope": "a  b\tc"
            })),
        );
        assert_eq!(t.subject(), Some("alice"));
        assert_eq!(t.issuer(), Some("https://as"));
        assert_eq!(t.audience(), ["https://rs".to_owned()]);
        assert_eq!(t.client_id(), Some("cli"));
        assert_eq!(t.scopes(), ["a", "b", "c"]);
        assert_eq!(
            t.expires_at(),
            Some(UNIX_EPOCH + Duration::from_secs(2_000_000_000))
        );
        assert!(!t.is_expired_at(UNIX_EPOCH + Duration::from_secs(1_999_999_999)));
        assert!(t.is_expired_at(UNIX_EPOCH + Duration::from_secs(2_000_000_000)));
    }

    #[test]
    fn scp_array_and_azp() {
        let t = AccessToken::from_claims(
            "r",
            claims(json!({"scp": ["x", "y"], "azp": "app", "aud": "one", "exp": -5})),
        );
        assert_eq!(t.scopes(), ["x", "y"]);
        assert_eq!(t.client_id(), Some("app"));
        assert_eq!(t.audience(), ["one".to_owned()]);
        assert_eq!(t.expires_at(), None);
        assert!(!t.is_expired());
    }

    #[test]
    fn debug_hides_raw_token() {
        let t = AccessToken::builder()
            .raw("s3cr3t-token")
            .subject("bob")
            .build();
        let shown = format!("{t:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("bob"));
    }

    #[test]
    fn serde_round_trip_and_without_raw() {
        let t = AccessToken::builder()
            .raw("tok")
            .subject("s")
            .scopes(["a"])
            .claim("tenant", "acme")
            .build();
        let json = serde_json::to_value(&t).unwrap();
        let back: AccessToken = serde_json::from_value(json).unwrap();
        assert_eq!(back, t);
        let bare = t.without_raw();
        assert_eq!(bare.raw(), None);
        assert!(!serde_json::to_string(&bare).unwrap().contains("tok\""));
        assert_eq!(bare.claim::<String>("tenant").unwrap(), "acme");
    }

    #[test]
    fn claim_errors_are_precise() {
        let t = AccessToken::builder().claim("n", 1).build();
        assert_eq!(
            t.claim::<String>("x"),
            Err(ClaimError::Missing { name: "x".into() })
        );
        assert!(matches!(
            t.claim::<String>("n"),
            Err(ClaimError::WrongType { .. })
        ));
        assert_eq!(t.claim::<Option<i32>>("n"), Ok(Some(1)));
    }
}
