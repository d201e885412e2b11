//! The call scope: everything one tool call may ask for, in one explicit value.

use super::{Notifier, Outbound, Questions};
use crate::protocol::{Implementation, JsonObject, LogLevel, ProtocolVersion, RequestId};
use serde_json::{Map, Value};
use std::any::Any;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};
use tokio_util::sync::CancellationToken;

/// What the client told the server about itself.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    /// The protocol revision the client speaks.
    pub protocol_version: ProtocolVersion,
    /// The client's name and version, when it sent them.
    pub implementation: Option<Implementation>,
    /// The capabilities the client declared.
    pub capabilities: Value,
}

/// The minimum log level a client asked for with `logging/setLevel`; shared by a
/// session and every call in it.
#[derive(Debug, Default)]
pub struct LogLevelFilter(AtomicU8);

const UNSET: u8 = u8::MAX;

impl LogLevelFilter {
    /// A filter that lets every message through until a level is set.
    pub fn new() -> Self {
        LogLevelFilter(AtomicU8::new(UNSET))
    }

    /// Sets the minimum level.
    pub fn set(&self, level: LogLevel) {
        self.0.store(level as u8, Ordering::Relaxed);
    }

    /// Whether a message at `level` should be sent.
    pub fn allows(&self, level: LogLevel) -> bool {
        let min = self.0.load(Ordering::Relaxed);
        min == UNSET || level as u8 >= min
    }
}

/// Everything a tool call can draw its injected parameters from.
///
/// Transports build one per call (the live request), and a task's worker
/// builds one from the task's [`Snapshot`](crate::task::Snapshot); the
/// generated tool wrapper receives it and resolves each injected parameter through
/// [`Inject`](crate::Inject). It is the only source: there is no ambient,
/// task-local or global context, so what a tool sees cannot depend on where it runs.
#[derive(Clone)]
pub struct CallScope {
    pub(crate) request_id: Option<RequestId>,
    pub(crate) meta: Option<Arc<CallMeta>>,
    pub(crate) client: Arc<ClientInfo>,
    pub(crate) lifespan: Arc<dyn Any + Send + Sync>,
    pub(crate) extensions: Arc<http::Extensions>,
    pub(crate) outbound: Arc<dyn Outbound>,
    pub(crate) log_filter: Arc<LogLevelFilter>,
    pub(crate) cancellation: CancellationToken,
    pub(crate) tool_name: Arc<str>,
    /// Where the call's questions to the client go (elicitation, sampling).
    pub(crate) input: Questions,
    /// Announces changes to clients.
    pub(crate) notifier: Notifier,
}

/// A request's `_meta`, as received, read into a map the first time
/// something asks for it (most calls never do).
#[derive(Debug)]
pub(crate) struct CallMeta {
    object: JsonObject,
    map: OnceLock<Map<String, Value>>,
}

impl CallMeta {
    /// The `_meta` object of a request.
    pub(crate) fn from_object(object: JsonObject) -> Self {
        CallMeta {
            object,
            map: OnceLock::new(),
        }
    }

    /// A `_meta` already read (a task's, restored).
    pub(crate) fn from_map(map: Map<String, Value>) -> Self {
        CallMeta {
            object: JsonObject::new(),
            map: OnceLock::from(map),
        }
    }

    /// The members, as a map.
    pub(crate) fn map(&self) -> &Map<String, Value> {
        self.map.get_or_init(|| self.object.to_map())
    }
}

impl CallScope {
    /// The id of the request that started this call.
    pub fn request_id(&self) -> Option<&RequestId> {
        self.request_id.as_ref()
    }

    /// The request's `_meta` object, if it had one.
    pub fn meta(&self) -> Option<&Map<String, Value>> {
        self.meta.as_deref().map(CallMeta::map)
    }

    /// What the client said about itself.
    pub fn client(&self) -> &ClientInfo {
        &self.client
    }

    /// Values the transport attached to the call (for HTTP: the request's
    /// extensions, as set by the parent app's middleware).
    pub fn extensions(&self) -> &http::Extensions {
        &self.extensions
    }

    /// The server's lifespan value, type-erased.
    pub fn lifespan_any(&self) -> &Arc<dyn Any + Send + Sync> {
        &self.lifespan
    }

    /// The token that is cancelled when the client cancels the call.
    pub fn cancellation(&self) -> &CancellationToken {
        &self.cancellation
    }

    /// The name of the tool being called.
    pub fn tool_name(&self) -> &str {
        &self.tool_name
    }
}

impl std::fmt::Debug for CallScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallScope")
            .field("request_id", &self.request_id)
            .field("tool_name", &self.tool_name)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}
