//! `CallerIdentity`: who a token stands for, to bind tasks to their creator.

use super::AccessToken;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who a verified token stands for: the principal that owns what the call
/// creates (a background task may be read, awaited and cancelled only by the
/// identity that created it).
///
/// It is the issuer plus the subject when the token has a subject (a user, or
/// a client acting for itself with `sub` set), else the issuer plus the client
/// id. Two tokens with the same identity are the same caller even when their
/// scopes, expiry or raw form differ (a refreshed token keeps its tasks).
///
/// ```
/// use ferrymcp::auth::{AccessToken, CallerIdentity};
///
/// let a = AccessToken::builder().issuer("https://as").subject("alice").scopes(["x"]).build();
/// let b = AccessToken::builder().issuer("https://as").subject("alice").build();
/// assert_eq!(a.identity(), b.identity());
/// let id = a.identity().unwrap();
/// assert_eq!(id.key(), r#"["sub","https://as","alice"]"#);
/// assert_eq!(CallerIdentity::from_key(&id.key()), Some(id));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CallerIdentity {
    kind: IdentityKind,
    issuer: Option<String>,
    id: String,
}

/// What [`CallerIdentity::id`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IdentityKind {
    /// The token's subject (`sub`).
    Subject,
    /// The token's client id (no subject).
    Client,
}

impl CallerIdentity {
    /// The identity of `token`: `(iss, sub)`, else `(iss, client_id)`; `None`
    /// when the token has neither (such a caller cannot own tasks).
    pub fn of(token: &AccessToken) -> Option<CallerIdentity> {
        let issuer = token.issuer().map(str::to_owned);
        if let Some(sub) = token.subject().filter(|s| !s.is_empty()) {
            return Some(CallerIdentity {
                kind: IdentityKind::Subject,
                issuer,
                id: sub.to_owned(),
            });
        }
        token
            .client_id()
            .filter(|c| !c.is_empty())
            .map(|client| CallerIdentity {
                kind: IdentityKind::Client,
                issuer,
                id: client.to_owned(),
            })
    }

    /// Whether [`id`](Self::id) is a subject or a client id.
    pub fn kind(&self) -> IdentityKind {
        self.kind
    }

    /// The issuer, when the token named one.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The subject or client id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A canonical, unambiguous string form (a JSON array), for storing the
    /// owner next to a task (for example in Redis) and comparing it later.
    pub fn key(&self) -> String {
        let kind = match self.kind {
            IdentityKind::Subject => "sub",
            IdentityKind::Client => "client",
        };
        serde_json::json!([kind, self.issuer, self.id]).to_string()
    }

    /// Parses [`key`](Self::key); `None` for anything else.
    pub fn from_key(key: &str) -> Option<CallerIdentity> {
        let (kind, issuer, id): (String, Option<String>, String) =
            serde_json::from_str(key).ok()?;
        let kind = match kind.as_str() {
            "sub" => IdentityKind::Subject,
            "client" => IdentityKind::Client,
            _ => return None,
        };
        Some(CallerIdentity { kind, issuer, id })
    }
}

impl fmt::Display for CallerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            IdentityKind::Subject => "subject",
            IdentityKind::Client => "client",
        };
        match &self.issuer {
            Some(iss) => write!(f, "{kind} `{}` of `{iss}`", self.id),
            None => write!(f, "{kind} `{}`", self.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_wins_over_client() {
        let t = AccessToken::builder().subject("u").client_id("c").build();
        let id = t.identity().unwrap();
        assert_eq!(id.kind(), IdentityKind::Subject);
        assert_eq!(id.id(), "u");
        assert_eq!(id.issuer(), None);
    }

    #[test]
    fn client_only_and_none() {
        let t = AccessToken::builder().issuer("i").client_id("c").build();
        let id = t.identity().unwrap();
        assert_eq!(id.kind(), IdentityKind::Client);
        assert_eq!(id.to_string(), "client `c` of `i`");
        assert_eq!(AccessToken::builder().build().identity(), None);
    }

    #[test]
    fn different_issuers_differ_and_keys_are_unambiguous() {
        let a = AccessToken::builder().issuer("a:b").subject("c").build();
        let b = AccessToken::builder().issuer("a").subject("b:c").build();
        assert_ne!(a.identity(), b.identity());
        assert_ne!(a.identity().unwrap().key(), b.identity().unwrap().key());
        assert_eq!(CallerIdentity::from_key("nonsense"), None);
        assert_eq!(CallerIdentity::from_key(r#"["x",null,"y"]"#), None);
    }
}
