//! `requestState` of the multi round-trip pattern (2026-07-28): the answers
//! gathered in earlier rounds, carried by the client between rounds and
//! sealed with HMAC-SHA256 so that a client cannot forge or alter them.
//!
//! The state names the request it belongs to (method, tool or prompt, the
//! caller, and a digest of the request's other params: its arguments), lists
//! the questions its round asked (the only ones the next request may answer),
//! and expires; a state that fails any check is refused as a whole.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;

use crate::protocol::JsonObject;

type HmacSha256 = Hmac<Sha256>;

/// How long a `requestState` stays valid: ten minutes for a person to answer.
const STATE_LIFETIME_MS: u64 = 10 * 60 * 1000;

/// The shortest secret [`RequestStateKey::from_secret`] takes: 32 bytes, the
/// size of an HMAC-SHA256 tag (a shorter one is easier to guess than the
/// tag it makes).
pub const MIN_SECRET_BYTES: usize = 32;

/// The secret that seals `requestState`. A server makes a random one; servers
/// behind one load balancer must share one
/// ([`ServerBuilder::request_state_key`](crate::ServerBuilder::request_state_key)),
/// or a retry that reaches another node is refused.
///
/// ```
/// use ferrymcp::ask::RequestStateKey;
/// let key = RequestStateKey::from_secret(b"a secret of at least 32 bytes, from config")?;
/// let _same = key.clone();
/// assert!(RequestStateKey::from_secret(b"too short").is_err());
/// # Ok::<(), ferrymcp::ask::RequestStateKeyError>(())
/// ```
#[derive(Clone)]
pub struct RequestStateKey(Arc<[u8]>);

impl RequestStateKey {
    /// A fresh random key (the default: state only valid on this process).
    pub fn random() -> Self {
        let bytes: [u8; 32] = rand::random();
        RequestStateKey(Arc::from(&bytes[..]))
    }

    /// A key from a shared secret: 32 random bytes or more
    /// ([`MIN_SECRET_BYTES`]); a shorter secret is refused.
    pub fn from_secret(secret: &[u8]) -> Result<Self, RequestStateKeyError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(RequestStateKeyError::TooShort { len: secret.len() });
        }
        Ok(RequestStateKey(Arc::from(secret)))
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes keys of any length.
        HmacSha256::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!())
    }

    /// Seals `state` as `payload.signature` (both base64url).
    pub(crate) fn seal(&self, state: &RequestState) -> String {
        let payload = serde_json::to_vec(state).unwrap_or_default();
        let mut mac = self.mac();
        mac.update(&payload);
        let tag = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// Opens a sealed state, checking its signature, expiry and binding.
    pub(crate) fn open(
        &self,
        sealed: &str,
        binding: &StateBinding,
        now_ms: u64,
    ) -> Result<RequestState, StateError> {
        let (payload, tag) = sealed.split_once('.').ok_or(StateError::Malformed)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| StateError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| StateError::Malformed)?;
        let mut mac = self.mac();
        mac.update(&payload);
        // Constant-time comparison.
        mac.verify_slice(&tag)
            .map_err(|_| StateError::BadSignature)?;
        let state: RequestState =
            serde_json::from_slice(&payload).map_err(|_| StateError::Malformed)?;
        if state.expires_ms < now_ms {
            return Err(StateError::Expired);
        }
        let ours = &state.binding;
        if ours.method != binding.method || ours.name != binding.name || ours.owner != binding.owner
        {
            return Err(StateError::OtherRequest);
        }
        if ours.arguments != binding.arguments {
            return Err(StateError::OtherArguments);
        }
        Ok(state)
    }
}

impl std::fmt::Debug for RequestStateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestStateKey(..)")
    }
}

/// Why [`RequestStateKey::from_secret`] refused a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestStateKeyError {
    /// The secret is shorter than [`MIN_SECRET_BYTES`].
    #[error("a requestState secret needs at least {MIN_SECRET_BYTES} bytes (got {len}); use 32 random bytes or more")]
    TooShort {
        /// The length of the secret given.
        len: usize,
    },
}

/// What a state belongs to: the method, the tool or prompt, the caller and
/// the request's arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StateBinding {
    #[serde(rename = "m")]
    pub(crate) method: String,
    #[serde(rename = "n")]
    pub(crate) name: String,
    /// The caller's identity key, when the request was authenticated.
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    pub(crate) owner: Option<String>,
    /// [`arguments_digest`] of the request's params.
    #[serde(rename = "a")]
    pub(crate) arguments: String,
}

impl StateBinding {
    /// The binding of a request of `method` about `name` (a tool, prompt or
    /// URI) by `owner`, with these params (the answers already taken out).
    pub(crate) fn new(
        method: &str,
        name: String,
        owner: Option<String>,
        params: Option<&JsonObject>,
    ) -> Self {
        StateBinding {
            method: method.to_owned(),
            name,
            owner,
            arguments: arguments_digest(params),
        }
    }
}

/// Members of a request's params that may change between rounds: `_meta`
/// (progress token, client capabilities) and the answers themselves.
const UNBOUND_PARAMS: [&str; 3] = ["_meta", "requestState", "inputResponses"];

/// A SHA-256 digest (base64url) of every member of `params` but
/// [`UNBOUND_PARAMS`]: the tool's or prompt's `arguments`, a read's `uri`, a
/// completion's `ref`, `argument` and `context`. Objects are hashed with
/// their members in name order, so the same arguments written in another
/// order give the same digest.
pub(crate) fn arguments_digest(params: Option<&JsonObject>) -> String {
    let mut canonical = Map::new();
    if let Some(params) = params {
        for key in params.keys() {
            if UNBOUND_PARAMS.contains(&key) {
                continue;
            }
            if let Some(value) = params.get_value(key) {
                canonical.insert(key.to_owned(), value);
            }
        }
    }
    let mut hasher = Sha256::new();
    hash_canonical(&Value::Object(canonical), &mut hasher);
    URL_SAFE_NO_PAD.encode(hasher.finalize())
}

/// Feeds `value` to `hasher` unambiguously: a type tag, lengths before
/// contents, object members sorted by name.
fn hash_canonical(value: &Value, hasher: &mut Sha256) {
    match value {
        Value::Null => hasher.update(b"n"),
        Value::Bool(b) => hasher.update(if *b { b"t" } else { b"f" }),
        Value::Number(n) => {
            let text = n.to_string();
            hasher.update(b"#");
            hasher.update((text.len() as u64).to_be_bytes());
            hasher.update(text.as_bytes());
        }
        Value::String(s) => {
            hasher.update(b"s");
            hasher.update((s.len() as u64).to_be_bytes());
            hasher.update(s.as_bytes());
        }
        Value::Array(items) => {
            hasher.update(b"[");
            hasher.update((items.len() as u64).to_be_bytes());
            for item in items {
                hash_canonical(item, hasher);
            }
        }
        Value::Object(members) => {
            let mut members: Vec<(&String, &Value)> = members.iter().collect();
            members.sort_unstable_by(|a, b| a.0.cmp(b.0));
            hasher.update(b"{");
            hasher.update((members.len() as u64).to_be_bytes());
            for (name, value) in members {
                hasher.update((name.len() as u64).to_be_bytes());
                hasher.update(name.as_bytes());
                hash_canonical(value, hasher);
            }
        }
    }
}

/// The content of a `requestState`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RequestState {
    #[serde(rename = "b")]
    pub(crate) binding: StateBinding,
    /// The answers of earlier rounds, by input key.
    #[serde(rename = "r")]
    pub(crate) responses: Map<String, Value>,
    /// The keys of the questions this state's round asked: the only ones
    /// the next request's `inputResponses` may answer.
    #[serde(rename = "q", default)]
    pub(crate) asked: Vec<String>,
    #[serde(rename = "x")]
    pub(crate) expires_ms: u64,
}

impl RequestState {
    /// A state holding `responses` and the questions `asked` in its round,
    /// valid from `now_ms` on.
    pub(crate) fn new(
        binding: StateBinding,
        responses: Map<String, Value>,
        asked: Vec<String>,
        now_ms: u64,
    ) -> Self {
        RequestState {
            binding,
            responses,
            asked,
            expires_ms: now_ms + STATE_LIFETIME_MS,
        }
    }
}

/// Why a `requestState` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum StateError {
    /// Not a state this server made.
    #[error("`requestState` is malformed")]
    Malformed,
    /// The signature does not match: the state was altered or forged.
    #[error("`requestState` failed its integrity check (altered, or sealed by another key)")]
    BadSignature,
    /// Older than its lifetime.
    #[error("`requestState` has expired; send the request again without it")]
    Expired,
    /// Made for another method, tool, prompt or caller.
    #[error("`requestState` belongs to another request")]
    OtherRequest,
    /// Made for the same tool or prompt called with other arguments.
    #[error("`requestState` was made for this request with other arguments; send the arguments of the request that asked, or start again without `requestState`")]
    OtherArguments,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn binding() -> StateBinding {
        StateBinding::new("tools/call", "ask".into(), None, None)
    }

    fn key() -> RequestStateKey {
        RequestStateKey::from_secret(&[b'k'; MIN_SECRET_BYTES]).unwrap()
    }

    fn state() -> RequestState {
        let mut r = Map::new();
        r.insert("elicit-1".into(), json!({"action": "accept"}));
        RequestState::new(binding(), r, vec!["elicit-2".into()], 1_000)
    }

    #[test]
    fn a_sealed_state_opens_with_the_same_key_only() {
        let key = RequestStateKey::random();
        let sealed = key.seal(&state());
        assert_eq!(key.open(&sealed, &binding(), 2_000).unwrap(), state());
        let other = RequestStateKey::random();
        assert_eq!(
            other.open(&sealed, &binding(), 2_000),
            Err(StateError::BadSignature)
        );
    }

    #[test]
    fn any_change_is_detected() {
        let key = key();
        let sealed = key.seal(&state());
        let (payload, tag) = sealed.split_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
        let at = bytes.iter().position(|b| *b == b'a').unwrap();
        bytes[at] = b'd';
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(&bytes));
        assert_eq!(
            key.open(&forged, &binding(), 2_000),
            Err(StateError::BadSignature)
        );
        assert_eq!(
            key.open("garbage", &binding(), 2_000),
            Err(StateError::Malformed)
        );
        assert!(key.open(&format!("{sealed}x"), &binding(), 2_000).is_err());
    }

    #[test]
    fn expiry_and_binding_are_checked() {
        let key = key();
        let sealed = key.seal(&state());
        assert_eq!(
            key.open(&sealed, &binding(), 1_000 + STATE_LIFETIME_MS + 1),
            Err(StateError::Expired)
        );
        let mut other = binding();
        other.name = "another_tool".into();
        assert_eq!(
            key.open(&sealed, &other, 2_000),
            Err(StateError::OtherRequest)
        );
        let params = JsonObject::parse(r#"{"name":"ask","arguments":{"a":1}}"#).unwrap();
        let other = StateBinding::new("tools/call", "ask".into(), None, Some(&params));
        assert_eq!(
            key.open(&sealed, &other, 2_000),
            Err(StateError::OtherArguments)
        );
    }

    #[test]
    fn short_secrets_are_refused() {
        assert_eq!(
            RequestStateKey::from_secret(b"k").err(),
            Some(RequestStateKeyError::TooShort { len: 1 })
        );
        assert!(RequestStateKey::from_secret(&[0; MIN_SECRET_BYTES - 1]).is_err());
        assert!(RequestStateKey::from_secret(&[0; MIN_SECRET_BYTES]).is_ok());
    }

    #[test]
    fn the_digest_covers_arguments_in_any_order_and_not_meta() {
        let digest =
            |json: &str| arguments_digest(Some(&JsonObject::parse(json.to_owned()).unwrap()));
        let base = digest(r#"{"name":"t","arguments":{"a":1,"b":{"x":[1,"2"],"y":null}}}"#);
        assert_eq!(
            base,
            digest(
                r#"{"arguments":{"b":{"y":null,"x":[1,"2"]},"a":1},"name":"t","_meta":{"progressToken":7},"requestState":"s","inputResponses":{}}"#
            )
        );
        for other in [
            r#"{"name":"t","arguments":{"a":2,"b":{"x":[1,"2"],"y":null}}}"#,
            r#"{"name":"t","arguments":{"a":1,"b":{"x":["1","2"],"y":null}}}"#,
            r#"{"name":"t","arguments":{"a":1,"b":{"x":[1,"2"]}}}"#,
            r#"{"name":"t","arguments":{"a":1,"b":{"x":[1,"2"],"y":null},"c":0}}"#,
            r#"{"name":"t"}"#,
        ] {
            assert_ne!(base, digest(other), "{other}");
        }
        // Lengths keep names and values apart.
        assert_ne!(digest(r#"{"ab":"c"}"#), digest(r#"{"a":"bc"}"#));
    }
}
