//! Key names. Every key of one queue shard carries the same hash tag, so
//! the scripts that touch several keys at once (create, claim, transition)
//! stay in one hash slot on a Redis Cluster: `{prefix}` for shard 0 (the
//! only one by default, so one prefix is one slot), `{prefix:k}` for shard
//! `k > 0` ([`RedisConfig::shards`](super::RedisConfig::shards)). A task
//! lives in the shard its id hashes to ([`shard_of`]).

use crate::task::TaskId;

/// The names of the keys and channels of one prefix.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    tag: String,
}

impl Keys {
    /// The keys of shard 0 (the keys of a deployment without shards).
    pub(crate) fn new(prefix: &str) -> Keys {
        Keys::shard(prefix, 0)
    }

    /// The keys of queue shard `k`: shard 0 keeps `{prefix}`, shard `k > 0`
    /// has its own hash tag `{prefix:k}` (its own slot on a Cluster).
    pub(crate) fn shard(prefix: &str, k: usize) -> Keys {
        // Braces in the prefix would change the hash tag; drop them.
        let clean: String = prefix.chars().filter(|c| *c != '{' && *c != '}').collect();
        let tag = if k == 0 {
            format!("{{{clean}}}")
        } else {
            format!("{{{clean}:{k}}}")
        };
        Keys { tag }
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

/// The shard (of `n`) task `id` lives in: FNV-1a (64 bits) of the id,
/// modulo `n`. Stable across processes, versions and platforms, so every
/// process finds a task in the same shard.
pub(crate) fn shard_of(id: &TaskId, n: usize) -> usize {
    if n <= 1 {
        return 0;
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.as_str().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash % n as u64) as usize
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

    #[test]
    fn shard_zero_keeps_the_keys_of_one_queue_and_the_others_have_their_own_tag() {
        let id = TaskId::from_wire("abc");
        assert_eq!(Keys::shard("app", 0).queue(), Keys::new("app").queue());
        assert_eq!(Keys::new("app").queue(), "{app}:queue");
        assert_eq!(Keys::shard("app", 2).queue(), "{app:2}:queue");
        assert_eq!(Keys::shard("a{p}p", 1).task(&id), "{app:1}:task:abc");
    }

    #[test]
    fn a_task_id_maps_to_a_stable_shard() {
        // FNV-1a 64 of "" and "a" (published test vectors).
        assert_eq!(shard_of(&TaskId::from_wire(""), 1), 0);
        assert_eq!(
            shard_of(&TaskId::from_wire("a"), 1_000_000_007),
            (0xaf63_dc4c_8601_ec8c_u64 % 1_000_000_007) as usize
        );
        let mut seen = [0usize; 3];
        for i in 0..3_000 {
            let id = TaskId::from_wire(format!("{i:08x}-task"));
            let k = shard_of(&id, 3);
            assert_eq!(k, shard_of(&id, 3));
            seen[k] += 1;
        }
        assert!(seen.iter().all(|n| *n > 800), "{seen:?}");
    }
}
