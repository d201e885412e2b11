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

    /// The minimum level, once one is set.
    pub(crate) fn level(&self) -> Option<LogLevel> {
        const LEVELS: [LogLevel; 8] = [
            LogLevel::Debug,
            LogLevel::Info,
            LogLevel::Notice,
            LogLevel::Warning,
            LogLevel::Error,
            LogLevel::Critical,
            LogLevel::Alert,
            LogLevel::Emergency,
        ];
        LEVELS.get(self.0.load(Ordering::Relaxed) as usize).copied()
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
    /// The session's own stream (not the call's): where messages for the
    /// client go after the call ended (`notifications/elicitation/complete`).
    /// `None` without a session (2026-07-28, or a task whose client is gone).
    pub(crate) session_outbound: Option<Arc<dyn Outbound>>,
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
    /// The scope of a call by `client` on a server whose lifespan value is
    /// `lifespan`: no request id, no extensions, messages to nowhere, every
    /// log level let through, never cancelled until you say otherwise, no
    /// client to ask. Transports and tests set the rest with the `with_*`
    /// methods.
    ///
    /// ```
    /// use ferrymcp::{CallScope, ClientInfo, ProtocolVersion};
    /// use std::sync::Arc;
    ///
    /// let client = ClientInfo {
    ///     protocol_version: ProtocolVersion::V2025_11_25,
    ///     implementation: None,
    ///     capabilities: serde_json::json!({}),
    /// };
    /// let scope = CallScope::new(Arc::new(client), Arc::new(()));
    /// assert_eq!(scope.protocol_version(), ProtocolVersion::V2025_11_25);
    /// ```
    pub fn new(client: Arc<ClientInfo>, lifespan: Arc<dyn Any + Send + Sync>) -> Self {
        CallScope {
            request_id: None,
            meta: None,
            client,
            lifespan,
            extensions: Arc::new(http::Extensions::new()),
            outbound: Arc::new(super::NoOutbound),
            log_filter: Arc::new(LogLevelFilter::new()),
            cancellation: CancellationToken::new(),
            tool_name: Arc::from(""),
            input: Questions::Unavailable("this call has no client to ask"),
            notifier: Notifier::new(),
            session_outbound: None,
        }
    }

    /// The id of the request.
    pub fn with_request_id(mut self, id: RequestId) -> Self {
        self.request_id = Some(id);
        self
    }

    /// What the transport attached to the request (the HTTP request's
    /// extensions, the verified `AccessToken`, `Headers`).
    pub fn with_extensions(mut self, extensions: Arc<http::Extensions>) -> Self {
        self.extensions = extensions;
        self
    }

    /// Where the call's notifications (log messages, progress) go.
    pub fn with_outbound(mut self, outbound: Arc<dyn Outbound>) -> Self {
        self.outbound = outbound;
        self
    }

    /// The session's log level.
    pub fn with_log_filter(mut self, log_filter: Arc<LogLevelFilter>) -> Self {
        self.log_filter = log_filter;
        self
    }

    /// Cancelled when the client cancels the request.
    pub fn with_cancellation(mut self, cancellation: CancellationToken) -> Self {
        self.cancellation = cancellation;
        self
    }

    /// The same call, about the tool, resource, prompt or completion called
    /// `name`, with the request's `_meta`.
    pub(crate) fn for_target(&self, name: &str, meta: Option<Arc<CallMeta>>) -> CallScope {
        CallScope {
            tool_name: name.into(),
            meta,
            ..self.clone()
        }
    }

    /// The revision the client speaks.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.client.protocol_version
    }

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
