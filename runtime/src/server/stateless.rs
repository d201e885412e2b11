//! The stateless revision (2026-07-28): no `initialize`, no session. Every
//! request declares its protocol version, client capabilities and (optionally)
//! client info and log level in `params._meta`, and is answered on its own.
//!
//! A transport hands a parsed request to [`Server::prepare_stateless`], which
//! checks `_meta` and the method before anything runs (so that the transport
//! can answer a bad request with the right HTTP status), then runs the
//! [`StatelessCall`]. Every result gets `resultType: "complete"` and the server
//! info in `_meta`; list and discovery results also carry the caching fields.

use super::changes::Filter;
use super::methods::RequestContext;
use super::tasks::{declares_tasks_extension, owner_of, TaskDialect};
use super::Server;
use crate::inject::{ClientInfo, LogLevelFilter};
use crate::input::state::StateBinding;
use crate::input::{run_with_input, Gate, InputSource, MrtrInput};
use crate::protocol::jsonrpc::{self, code, json_type_name};
use crate::protocol::{ErrorObject, Implementation, LogLevel, ProtocolVersion, Request, RequestId};
use crate::task::model::now_ms;
use crate::transport::Outbound;
use serde_json::{Map, Value};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// `_meta` key: the protocol version of the request.
pub const META_PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key: the client's capabilities for this request.
pub const META_CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key: the client's name and version.
pub const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key: the log level the client wants for this request.
pub const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// `_meta` key of every message of a `subscriptions/listen` stream: the id
/// of the listen request.
pub const META_SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";
/// Result `_meta` key: the server's name and version.
pub const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// How long clients may cache `tools/list` and `server/discover` results: the
/// tools are fixed when the server is built, so they stay valid for the life
/// of the process; five minutes bounds the staleness across a redeploy.
pub const LIST_TTL_MS: u64 = 300_000;

/// The methods of the stateless revision this server implements.
/// `tasks/result` and `tasks/list` do not exist in this revision (the tasks
/// extension removed them): -32601.
const METHODS: [&str; 13] = [
    "server/discover",
    "subscriptions/listen",
    "tools/list",
    "tools/call",
    "tasks/get",
    "tasks/update",
    "tasks/cancel",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "prompts/list",
    "prompts/get",
    "completion/complete",
];

/// The revisions this server serves statelessly, newest first.
pub fn stateless_versions() -> Vec<&'static str> {
    ProtocolVersion::ALL
        .iter()
        .rev()
        .filter(|v| v.is_stateless())
        .map(|v| v.as_str())
        .collect()
}

/// The protocol version a request declares in `params._meta`, if it declares
/// one: the sign of a stateless (2026-07-28 or later) request.
pub fn declared_version(params: Option<&Map<String, Value>>) -> Option<&Value> {
    params?
        .get("_meta")?
        .as_object()?
        .get(META_PROTOCOL_VERSION)
}

/// A stateless request whose `_meta` and method were checked; run it with
/// [`StatelessCall::run`].
pub struct StatelessCall {
    server: Server,
    request: Request,
    client: Arc<ClientInfo>,
    log_level: Option<LogLevel>,
}

impl std::fmt::Debug for StatelessCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatelessCall")
            .field("method", &self.request.method)
            .field("id", &self.request.id)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Checks a stateless request before it runs: `_meta` must carry the
    /// protocol version and client capabilities (-32602), the version must be
    /// one this server serves statelessly (-32022, listing the supported ones),
    /// and the method must exist in this revision (-32601).
    pub fn prepare_stateless(&self, request: Request) -> Result<StatelessCall, ErrorObject> {
        let meta = read_meta(request.params.as_ref())?;
        if !METHODS.contains(&request.method.as_str()) {
            return Err(ErrorObject::method_not_found(&request.method));
        }
        Ok(StatelessCall {
            server: self.clone(),
            client: Arc::new(ClientInfo {
                protocol_version: meta.version,
                implementation: meta.client_info,
                capabilities: meta.capabilities,
            }),
            log_level: meta.log_level,
            request,
        })
    }

    /// The `server/discover` result.
    fn discover(&self) -> Value {
        let mut result = Map::new();
        result.insert(
            "supportedVersions".into(),
            Value::Array(
                stateless_versions()
                    .into_iter()
                    .map(|v| Value::String(v.into()))
                    .collect(),
            ),
        );
        result.insert(
            "capabilities".into(),
            self.capabilities(ProtocolVersion::V2026_07_28),
        );
        if let Some(instructions) = &self.inner.instructions {
            result.insert("instructions".into(), Value::String(instructions.clone()));
        }
        Value::Object(result)
    }
}

impl StatelessCall {
    /// The id of the request.
    pub fn id(&self) -> &RequestId {
        &self.request.id
    }

    /// The method of the request.
    pub fn method(&self) -> &str {
        &self.request.method
    }

    /// Runs the request and returns the JSON-RPC response. `outbound` receives
    /// the notifications of the call (log messages only when the request set a
    /// log level); `extensions` become the call scope's extensions; cancelling
    /// `cancellation` (or dropping the future) cancels the call.
    pub async fn run(
        self,
        outbound: Arc<dyn Outbound>,
        extensions: http::Extensions,
        cancellation: CancellationToken,
    ) -> Value {
        let StatelessCall {
            server,
            request,
            client,
            log_level,
        } = self;
        let span =
            tracing::info_span!("mcp.request", method = %request.method, request_id = %request.id);
        let log_filter = Arc::new(LogLevelFilter::new());
        let outbound: Arc<dyn Outbound> = match log_level {
            Some(level) => {
                log_filter.set(level);
                outbound
            }
            None => Arc::new(NoLogMessages(outbound)),
        };
        let outcome = match request.method.as_str() {
            "server/discover" => Ok(cacheable(server.discover(), CacheScope::Public)),
            "subscriptions/listen" => {
                listen(
                    &server,
                    &request.id,
                    request.params.as_ref(),
                    &outbound,
                    cancellation,
                )
                .instrument(span)
                .await
            }
            "tools/list" => server
                .list_tools(
                    request.params.as_ref(),
                    &client,
                    extensions.get::<crate::auth::AccessToken>(),
                )
                .map(|list| cacheable(list, tools_cache_scope(&server))),
            method => {
                let mut ctx = RequestContext {
                    dialect: TaskDialect::Extension {
                        opted_in: declares_tasks_extension(&client.capabilities),
                    },
                    client,
                    log_filter,
                    outbound,
                    extensions: Arc::new(extensions),
                    cancellation,
                    session_key: None,
                    session_outbound: None,
                    input: InputSource::None("a stateless request can only ask through its result"),
                };
                let mut params = request.params;
                if !asks_through_result(method) {
                    dispatch(&server, method, &request.id, params, &ctx)
                        .instrument(span)
                        .await
                } else {
                    let binding = StateBinding {
                        method: method.to_owned(),
                        name: target_name(params.as_ref()),
                        owner: owner_of(&ctx).key(),
                    };
                    let key = &server.inner.request_state_key;
                    match MrtrInput::from_params(params.as_mut(), key, binding, now_ms()) {
                        Err(error) => Err(error),
                        Ok(mrtr) => {
                            let mrtr = Arc::new(mrtr);
                            ctx.input = InputSource::Mrtr(Arc::clone(&mrtr));
                            let work = dispatch(&server, method, &request.id, params, &ctx);
                            match run_with_input(work.instrument(span), Some(&mrtr)).await {
                                Gate::Done(outcome) => outcome,
                                Gate::NeedInput(asked) => {
                                    Ok(mrtr.input_required(asked, key, now_ms()))
                                }
                            }
                        }
                    }
                }
            }
        };
        match outcome {
            Ok(result) => {
                jsonrpc::success_response(&request.id, complete(result, &server.inner.info))
            }
            Err(error) => jsonrpc::error_response(Some(&request.id), &error),
        }
    }
}

/// `subscriptions/listen`: acknowledges the filter (the subset the server
/// honours), then forwards every announced change the filter asks for,
/// each tagged with the subscription id (the request's id), until the
/// client closes the stream.
async fn listen(
    server: &Server,
    id: &RequestId,
    params: Option<&Map<String, Value>>,
    outbound: &Arc<dyn Outbound>,
    cancellation: CancellationToken,
) -> Result<Value, ErrorObject> {
    let filter = match params.and_then(|p| p.get("notifications")) {
        Some(Value::Object(filter)) => Filter::read(
            filter,
            !server.inner.catalog.prompts.is_empty(),
            server.offers_resources(),
        )
        .map_err(|m| ErrorObject::invalid_params(format!("Invalid params: {m}")))?,
        None | Some(Value::Null) => return Err(ErrorObject::invalid_params(
            "Invalid params: subscriptions/listen needs `notifications` (which changes to receive)",
        )),
        Some(other) => {
            return Err(ErrorObject::invalid_params(format!(
                "Invalid params: `notifications` must be an object, got {}",
                json_type_name(other)
            )))
        }
    };
    let subscription = serde_json::to_value(id).unwrap_or(Value::Null);
    let tagged = |mut message: Value| {
        if let Some(Value::Object(params)) = message.get_mut("params") {
            let mut meta = Map::with_capacity(1);
            meta.insert(META_SUBSCRIPTION_ID.into(), subscription.clone());
            params.insert("_meta".into(), Value::Object(meta));
        }
        message
    };
    // Listening before the acknowledgement: no change after it is missed.
    let mut changes = server.inner.notifier.listen();
    let mut ack = Map::with_capacity(1);
    ack.insert("notifications".into(), filter.to_value());
    outbound.send(tagged(jsonrpc::notification(
        "notifications/subscriptions/acknowledged",
        Value::Object(ack),
    )));
    loop {
        let change = tokio::select! {
            _ = cancellation.cancelled() => break,
            change = changes.recv() => change,
        };
        match change {
            Ok(change) if filter.wants(&change) => outbound.send(tagged(change.to_notification())),
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "a listen stream fell behind and missed change notifications"
                );
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
        }
    }
    let mut meta = Map::with_capacity(1);
    meta.insert(META_SUBSCRIPTION_ID.into(), subscription);
    let mut result = Map::with_capacity(1);
    result.insert("_meta".into(), Value::Object(meta));
    Ok(Value::Object(result))
}

/// Whether handlers of `method` may ask the client (multi round-trip).
fn asks_through_result(method: &str) -> bool {
    matches!(
        method,
        "tools/call" | "prompts/get" | "resources/read" | "completion/complete"
    )
}

/// The tool or prompt (`name`) or resource (`uri`) a request is about.
fn target_name(params: Option<&Map<String, Value>>) -> String {
    let field = |k: &str| params.and_then(|p| p.get(k)).and_then(Value::as_str);
    field("name")
        .or_else(|| field("uri"))
        .unwrap_or_default()
        .to_owned()
}

/// Runs a method other than discovery and `tools/list`.
async fn dispatch(
    server: &Server,
    method: &str,
    id: &RequestId,
    params: Option<Map<String, Value>>,
    ctx: &RequestContext,
) -> Result<Value, ErrorObject> {
    match method {
        "tools/call" => server.call_tool(id, params, ctx).await,
        "tasks/get" | "tasks/update" | "tasks/cancel" => {
            server.tasks_extension(method, params.as_ref(), ctx).await
        }
        // `prepare_stateless` let only METHODS through.
        _ => server
            .catalog_call(method, id, params.as_ref(), ctx)
            .await
            .unwrap_or_else(|| Err(ErrorObject::method_not_found(method))),
    }
}

struct RequestMeta {
    version: ProtocolVersion,
    capabilities: Value,
    client_info: Option<Implementation>,
    log_level: Option<LogLevel>,
}

fn read_meta(params: Option<&Map<String, Value>>) -> Result<RequestMeta, ErrorObject> {
    let missing = || {
        ErrorObject::invalid_params(format!(
            "Invalid params: this request needs `params._meta` with `{META_PROTOCOL_VERSION}` and `{META_CLIENT_CAPABILITIES}` (protocol revision 2026-07-28)"
        ))
    };
    let meta = match params.and_then(|p| p.get("_meta")) {
        None | Some(Value::Null) => return Err(missing()),
        Some(Value::Object(meta)) => meta,
        Some(other) => {
            return Err(ErrorObject::invalid_params(format!(
                "Invalid params: `_meta` must be an object, got {}",
                json_type_name(other)
            )))
        }
    };
    let requested = match meta.get(META_PROTOCOL_VERSION) {
        None | Some(Value::Null) => {
            return Err(ErrorObject::invalid_params(format!(
                "Invalid params: `_meta` needs `{META_PROTOCOL_VERSION}`"
            )))
        }
        Some(Value::String(v)) => v.as_str(),
        Some(other) => {
            return Err(ErrorObject::invalid_params(format!(
                "Invalid params: `_meta.{META_PROTOCOL_VERSION}` must be a string, got {}",
                json_type_name(other)
            )))
        }
    };
    let capabilities = match meta.get(META_CLIENT_CAPABILITIES) {
        None | Some(Value::Null) => {
            return Err(ErrorObject::invalid_params(format!(
                "Invalid params: `_meta` needs `{META_CLIENT_CAPABILITIES}` (an empty object when the client has none)"
            )))
        }
        Some(v @ Value::Object(_)) => v.clone(),
        Some(other) => {
            return Err(ErrorObject::invalid_params(format!(
                "Invalid params: `_meta.{META_CLIENT_CAPABILITIES}` must be an object, got {}",
                json_type_name(other)
            )))
        }
    };
    let version = match ProtocolVersion::parse(requested) {
        Some(v) if v.is_stateless() => v,
        _ => return Err(unsupported_version(requested)),
    };
    let client_info = match meta.get(META_CLIENT_INFO) {
        None | Some(Value::Null) => None,
        Some(info) => Some(
            serde_json::from_value::<Implementation>(info.clone()).map_err(|e| {
                ErrorObject::invalid_params(format!(
                    "Invalid params: `_meta.{META_CLIENT_INFO}`: {e}"
                ))
            })?,
        ),
    };
    let log_level = match meta.get(META_LOG_LEVEL) {
        None | Some(Value::Null) => None,
        Some(level) => Some(serde_json::from_value::<LogLevel>(level.clone()).map_err(|_| {
            ErrorObject::invalid_params(format!(
                "Invalid params: `_meta.{META_LOG_LEVEL}` must be one of debug, info, notice, warning, error, critical, alert, emergency"
            ))
        })?),
    };
    Ok(RequestMeta {
        version,
        capabilities,
        client_info,
        log_level,
    })
}

/// -32022 for a protocol version this server does not serve statelessly, with
/// the versions it does.
pub fn unsupported_version(requested: &str) -> ErrorObject {
    let supported = stateless_versions();
    ErrorObject::new(
        code::UNSUPPORTED_PROTOCOL_VERSION,
        format!(
            "Unsupported protocol version {requested:?}; this endpoint serves {} statelessly",
            supported.join(", ")
        ),
    )
    .with_data(serde_json::json!({ "supported": supported, "requested": requested }))
}

/// Adds the caching hints of a list or discovery result.
/// Who may reuse a cached list result.
#[derive(Clone, Copy)]
enum CacheScope {
    /// Every caller sees the same list.
    Public,
    /// The list depends on the caller (tools hidden by scope).
    Private,
}

/// `tools/list` differs per caller when tools are hidden from callers who
/// cannot call them; then no shared cache may keep it.
fn tools_cache_scope(server: &Server) -> CacheScope {
    if server
        .auth()
        .is_some_and(|auth| auth.hide_unauthorized_tools())
    {
        CacheScope::Private
    } else {
        CacheScope::Public
    }
}

fn cacheable(mut result: Value, scope: CacheScope) -> Value {
    if let Value::Object(m) = &mut result {
        m.insert("ttlMs".into(), Value::from(LIST_TTL_MS));
        let scope = match scope {
            CacheScope::Public => "public",
            CacheScope::Private => "private",
        };
        m.insert("cacheScope".into(), Value::String(scope.into()));
    }
    result
}

/// Marks a result complete (unless it already says what it is, like a
/// `CreateTaskResult`'s `"task"`) and names the server in its `_meta`.
fn complete(mut result: Value, info: &Implementation) -> Value {
    if let Value::Object(m) = &mut result {
        if !m.contains_key("resultType") {
            m.insert("resultType".into(), Value::String("complete".into()));
        }
        let info = serde_json::to_value(info).unwrap_or(Value::Null);
        match m.get_mut("_meta") {
            Some(Value::Object(meta)) => {
                meta.insert(META_SERVER_INFO.into(), info);
            }
            _ => {
                let mut meta = Map::with_capacity(1);
                meta.insert(META_SERVER_INFO.into(), info);
                m.insert("_meta".into(), Value::Object(meta));
            }
        }
    }
    result
}

/// Drops `notifications/message`: a stateless request that set no log level
/// gets no log messages.
struct NoLogMessages(Arc<dyn Outbound>);

impl Outbound for NoLogMessages {
    fn send(&self, message: Value) {
        if message.get("method").and_then(Value::as_str) != Some("notifications/message") {
            self.0.send(message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta_params(meta: Value) -> Option<Map<String, Value>> {
        match json!({ "_meta": meta }) {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    #[test]
    fn meta_is_checked_precisely() {
        assert_eq!(read_meta(None).err().unwrap().code, code::INVALID_PARAMS);
        let no_caps = meta_params(json!({ META_PROTOCOL_VERSION: "2026-07-28" }));
        assert_eq!(
            read_meta(no_caps.as_ref()).err().unwrap().code,
            code::INVALID_PARAMS
        );
        let old = meta_params(
            json!({ META_PROTOCOL_VERSION: "2025-11-25", META_CLIENT_CAPABILITIES: {} }),
        );
        let err = read_meta(old.as_ref()).err().unwrap();
        assert_eq!(err.code, code::UNSUPPORTED_PROTOCOL_VERSION);
        assert_eq!(
            err.data,
            Some(json!({"supported": ["2026-07-28"], "requested": "2025-11-25"}))
        );
        let ok = meta_params(
            json!({ META_PROTOCOL_VERSION: "2026-07-28", META_CLIENT_CAPABILITIES: {}, META_LOG_LEVEL: "info" }),
        );
        let meta = read_meta(ok.as_ref()).unwrap();
        assert_eq!(meta.log_level, Some(LogLevel::Info));
    }
}
