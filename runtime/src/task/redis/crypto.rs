//! Snapshot encryption at rest: AES-256-GCM, one key per key id.
//!
//! A job (tool, arguments and snapshot, which may hold the caller's raw
//! token) is stored as `enc:v1:<key id>:<base64(nonce || ciphertext)>`, the
//! task id as associated data, so a stored job cannot be moved to another
//! task. New jobs use the current key; older key ids still decrypt, so keys
//! rotate without losing queued tasks: add the new key as current, keep the
//! old one as a decryption key until every task it sealed has expired.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

const PREFIX: &str = "enc:v1:";

/// A snapshot key that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// A key id must be non-empty and must not contain `:`.
    #[error("a snapshot key id must be non-empty and must not contain ':' (got {0:?})")]
    BadId(String),
    /// An AES-256 key is 32 bytes.
    #[error("a snapshot key must be 32 bytes (AES-256), got {0}")]
    BadLength(usize),
    /// The text form is `KEY_ID:BASE64`.
    #[error("a snapshot key is written KEY_ID:BASE64_OF_32_BYTES")]
    BadText,
}

/// The keys that seal and open stored jobs.
#[derive(Clone, Default)]
pub(crate) struct Keyring {
    current: Option<Arc<str>>,
    keys: HashMap<Arc<str>, Arc<Aes256Gcm>>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<&str> = self.keys.keys().map(|k| &**k).collect();
        ids.sort_unstable();
        f.debug_struct("Keyring")
            .field("current", &self.current)
            .field("key_ids", &ids)
            .finish()
    }
}

/// Parses `KEY_ID:BASE64_OF_32_BYTES`.
pub(crate) fn parse_key(text: &str) -> Result<(String, Vec<u8>), KeyError> {
    let (id, b64) = text.trim().split_once(':').ok_or(KeyError::BadText)?;
    let bytes = STANDARD.decode(b64).map_err(|_| KeyError::BadText)?;
    Ok((id.to_owned(), bytes))
}

impl Keyring {
    /// Adds a key; `current` makes it the one new jobs are sealed with.
    pub(crate) fn add(&mut self, id: &str, key: &[u8], current: bool) -> Result<(), KeyError> {
        if id.is_empty() || id.contains(':') {
            return Err(KeyError::BadId(id.to_owned()));
        }
        let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| KeyError::BadLength(key.len()))?;
        if key.len() != 32 {
            return Err(KeyError::BadLength(key.len()));
        }
        let id: Arc<str> = id.into();
        self.keys.insert(Arc::clone(&id), Arc::new(cipher));
        if current || self.current.is_none() {
            self.current = Some(id);
        }
        Ok(())
    }

    /// Whether new jobs are encrypted.
    pub(crate) fn is_enabled(&self) -> bool {
        self.current.is_some()
    }

    /// Seals `plain` for task `aad`; unchanged when no key is configured.
    pub(crate) fn seal(&self, plain: String, aad: &str) -> Result<String, String> {
        let Some(id) = &self.current else {
            return Ok(plain);
        };
        let cipher = &self.keys[id];
        let nonce: [u8; 12] = rand::random();
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| "encrypting the task snapshot failed".to_string())?;
        let mut out = Vec::with_capacity(12 + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{id}:{}", STANDARD.encode(out)))
    }

    /// Opens what [`seal`](Self::seal) stored (plain text passes through).
    pub(crate) fn open(&self, stored: &str, aad: &str) -> Result<String, String> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (id, b64) = rest
            .split_once(':')
            .ok_or("the stored task snapshot is malformed")?;
        let cipher = self.keys.get(id).ok_or_else(|| {
            format!("the task snapshot is encrypted with key id {id:?}, which this process does not have; configure it as a decryption key")
        })?;
        let bytes = STANDARD
            .decode(b64)
            .map_err(|_| "the stored task snapshot is malformed".to_string())?;
        if bytes.len() < 12 {
            return Err("the stored task snapshot is malformed".into());
        }
        let (nonce, sealed) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce
            .try_into()
            .map_err(|_| "malformed nonce".to_string())?;
        let plain = cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| {
                format!("the task snapshot does not decrypt with key id {id:?} (wrong key or tampered data)")
            })?;
        String::from_utf8(plain).map_err(|_| "the task snapshot is not UTF-8".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_opens_and_rotates() {
        let mut old = Keyring::default();
        old.add("k1", &[1; 32], true).unwrap();
        let sealed = old.seal("secret token".into(), "task-a").unwrap();
        assert!(!sealed.contains("secret"), "{sealed}");
        assert!(sealed.starts_with("enc:v1:k1:"));
        assert_eq!(old.open(&sealed, "task-a").unwrap(), "secret token");
        assert!(old.open(&sealed, "task-b").is_err(), "bound to its task");

        let mut new = Keyring::default();
        new.add("k2", &[2; 32], true).unwrap();
        assert!(new.open(&sealed, "task-a").unwrap_err().contains("k1"));
        new.add("k1", &[1; 32], false).unwrap();
        assert_eq!(new.open(&sealed, "task-a").unwrap(), "secret token");
        assert!(new.seal("x".into(), "t").unwrap().starts_with("enc:v1:k2:"));

        assert_eq!(
            Keyring::default().add("k", &[0; 16], true),
            Err(KeyError::BadLength(16))
        );
        assert!(Keyring::default().add("a:b", &[0; 32], true).is_err());
        assert_eq!(
            Keyring::default().open("{\"plain\":1}", "t").unwrap(),
            "{\"plain\":1}"
        );
    }
}
