//! Snapshot encryption and record authentication at rest: AES-256-GCM and
//! HMAC-SHA256, one key per key id.
//!
//! A job (tool, arguments and snapshot, which may hold the caller's raw
//! token) is stored as `enc:v1:<key id>:<base64(nonce || ciphertext)>`, the
//! task id as associated data, so a stored job cannot be moved to another
//! task. With keys configured, a job stored in plain text is refused (no
//! downgrade). New jobs use the current key; older key ids still decrypt,
//! so keys rotate without losing queued tasks: add the new key as current,
//! keep the old one as a decryption key until every task it sealed has
//! expired. A process that lacks the key id of a job says which
//! ([`OpenError::MissingKey`]), so the job can go to a process that has it.
//!
//! The record (owner, status, result, TTL) is authenticated, not
//! encrypted: its tag is an HMAC-SHA256 of the task id and the record's
//! JSON under a key derived from each configured key (one tag per key id,
//! so processes that hold only the old or only the new key during a
//! rotation both verify it). A record whose tags do not verify, or that
//! carries none while keys are configured, was written by someone without
//! the keys: it is treated as tampered with.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

const PREFIX: &str = "enc:v1:";

/// What the record tags' keys are derived with (HMAC of this under the
/// snapshot key): the tags never use the encryption key itself.
const TAG_KEY_LABEL: &[u8] = b"ferrymcp task record tag key v1";

type HmacSha256 = Hmac<Sha256>;

/// Why a stored job cannot be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OpenError {
    /// Sealed with a key id this process does not have (another process
    /// may: a key rotation in progress).
    MissingKey(String),
    /// Stored in plain text while keys are configured.
    Plaintext,
    /// Malformed, tampered with, or sealed with another key under this id.
    Invalid(String),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::MissingKey(id) => write!(
                f,
                "the task snapshot is encrypted with key id {id:?}, which this process does not have; configure it as a decryption key (RedisConfig::old_snapshot_key)"
            ),
            OpenError::Plaintext => f.write_str(
                "the stored task snapshot is not encrypted although snapshot keys are configured; it was refused (written by a process without a key, or by someone with write access to Redis)",
            ),
            OpenError::Invalid(why) => f.write_str(why),
        }
    }
}

/// A snapshot key that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
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
    /// The record tag key derived from each key.
    tag_keys: HashMap<Arc<str>, Arc<[u8; 32]>>,
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
        let mut derive =
            HmacSha256::new_from_slice(key).map_err(|_| KeyError::BadLength(key.len()))?;
        derive.update(TAG_KEY_LABEL);
        let tag_key: [u8; 32] = derive.finalize().into_bytes().into();
        self.tag_keys.insert(Arc::clone(&id), Arc::new(tag_key));
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

    /// Opens what [`seal`](Self::seal) stored. Plain text passes through
    /// only when no key is configured.
    pub(crate) fn open(&self, stored: &str, aad: &str) -> Result<String, OpenError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            if self.is_enabled() {
                return Err(OpenError::Plaintext);
            }
            return Ok(stored.to_owned());
        };
        let malformed = || OpenError::Invalid("the stored task snapshot is malformed".into());
        let (id, b64) = rest.split_once(':').ok_or_else(malformed)?;
        let cipher = self
            .keys
            .get(id)
            .ok_or_else(|| OpenError::MissingKey(id.to_owned()))?;
        let bytes = STANDARD.decode(b64).map_err(|_| malformed())?;
        if bytes.len() < 12 {
            return Err(malformed());
        }
        let (nonce, sealed) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| malformed())?;
        let plain = cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| {
                OpenError::Invalid(format!(
                    "the task snapshot does not decrypt with key id {id:?} (wrong key or tampered data)"
                ))
            })?;
        String::from_utf8(plain)
            .map_err(|_| OpenError::Invalid("the task snapshot is not UTF-8".into()))
    }

    fn record_mac(tag_key: &[u8; 32], task: &str, record: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(tag_key).unwrap_or_else(|_| unreachable!());
        mac.update(b"ferrymcp task record v1\n");
        mac.update(task.as_bytes());
        mac.update(b"\n");
        mac.update(record.as_bytes());
        mac
    }

    /// The tag of task `task`'s record JSON: `{"<key id>": "<base64 HMAC>"}`
    /// for every key; empty when no key is configured.
    pub(crate) fn tag(&self, task: &str, record: &str) -> String {
        if !self.is_enabled() {
            return String::new();
        }
        let tags: BTreeMap<&str, String> = self
            .tag_keys
            .iter()
            .map(|(id, key)| {
                let mac = Self::record_mac(key, task, record).finalize().into_bytes();
                (&**id, STANDARD.encode(mac))
            })
            .collect();
        serde_json::to_string(&tags).unwrap_or_default()
    }

    /// Checks a record's tag: every tag under a key id this process holds
    /// must verify, and at least one must. Always `Ok` without keys.
    pub(crate) fn verify(&self, task: &str, record: &str, tag: Option<&str>) -> Result<(), String> {
        if !self.is_enabled() {
            return Ok(());
        }
        let tag = tag
            .filter(|t| !t.is_empty())
            .ok_or("it carries no authentication tag although snapshot keys are configured")?;
        let tags: BTreeMap<String, String> =
            serde_json::from_str(tag).map_err(|_| "its authentication tag is malformed")?;
        let mut verified = 0;
        for (id, b64) in &tags {
            let Some(key) = self.tag_keys.get(id.as_str()) else {
                continue;
            };
            let expected = STANDARD
                .decode(b64)
                .map_err(|_| "its authentication tag is malformed")?;
            Self::record_mac(key, task, record)
                .verify_slice(&expected)
                .map_err(|_| {
                    format!("its authentication tag under key id {id:?} does not verify")
                })?;
            verified += 1;
        }
        if verified == 0 {
            let ids: Vec<&str> = tags.keys().map(String::as_str).collect();
            return Err(format!(
                "it is authenticated only under key ids {ids:?}, which this process does not have"
            ));
        }
        Ok(())
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
        assert_eq!(
            new.open(&sealed, "task-a"),
            Err(OpenError::MissingKey("k1".into()))
        );
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
        assert_eq!(new.open("{\"plain\":1}", "t"), Err(OpenError::Plaintext));
    }

    #[test]
    fn record_tags_verify_under_any_shared_key_and_catch_tampering() {
        let mut both = Keyring::default();
        both.add("k1", &[1; 32], false).unwrap();
        both.add("k2", &[2; 32], true).unwrap();
        let mut old = Keyring::default();
        old.add("k1", &[1; 32], true).unwrap();
        let mut other = Keyring::default();
        other.add("k3", &[3; 32], true).unwrap();

        let record = r#"{"owner":"alice"}"#;
        let tag = both.tag("t1", record);
        assert!(both.verify("t1", record, Some(&tag)).is_ok());
        assert!(
            old.verify("t1", record, Some(&tag)).is_ok(),
            "k1 alone verifies"
        );
        assert!(old
            .verify("t1", r#"{"owner":"mallory"}"#, Some(&tag))
            .is_err());
        assert!(
            old.verify("t2", record, Some(&tag)).is_err(),
            "bound to its task"
        );
        assert!(old.verify("t1", record, None).is_err());
        assert!(old.verify("t1", record, Some("not json")).is_err());
        assert!(other
            .verify("t1", record, Some(&tag))
            .unwrap_err()
            .contains("k1"));
        // A tag written with k1 only verifies where k1 is held.
        let old_tag = old.tag("t1", record);
        assert!(both.verify("t1", record, Some(&old_tag)).is_ok());
        // Without keys nothing is checked and nothing is tagged.
        assert_eq!(Keyring::default().tag("t1", record), "");
        assert!(Keyring::default().verify("t1", record, None).is_ok());
    }
}
