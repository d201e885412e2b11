//! `requestState` of the multi round-trip pattern (2026-07-28): the answers
//! gathered in earlier rounds, carried by the client between rounds and
//! sealed with HMAC-SHA256 so that a client cannot forge or alter them.
//!
//! The state names the request it belongs to (method, tool or prompt, and the
//! caller), and expires; a state that fails any check is refused as a whole.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::Sha256;
use std::sync::Arc;

type HmacSha256 = Hmac<Sha256>;

/// How long a `requestState` stays valid: ten minutes for a person to answer.
const STATE_LIFETIME_MS: u64 = 10 * 60 * 1000;

/// The secret that seals `requestState`. A server makes a random one; servers
/// behind one load balancer must share one
/// ([`ServerBuilder::request_state_key`](crate::ServerBuilder::request_state_key)),
/// or a retry that reaches another node is refused.
///
/// ```
/// use ferrymcp::input::RequestStateKey;
/// let key = RequestStateKey::from_secret(b"a secret of at least 32 bytes, from config");
/// let _same = key.clone();
/// ```
#[derive(Clone)]
pub struct RequestStateKey(Arc<[u8]>);

impl RequestStateKey {
    /// A fresh random key (the default: state only valid on this process).
    pub fn random() -> Self {
        let bytes: [u8; 32] = rand::random();
        RequestStateKey(Arc::from(&bytes[..]))
    }

    /// A key from a shared secret (use 32 random bytes or more).
    pub fn from_secret(secret: &[u8]) -> Self {
        RequestStateKey(Arc::from(secret))
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
        if state.binding != *binding {
            return Err(StateError::OtherRequest);
        }
        Ok(state)
    }
}

impl std::fmt::Debug for RequestStateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestStateKey(..)")
    }
}

/// What a state belongs to: the method, the tool or prompt, and the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StateBinding {
    #[serde(rename = "m")]
    pub(crate) method: String,
    #[serde(rename = "n")]
    pub(crate) name: String,
    /// The caller's identity key, when the request was authenticated.
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    pub(crate) owner: Option<String>,
}

/// The content of a `requestState`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RequestState {
    #[serde(rename = "b")]
    pub(crate) binding: StateBinding,
    /// The answers of earlier rounds, by input key.
    #[serde(rename = "r")]
    pub(crate) responses: Map<String, Value>,
    #[serde(rename = "x")]
    pub(crate) expires_ms: u64,
}

impl RequestState {
    /// A state holding `responses`, valid from `now_ms` on.
    pub(crate) fn new(binding: StateBinding, responses: Map<String, Value>, now_ms: u64) -> Self {
        RequestState {
            binding,
            responses,
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn binding() -> StateBinding {
        StateBinding {
            method: "tools/call".into(),
            name: "ask".into(),
            owner: None,
        }
    }

    fn state() -> RequestState {
        let mut r = Map::new();
        r.insert("elicit-1".into(), json!({"action": "accept"}));
        RequestState::new(binding(), r, 1_000)
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
        let key = RequestStateKey::from_secret(b"k");
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
        let key = RequestStateKey::from_secret(b"k");
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
    }
}
