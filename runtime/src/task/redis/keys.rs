//! Key names. Every key of one deployment carries the same hash tag,
//! `{prefix}`, so the scripts that touch several keys at once (create, list)
//! stay in one hash slot on a Redis Cluster. One prefix is one slot: shard
//! by running several prefixes.

use crate::task::TaskId;

/// The names of the keys and channels of one prefix.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    tag: String,
}

impl Keys {
    pub(crate) fn new(prefix: &str) -> Keys {
        // Braces in the prefix would change the hash tag; drop them.
        let clean: String = prefix.chars().filter(|c| *c != '{' && *c != '}').collect();
        Keys {
            tag: format!("{{{clean}}}"),
        }
    }

    /// The hash of one task: `record`, `version`, `tag`, `job`, `attempts`,
    /// `seq`.
    pub(crate) fn task(&self, id: &TaskId) -> String {
        format!("{}:task:{}", self.tag, id.as_str())
    }

    /// The pub/sub channel of change announcements (lists, resources).
    pub(crate) fn changes(&self) -> String {
        format!("{}:changes", self.tag)
    }

    /// The record of one HTTP session.
    pub(crate) fn session(&self, id: &str) -> String {
        format!("{}:session:{id}", self.tag)
    }

    /// The kept events of one HTTP session's streams (a hash).
    pub(crate) fn replay(&self, id: &str) -> String {
        format!("{}:replay:{id}", self.tag)
    }

    /// The order of those events, oldest first (a sorted set).
    pub(crate) fn replay_order(&self, id: &str) -> String {
        format!("{}:replay-order:{id}", self.tag)
    }

    /// The pub/sub channel of session events (and then of changes).
    pub(crate) fn sessions(&self) -> String {
        format!("{}:sessions", self.tag)
    }

    /// The stream every job is queued on.
    pub(crate) fn queue(&self) -> String {
        format!("{}:queue", self.tag)
    }

    /// The consumer group of the workers.
    pub(crate) fn group(&self) -> &'static str {
        "workers"
    }

    /// The sequence that orders tasks for `tasks/list`.
    pub(crate) fn seq(&self) -> String {
        format!("{}:seq", self.tag)
    }

    /// The sorted set of one owner's tasks (score: creation sequence).
    pub(crate) fn owner(&self, owner: Option<&str>) -> String {
        match owner {
            Some(o) => format!("{}:owner:={o}", self.tag),
            None => format!("{}:owner:-", self.tag),
        }
    }

    /// The sorted set of the same tasks by expiry (score: Unix ms), so
    /// that creating a task trims the owner's set of expired ones.
    pub(crate) fn owner_expiry(&self, owner: Option<&str>) -> String {
        match owner {
            Some(o) => format!("{}:owner-expiry:={o}", self.tag),
            None => format!("{}:owner-expiry:-", self.tag),
        }
    }

    /// The pub/sub channel every new version of every record is published on.
    pub(crate) fn events(&self) -> String {
        format!("{}:events", self.tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_shares_one_hash_tag() {
        let k = Keys::new("app{x}");
        let id = TaskId::from_wire("abc");
        for key in [
            k.task(&id),
            k.queue(),
            k.seq(),
            k.owner(Some("user:1")),
            k.owner(None),
            k.owner_expiry(Some("user:1")),
            k.owner_expiry(None),
        ] {
            assert!(key.starts_with("{appx}:"), "{key}");
        }
        assert_ne!(k.owner(Some("-")), k.owner(None));
    }
}
