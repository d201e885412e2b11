//! A session of a session-based revision (2025-03-26 to 2025-11-25): the
//! `initialize` handshake, then requests answered in the negotiated revision.

use super::dispatch::McpRequest;
use super::methods::{req_str, Answer, Delivery, RequestContext};
use super::tasks::TaskDialect;
use super::Server;
use crate::ask::{InputSource, PendingRequests};
use crate::call::Change;
use crate::call::Outbound;
use crate::call::{ClientInfo, LogLevelFilter};
use crate::catalog::Subscriptions;
use crate::protocol::jsonrpc::{self, code, json_type_name, parse_message, Written};
use crate::protocol::messages;
use crate::protocol::results::InitializeResult;
use crate::protocol::Method;
use crate::protocol::{
    ErrorObject, Implementation, Incoming, JsonObject, LogLevel, Notification, PeerResponse,
    ProtocolVersion, Request, RequestId,
};
use crate::session_store::{SessionEvent, SessionOwner, SessionRecord, SessionStore};
use futures::future::Either;
use futures::FutureExt;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::Poll;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// One client's session: the negotiated revision, its log level and its
/// in-flight calls (so `notifications/cancelled` can stop them).
#[derive(Clone)]
pub struct Session {
    server: Server,
    state: Arc<SessionState>,
}

struct SessionState {
    client: OnceLock<Arc<ClientInfo>>,
    log_filter: Arc<LogLevelFilter>,
    in_flight: Mutex<HashMap<RequestId, CancellationToken>>,
    outbound: Arc<dyn Outbound>,
    /// A random key that binds the tasks of a caller without a token.
    key: Arc<str>,
    /// The resources this session subscribed to.
    subscriptions: Subscriptions,
    /// Requests to the client that await its response.
    pending: Arc<PendingRequests>,
    /// Cancelled when the session ends (stops its change forwarder).
    ended: CancellationToken,
    /// Where announced changes go: `outbound`, or with a shared store this
    /// node's GET stream only (every node hears every change itself).
    changes: Arc<dyn Outbound>,
    /// The store every node reads the session from, when there is one.
    shared: Option<Shared>,
    /// When the session opened (`mcp.server.session.duration`).
    #[cfg(feature = "otel")]
    opened: std::time::Instant,
}

/// A session kept in a [`SessionStore`] shared by the nodes of a deployment.
pub(crate) struct Shared {
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) id: Arc<str>,
    pub(crate) owner: SessionOwner,
}

impl Drop for SessionState {
    fn drop(&mut self) {
        self.ended.cancel();
        // A node's copy of a shared session is not the session: only a
        // session this process holds alone has a duration here.
        #[cfg(feature = "otel")]
        if self.shared.is_none() {
            if let Some(client) = self.client.get() {
                let version = opentelemetry::KeyValue::new(
                    "mcp.protocol.version",
                    client.protocol_version.as_str(),
                );
                crate::telemetry::instruments()
                    .session_duration
                    .record(self.opened.elapsed().as_secs_f64(), &[version]);
            }
        }
    }
}

/// Sends the server's announced changes to an initialized session: list
/// changes always, resource updates for the resources it subscribed to.
async fn forward_changes(
    state: std::sync::Weak<SessionState>,
    mut changes: tokio::sync::broadcast::Receiver<Change>,
    ended: CancellationToken,
) {
    loop {
        let change = tokio::select! {
            _ = ended.cancelled() => return,
            change = changes.recv() => change,
        };
        let change = match change {
            Ok(change) => change,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "a session fell behind and missed change notifications"
                );
                continue;
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        let Some(state) = state.upgrade() else { return };
        if state.client.get().is_none() {
            continue;
        }
        if let Change::ResourceUpdated(uri) = &change {
            if !state.subscriptions.is_subscribed(uri) {
                continue;
            }
        }
        state.changes.send(change.to_notification());
    }
}

impl Session {
    pub(crate) fn new(server: Server, outbound: Arc<dyn Outbound>) -> Self {
        let changes = Arc::clone(&outbound);
        let key = format!("{:032x}", rand::random::<u128>()).into();
        Self::build(server, outbound, changes, None, key, PendingRequests::new())
    }

    /// A session kept in a shared store: a new one (`record` `None`, before
    /// `initialize`), or this node's copy of a stored one. Messages for the
    /// client go to `outbound` (which reaches the other nodes), announced
    /// changes to `changes` (this node's GET stream).
    pub(crate) fn new_shared(
        server: Server,
        outbound: Arc<dyn Outbound>,
        changes: Arc<dyn Outbound>,
        shared: Shared,
        record: Option<&SessionRecord>,
    ) -> Self {
        let key = match record {
            Some(record) => record.key.as_str().into(),
            None => format!("{:032x}", rand::random::<u128>()).into(),
        };
        let pending = PendingRequests::tagged(rand::random());
        let session = Self::build(server, outbound, changes, Some(shared), key, pending);
        if let Some(record) = record {
            let version = ProtocolVersion::parse(&record.protocol_version)
                .unwrap_or_else(|| ProtocolVersion::negotiate(&record.protocol_version));
            let _ = session.state.client.set(Arc::new(ClientInfo {
                protocol_version: version,
                implementation: record.client_info.clone(),
                capabilities: record.capabilities.clone(),
            }));
            session.apply(record);
        }
        session
    }

    fn build(
        server: Server,
        outbound: Arc<dyn Outbound>,
        changes_to: Arc<dyn Outbound>,
        shared: Option<Shared>,
        key: Arc<str>,
        pending: PendingRequests,
    ) -> Self {
        let ended = CancellationToken::new();
        let changes = server.inner.notifier.listen();
        let session = Session {
            server,
            state: Arc::new(SessionState {
                client: OnceLock::new(),
                log_filter: Arc::new(LogLevelFilter::new()),
                in_flight: Mutex::new(HashMap::new()),
                outbound,
                key,
                subscriptions: Subscriptions::new(),
                pending: Arc::new(pending),
                ended: ended.clone(),
                changes: changes_to,
                shared,
                #[cfg(feature = "otel")]
                opened: std::time::Instant::now(),
            }),
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(forward_changes(
                Arc::downgrade(&session.state),
                changes,
                ended,
            ));
        }
        session
    }

    /// The random key that binds the tasks of a caller without a token.
    pub(crate) fn key(&self) -> Arc<str> {
        Arc::clone(&self.state.key)
    }

    /// The session's own stream (not a request's).
    pub(crate) fn outbound(&self) -> Arc<dyn Outbound> {
        Arc::clone(&self.state.outbound)
    }

    /// The revision negotiated by `initialize`, once it has happened.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.state.client.get().map(|c| c.protocol_version)
    }

    /// What the shared store keeps of this session; `None` without a store
    /// or before `initialize`.
    pub(crate) fn record(&self) -> Option<SessionRecord> {
        let shared = self.state.shared.as_ref()?;
        let client = self.state.client.get()?;
        let mut subscriptions = self.state.subscriptions.uris();
        subscriptions.sort_unstable();
        Some(SessionRecord {
            protocol_version: client.protocol_version.as_str().into(),
            client_info: client.implementation.clone(),
            capabilities: client.capabilities.clone(),
            owner: shared.owner.clone(),
            log_level: self.state.log_filter.level(),
            subscriptions,
            key: self.state.key.to_string(),
        })
    }

    /// Takes the log level and subscriptions of a record another node
    /// stored.
    pub(crate) fn apply(&self, record: &SessionRecord) {
        if let Some(level) = record.log_level {
            self.state.log_filter.set(level);
        }
        self.state.subscriptions.replace(&record.subscriptions);
    }

    /// Stores the session again after a request changed it.
    async fn persist(&self, outcome: Result<Value, ErrorObject>) -> Result<Value, ErrorObject> {
        let (Ok(_), Some(shared), Some(record)) = (&outcome, &self.state.shared, self.record())
        else {
            return outcome;
        };
        match shared.store.save(&shared.id, &record).await {
            Ok(()) => outcome,
            Err(e) => {
                tracing::warn!(session = %shared.id, "the session could not be saved: {e}");
                Err(ErrorObject::internal(
                    "Internal error: the session could not be saved; try again",
                ))
            }
        }
    }

    /// Sends a message of the client that no call of this node waits for
    /// to the other nodes (with a shared store; otherwise it is dropped).
    async fn to_other_nodes(&self, message: Value) {
        let Some(shared) = &self.state.shared else {
            return;
        };
        let event = SessionEvent::FromClient {
            session: shared.id.to_string(),
            message,
        };
        if let Err(e) = shared.store.publish(event).await {
            tracing::warn!(session = %shared.id, "a client message did not reach the other nodes: {e}");
        }
    }

    /// [`handle_response`](Self::handle_response), and with a shared store a
    /// response no question of this node waits for goes to the node that asked.
    pub(crate) async fn handle_response_anywhere(&self, response: PeerResponse) {
        match self.state.pending.try_resolve(response) {
            Ok(()) => {}
            Err(response) => {
                let message = match &response.outcome {
                    Ok(result) => jsonrpc::success_response(&response.id, result.clone()),
                    Err(error) => jsonrpc::error_response(Some(&response.id), error),
                };
                self.to_other_nodes(message).await;
            }
        }
    }

    /// [`handle_notification`](Self::handle_notification), and with a shared
    /// store a cancellation of no call of this node goes to the others.
    pub(crate) async fn handle_notification_anywhere(&self, notification: Notification) {
        if notification.method == "notifications/cancelled" {
            let id = notification
                .params
                .as_ref()
                .and_then(|p| p.get::<RequestId>("requestId"))
                .and_then(Result::ok);
            if id.is_some_and(|id| !self.lock_in_flight().contains_key(&id)) {
                let params = notification
                    .params
                    .as_ref()
                    .map(|p| Value::Object(p.to_map()))
                    .unwrap_or_else(|| Value::Object(Map::new()));
                let message = jsonrpc::notification(&notification.method, params);
                return self.to_other_nodes(message).await;
            }
        }
        self.handle_notification(notification);
    }

    /// A message of the client that another node passed on: handled here
    /// only (never passed on again).
    pub(crate) fn handle_from_other_node(&self, message: &Value) {
        let Ok(bytes) = serde_json::to_vec(message) else {
            return;
        };
        match parse_message(&bytes) {
            Ok(Incoming::Response(response)) => {
                let _ = self.state.pending.try_resolve(response);
            }
            Ok(Incoming::Notification(notification)) => self.handle_notification(notification),
            _ => tracing::debug!("ignoring a malformed message passed on by another node"),
        }
    }

    /// How many requests of this session are running now.
    pub fn in_flight_count(&self) -> usize {
        self.lock_in_flight().len()
    }

    /// The server this session belongs to.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// Parses and handles one message; returns the response to send, if any.
    /// Server-initiated messages of the call go to the session's outbound sink.
    pub async fn handle_bytes(&self, bytes: &[u8]) -> Option<Value> {
        match parse_message(bytes) {
            Ok(message) => self.handle(message).await,
            Err(rejected) => Some(rejected.to_response()),
        }
    }

    /// Handles one parsed message with the session's outbound sink.
    pub async fn handle(&self, message: Incoming) -> Option<Value> {
        match message {
            Incoming::Request(request) => {
                let outbound = Arc::clone(&self.state.outbound);
                self.handle_request(request, outbound, http::Extensions::new())
                    .await
            }
            Incoming::Notification(notification) => {
                self.handle_notification(notification);
                None
            }
            Incoming::Response(response) => {
                self.handle_response(response);
                None
            }
        }
    }

    /// Hands the client's response to the request of ours it answers
    /// (elicitation, sampling, roots); a response to no such request is
    /// logged and dropped.
    pub fn handle_response(&self, response: PeerResponse) {
        let id = response.id.clone();
        if !self.state.pending.resolve(response) {
            tracing::debug!(%id, "ignoring a response to no open request of ours");
        }
    }

    /// Handles a request: `outbound` receives the call's notifications and
    /// `extensions` become [`CallScope::extensions`](crate::CallScope::extensions).
    /// Returns `None` when the client cancelled the request (no response is due).
    pub async fn handle_request(
        &self,
        request: Request,
        outbound: Arc<dyn Outbound>,
        extensions: http::Extensions,
    ) -> Option<Value> {
        let (id, outcome) = self.clone().answer(request, outbound, extensions).await?;
        Some(match outcome {
            Ok(answer) => jsonrpc::success_response(&id, answer.into_value()),
            Err(error) => jsonrpc::error_response(Some(&id), &error),
        })
    }

    /// [`handle_request`](Self::handle_request) with the response written
    /// straight to bytes (a tool's result is never built as a `Value`).
    /// It takes the session (a clone is two reference counts), so that its
    /// future owns all it needs and is not wrapped in one more.
    pub(crate) fn handle_request_written(
        self,
        request: Request,
        outbound: Arc<dyn Outbound>,
        extensions: http::Extensions,
    ) -> impl Future<Output = Option<Written>> + Send + 'static {
        // `map`, not an `async` block awaiting it: the block would hold the
        // future twice (as captured and as awaited).
        self.answer(request, outbound, extensions).map(|answered| {
            let (id, outcome) = answered?;
            Some(match outcome {
                Ok(Answer::Tool(reply)) => {
                    jsonrpc::write_success_with(&id, |out| reply.write(out, None))
                }
                Ok(Answer::Value(result)) => jsonrpc::write_success(&id, &result),
                Ok(Answer::Tools(page)) => jsonrpc::write_success(&id, &page),
                Err(error) => jsonrpc::write_error(Some(&id), &error),
            })
        })
    }

    /// Runs a request while it is in the in-flight table, in its span;
    /// `None` when the client cancelled it.
    fn answer(
        self,
        request: Request,
        outbound: Arc<dyn Outbound>,
        extensions: http::Extensions,
    ) -> impl Future<Output = Option<(RequestId, Result<Answer, ErrorObject>)>> + Send + 'static
    {
        let facts = || super::SpanFacts {
            protocol_version: self.protocol_version(),
            session_key: Some(&self.state.key),
            extensions: &extensions,
        };
        let (span, finish) = super::request_span(&request, facts);
        let Request { id, method, params } = request;
        async move {
            let outcome = async {
                let token = CancellationToken::new();
                let _in_flight = InFlight::register(&self, &id, &token);
                // Made here, not before the block: the block would hold it
                // twice (as captured and as awaited).
                let work =
                    match self.request(&id, &method, params, outbound, extensions, token.clone()) {
                        Ok(request) => Either::Right(Server::dispatch(request)),
                        Err(answer) => Either::Left(std::future::ready(answer)),
                    };
                let mut work = std::pin::pin!(work);
                let mut cancelled = std::pin::pin!(token.cancelled());
                let mut waited = false;
                std::future::poll_fn(|cx| {
                    // Once the call had to wait, a cancellation wakes it (most
                    // calls finish in their first poll and never register).
                    if waited && cancelled.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(None);
                    }
                    match work.as_mut().poll(cx) {
                        // A cancelled request gets no response, even if it
                        // finished meanwhile.
                        Poll::Ready(outcome) => {
                            Poll::Ready((!token.is_cancelled()).then_some(outcome))
                        }
                        Poll::Pending if waited => Poll::Pending,
                        Poll::Pending => {
                            waited = true;
                            cancelled.as_mut().poll(cx).map(|()| None)
                        }
                    }
                })
                .await
            }
            .instrument(span)
            .await?;
            finish.end(&outcome);
            Some((id, outcome))
        }
    }

    /// The client's input ended (stdio EOF): no answer can come any more, so
    /// the questions calls wait on end ([`InputError::Unavailable`]) and new
    /// ones are refused; the calls finish instead of waiting forever.
    ///
    /// [`InputError::Unavailable`]: crate::InputError::Unavailable
    pub fn end_of_input(&self) {
        self.state.pending.close();
    }

    /// Handles a notification from the client.
    pub fn handle_notification(&self, notification: Notification) {
        match notification.method.as_str() {
            "notifications/cancelled" => {
                let id = notification
                    .params
                    .as_ref()
                    .and_then(|p| p.get::<RequestId>("requestId"))
                    .and_then(Result::ok);
                match id {
                    Some(id) => {
                        if let Some(token) = self.lock_in_flight().get(&id) {
                            tracing::debug!(request_id = %id, "client cancelled the request");
                            token.cancel();
                        }
                    }
                    None => tracing::debug!("notifications/cancelled without a valid requestId"),
                }
            }
            "notifications/initialized" => {}
            other => tracing::debug!(method = other, "ignoring an unknown notification"),
        }
    }

    fn lock_in_flight(&self) -> std::sync::MutexGuard<'_, HashMap<RequestId, CancellationToken>> {
        self.state
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The session revisions' part of a request: `initialize` (and `ping`)
    /// before the handshake, then the method resolved in the negotiated
    /// revision and its call context: the request for the dispatch table,
    /// or the answer of one that does not reach it.
    fn request(
        &self,
        id: &RequestId,
        name: &str,
        params: Option<JsonObject>,
        outbound: Arc<dyn Outbound>,
        extensions: http::Extensions,
        cancellation: CancellationToken,
    ) -> Result<McpRequest, Result<Answer, ErrorObject>> {
        let Some(client) = self.state.client.get() else {
            return Err(match Method::parse(name) {
                Some(Method::Initialize) => {
                    let params = params.as_ref().map(JsonObject::to_map);
                    self.initialize(params.as_ref()).map(Answer::Value)
                }
                Some(Method::Ping) => Ok(Answer::Value(messages::to_value(&messages::Empty {}))),
                _ => Err(ErrorObject::invalid_request(format!(
                    "Invalid request: {name} before initialize; send `initialize` first"
                ))),
            });
        };
        let server = &self.server;
        let method = server.resolve(name, client.protocol_version).map_err(Err)?;
        let delivery = Delivery {
            extensions,
            outbound,
            log_filter: Arc::clone(&self.state.log_filter),
            cancellation,
            input: InputSource::Session(Arc::clone(&self.state.pending)),
        };
        let dialect = if client.protocol_version.has_core_tasks() {
            TaskDialect::Core
        } else {
            TaskDialect::None
        };
        let ctx = RequestContext::new(
            server,
            Arc::clone(client),
            id,
            delivery,
            dialect,
            Some(self),
        );
        Ok(McpRequest::new(server, method, id.clone(), params, ctx))
    }

    /// `logging/setLevel`.
    pub(crate) async fn set_log_level(
        &self,
        params: Option<&Map<String, Value>>,
    ) -> Result<Value, ErrorObject> {
        let empty = Map::new();
        let level = req_str(params.unwrap_or(&empty), "level", "logging/setLevel")?;
        let level: LogLevel =
            serde_json::from_value(Value::String(level.into())).map_err(|_| {
                ErrorObject::invalid_params(format!(
                    "Invalid params: unknown log level {level:?}; expected one of debug, info, notice, warning, error, critical, alert, emergency"
                ))
            })?;
        self.state.log_filter.set(level);
        self.persist(Ok(messages::to_value(&messages::Empty {})))
            .await
    }

    /// `resources/subscribe`.
    pub(crate) async fn subscribe(
        &self,
        params: Option<&Map<String, Value>>,
        token: Option<&crate::auth::AccessToken>,
    ) -> Result<Value, ErrorObject> {
        let Some(client) = self.state.client.get() else {
            return Err(ErrorObject::invalid_request(
                "Invalid request: not initialized",
            ));
        };
        let offer = self.server.offer();
        let catalog = offer.catalog_for(&super::Caller::new(token, client));
        let outcome = catalog.subscribe(params, client, &self.state.subscriptions);
        self.persist(outcome).await
    }

    /// `resources/unsubscribe`.
    pub(crate) async fn unsubscribe(
        &self,
        params: Option<&Map<String, Value>>,
    ) -> Result<Value, ErrorObject> {
        let outcome = self
            .server
            .offer()
            .catalog
            .unsubscribe(params, &self.state.subscriptions);
        self.persist(outcome).await
    }

    fn initialize(&self, params: Option<&Map<String, Value>>) -> Result<Value, ErrorObject> {
        let empty = Map::new();
        let params = params.unwrap_or(&empty);
        let requested = req_str(params, "protocolVersion", "initialize")?;
        let version = ProtocolVersion::negotiate(requested);
        let implementation = match params.get("clientInfo") {
            None | Some(Value::Null) => None,
            Some(info) => Some(
                serde_json::from_value::<Implementation>(info.clone()).map_err(|e| {
                    ErrorObject::invalid_params(format!("Invalid params: `clientInfo`: {e}"))
                })?,
            ),
        };
        let capabilities = match params.get("capabilities") {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(other) => {
                return Err(ErrorObject::invalid_params(format!(
                    "Invalid params: `capabilities` must be an object, got {}",
                    json_type_name(other)
                )))
            }
        };
        let client = Arc::new(ClientInfo {
            protocol_version: version,
            implementation,
            capabilities,
        });
        if self.state.client.set(client).is_err() {
            return Err(ErrorObject::new(
                code::INVALID_REQUEST,
                "Invalid request: the session is already initialized",
            ));
        }
        let inner = &self.server.inner;
        let result = InitializeResult {
            protocol_version: version.as_str(),
            capabilities: self.server.capabilities(version),
            server_info: &inner.info,
            instructions: inner.instructions.as_deref(),
        };
        serde_json::to_value(result).map_err(|e| {
            ErrorObject::new(
                code::INTERNAL_ERROR,
                format!("Internal error: the initialize result: {e}"),
            )
        })
    }
}

/// Keeps a request in the session's in-flight table while it runs, and takes it
/// out however the call ends (even when its future is dropped).
struct InFlight<'a> {
    session: &'a Session,
    id: &'a RequestId,
}

impl<'a> InFlight<'a> {
    fn register(session: &'a Session, id: &'a RequestId, token: &CancellationToken) -> Self {
        session.lock_in_flight().insert(id.clone(), token.clone());
        InFlight { session, id }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.session.lock_in_flight().remove(self.id);
    }
}
