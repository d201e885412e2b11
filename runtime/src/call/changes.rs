//! Changes the server announces to clients: the tool, prompt or resource
//! lists changed, or one resource changed.
//!
//! The app announces a change with a [`Notifier`] ([`Server::notifier`],
//! [`Ctx::notifier`](crate::Ctx::notifier)). Every session of a session
//! revision hears it on its stream (`notifications/tools/list_changed`, ...;
//! `notifications/resources/updated` only for the resources it subscribed
//! to), and every 2026-07-28 `subscriptions/listen` stream hears what its
//! filter asked for.
//!
//! Announcements are local to the process unless the server has a
//! [`ChangeRelay`] ([`ServerBuilder::change_relay`](crate::ServerBuilder::change_relay)),
//! which carries them to the other processes of a deployment (HTTP nodes,
//! task workers): with Redis, `ferrymcp::task::redis::RedisChangeRelay`.

use crate::protocol::jsonrpc::notification;
use crate::protocol::messages::{to_value, Empty, ListenFilter, ResourceUpdated};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::broadcast;

/// How many changes a slow listener may fall behind before it misses some.
const BACKLOG: usize = 256;

/// One change the server announces.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "uri", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// The list of tools changed.
    ToolsListChanged,
    /// The list of prompts changed.
    PromptsListChanged,
    /// The list of resources changed.
    ResourcesListChanged,
    /// The resource with this URI changed.
    ResourceUpdated(String),
}

impl Change {
    /// The notification that announces it.
    pub fn to_notification(&self) -> Value {
        match self {
            Change::ToolsListChanged => {
                notification("notifications/tools/list_changed", to_value(&Empty {}))
            }
            Change::PromptsListChanged => {
                notification("notifications/prompts/list_changed", to_value(&Empty {}))
            }
            Change::ResourcesListChanged => {
                notification("notifications/resources/list_changed", to_value(&Empty {}))
            }
            Change::ResourceUpdated(uri) => {
                let params = ResourceUpdated {
                    uri: Cow::Borrowed(uri),
                };
                notification("notifications/resources/updated", to_value(&params))
            }
        }
    }
}

/// Announces changes to every client listening; cheap to clone.
///
/// ```
/// # async fn demo() -> Result<(), ferrymcp::BuildError> {
/// use ferrymcp::call::Change;
/// let server = ferrymcp::Server::builder("demo").build().await?;
/// let notifier = server.notifier();
/// notifier.announce(Change::ResourceUpdated("file:///notes.txt".into()));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Notifier(Arc<Shared>);

struct Shared {
    local: Mutex<Option<broadcast::Sender<Change>>>,
    relay: OnceLock<Arc<dyn ChangeRelay>>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("relayed", &self.0.relay.get().is_some())
            .finish()
    }
}

/// Carries announcements between the processes of one deployment: what one
/// process announces, the others hear (and announce to their own clients).
pub trait ChangeRelay: Send + Sync + 'static {
    /// Sends a change announced in this process to the others.
    fn publish(&self, change: &Change);
    /// From now on, hands every change another process announces to
    /// `deliver` (not the ones this process published).
    fn start(&self, deliver: Arc<dyn Fn(Change) + Send + Sync>);
}

impl Notifier {
    pub(crate) fn new() -> Self {
        Notifier(Arc::new(Shared {
            local: Mutex::new(Some(broadcast::channel(BACKLOG).0)),
            relay: OnceLock::new(),
        }))
    }

    /// Relays this server's announcements through `relay`, both ways (once).
    pub(crate) fn attach(&self, relay: Arc<dyn ChangeRelay>) {
        let weak = Arc::downgrade(&self.0);
        relay.start(Arc::new(move |change| {
            if let Some(shared) = weak.upgrade() {
                Notifier(shared).announce_here(change);
            }
        }));
        let _ = self.0.relay.set(relay);
    }

    fn sender(&self) -> std::sync::MutexGuard<'_, Option<broadcast::Sender<Change>>> {
        self.0.local.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Announces `change` to every session and listen stream now open, here
    /// and, with a relay, in the other processes (nobody listening is not an
    /// error; after shutdown it does nothing).
    pub fn announce(&self, change: Change) {
        if let Some(relay) = self.0.relay.get() {
            relay.publish(&change);
        }
        self.announce_here(change);
    }

    /// Announces `change` to the listeners of this process only.
    fn announce_here(&self, change: Change) {
        if let Some(sender) = &*self.sender() {
            let _ = sender.send(change);
        }
    }

    /// Listens for changes from now on; the receiver reports `Closed` once
    /// the server shut down.
    pub(crate) fn listen(&self) -> broadcast::Receiver<Change> {
        match &*self.sender() {
            Some(sender) => sender.subscribe(),
            // Already closed: a receiver whose sender is gone.
            None => broadcast::channel(1).1,
        }
    }

    /// Ends every listener: listen streams answer their final result and
    /// close (server shutdown).
    pub(crate) fn close(&self) {
        self.sender().take();
    }
}

/// What one `subscriptions/listen` stream asked for (its `notifications`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Filter {
    pub(crate) tools: bool,
    pub(crate) prompts: bool,
    pub(crate) resources: bool,
    pub(crate) resource_uris: Vec<String>,
}

impl Filter {
    /// Reads a `SubscriptionFilter`, keeping only what the server offers.
    pub(crate) fn read(
        filter: &Map<String, Value>,
        offers_prompts: bool,
        offers_resources: bool,
    ) -> Result<Filter, String> {
        let flag = |key: &str| match filter.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(format!("`notifications.{key}` must be a boolean")),
        };
        let resource_uris = match filter.get("resourceSubscriptions") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(uris)) => uris
                .iter()
                .map(|u| u.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or("`notifications.resourceSubscriptions` must be an array of URIs")?,
            Some(_) => {
                return Err("`notifications.resourceSubscriptions` must be an array of URIs".into())
            }
        };
        Ok(Filter {
            tools: flag("toolsListChanged")?,
            prompts: flag("promptsListChanged")? && offers_prompts,
            resources: flag("resourcesListChanged")? && offers_resources,
            resource_uris: if offers_resources {
                resource_uris
            } else {
                Vec::new()
            },
        })
    }

    /// The subset honoured, as the acknowledgement reports it.
    pub(crate) fn honoured(&self) -> ListenFilter<'_> {
        ListenFilter {
            tools_list_changed: self.tools,
            prompts_list_changed: self.prompts,
            resources_list_changed: self.resources,
            resource_subscriptions: Cow::Borrowed(&self.resource_uris),
        }
    }

    /// Whether the stream asked for `change`.
    pub(crate) fn wants(&self, change: &Change) -> bool {
        match change {
            Change::ToolsListChanged => self.tools,
            Change::PromptsListChanged => self.prompts,
            Change::ResourcesListChanged => self.resources,
            Change::ResourceUpdated(uri) => self.resource_uris.iter().any(|u| u == uri),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn a_filter_keeps_only_what_is_offered_and_asked() {
        let f = Filter::read(
            &map(json!({"toolsListChanged": true, "promptsListChanged": true,
                "resourceSubscriptions": ["a://1"]})),
            false,
            true,
        )
        .unwrap();
        assert_eq!(
            to_value(&f.honoured()),
            json!({"toolsListChanged": true, "resourceSubscriptions": ["a://1"]})
        );
        assert!(f.wants(&Change::ToolsListChanged));
        assert!(!f.wants(&Change::PromptsListChanged));
        assert!(f.wants(&Change::ResourceUpdated("a://1".into())));
        assert!(!f.wants(&Change::ResourceUpdated("a://2".into())));
        assert!(Filter::read(&map(json!({"toolsListChanged": 1})), true, true).is_err());
        assert!(Filter::read(&map(json!({"resourceSubscriptions": [1]})), true, true).is_err());
    }
}
