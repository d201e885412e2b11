//! The resources one session subscribed to (`resources/subscribe`).

use serde_json::Value;
use std::collections::HashSet;
use std::sync::Mutex;

/// The most resources one session may subscribe to at once.
pub const MAX_SUBSCRIPTIONS: usize = 1024;

/// The URIs a session subscribed to; a session owns one and the catalog's
/// [`subscribe`](super::Catalog::subscribe) and
/// [`unsubscribe`](super::Catalog::unsubscribe) change it. When a resource
/// changes, send [`resource_updated`] to every session for which
/// [`is_subscribed`](Subscriptions::is_subscribed) holds.
///
/// ```
/// use ferrymcp::catalog::Subscriptions;
///
/// let subs = Subscriptions::new();
/// assert!(subs.insert("test://watched"));
/// assert!(subs.is_subscribed("test://watched"));
/// assert!(subs.remove("test://watched"));
/// assert!(subs.is_empty());
/// ```
#[derive(Debug, Default)]
pub struct Subscriptions {
    uris: Mutex<HashSet<String>>,
}

impl Subscriptions {
    /// No subscriptions.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.uris.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Subscribes to `uri`; `false` when it was subscribed already, or when
    /// the session holds [`MAX_SUBSCRIPTIONS`] already.
    pub fn insert(&self, uri: &str) -> bool {
        let mut uris = self.lock();
        if uris.len() >= MAX_SUBSCRIPTIONS {
            return false;
        }
        uris.insert(uri.to_owned())
    }

    /// Unsubscribes from `uri`; `false` when it was not subscribed.
    pub fn remove(&self, uri: &str) -> bool {
        self.lock().remove(uri)
    }

    /// Whether the session subscribed to `uri`.
    pub fn is_subscribed(&self, uri: &str) -> bool {
        self.lock().contains(uri)
    }

    /// The subscribed URIs, in no particular order.
    pub fn uris(&self) -> Vec<String> {
        self.lock().iter().cloned().collect()
    }

    /// Replaces the subscribed URIs (a session's record changed on another node).
    pub(crate) fn replace(&self, uris: &[String]) {
        let mut set = self.lock();
        set.clear();
        set.extend(uris.iter().take(MAX_SUBSCRIPTIONS).cloned());
    }

    /// How many URIs are subscribed.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is subscribed.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    pub(crate) fn is_full(&self) -> bool {
        self.lock().len() >= MAX_SUBSCRIPTIONS
    }
}

/// The `notifications/resources/updated` message for `uri`.
pub fn resource_updated(uri: &str) -> Value {
    crate::call::Change::ResourceUpdated(uri.to_owned()).to_notification()
}
