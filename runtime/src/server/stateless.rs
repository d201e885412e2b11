//! The stateless revision (2026-07-28): no `initialize`, no session. Every
//! request declares its protocol version, client capabilities and (optionally)
//! client info and log level in `params._meta`, and is answered on its own.
//!
//! A transport hands a parsed request to [`Server::prepare_stateless`], which
//! checks `_meta` and the method before anything runs (so that the transport
//! can answer a bad request with the right HTTP status), then runs the
//! [`StatelessCall`]. Every result gets `resultType: "complete"` and the server
//! info in `_meta`; list and discovery results also carry the caching fields.

use super::dispatch::McpRequest;
use super::methods::{Answer, CallContext, Delivery, RequestContext};
use super::tasks::{declares_tasks_extension, owner_of, TaskDialect};
use super::tool_page::ToolPage;
use super::Server;
use crate::ask::state::StateBinding;
use crate::ask::{required_as_input_requests, run_with_input, Gate, InputSource, MrtrInput};
use crate::call::Filter;
use crate::call::Outbound;
use crate::call::{ClientInfo, LogLevelFilter};
use crate::protocol::jsonrpc::{self, json_type_name, Written};
use crate::protocol::messages::CacheScope;
use crate::protocol::messages::{
    self, CacheHints, ListenAcknowledged, ListenResult, SubscriptionMeta,
};
use crate::protocol::meta::{
    META_CLIENT_CAPABILITIES, META_CLIENT_INFO, META_LOG_LEVEL, META_PROTOCOL_VERSION,
    META_SERVER_INFO,
};
use crate::protocol::results::DiscoverResult;
use crate::protocol::stateless::{stateless_versions, unsupported_version, LIST_TTL_MS};
use crate::protocol::types::Completion;
use crate::protocol::{
    as_str, json_text_type, without_position, ErrorObject, Implementation, JsonObject, LogLevel,
    Method, ProtocolVersion, Request, RequestId,
};
use crate::task::model::now_ms;
use futures::future::Either;
use futures::FutureExt;
use serde_json::{Map, Value};
use std::future::Future;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// A stateless request whose `_meta` and method were checked; run it with
/// [`StatelessCall::run`].
pub struct StatelessCall {
    server: Server,
    method: Method,
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
    /// and the method must exist in this revision, in a capability the server
    /// declares (-32601). `tasks/result` and `tasks/list` do not exist in this
    /// revision (the tasks extension removed them).
    pub fn prepare_stateless(&self, request: Request) -> Result<StatelessCall, ErrorObject> {
        let meta = read_meta(request.params.as_ref())?;
        let method = self.resolve(&request.method, meta.version)?;
        Ok(StatelessCall {
            server: self.clone(),
            method,
            client: Arc::new(ClientInfo {
                protocol_version: meta.version,
                implementation: meta.client_info,
                capabilities: meta.capabilities,
            }),
            log_level: meta.log_level,
            request,
        })
    }

    /// The `server/discover` result, with its caching hints.
    pub(crate) fn discover(&self) -> Value {
        let result = DiscoverResult {
            supported_versions: stateless_versions(),
            capabilities: self.capabilities(ProtocolVersion::V2026_07_28),
            instructions: self.inner.instructions.as_deref(),
            cache: CacheHints {
                cache_scope: CacheScope::Public,
                ttl_ms: LIST_TTL_MS,
            },
        };
        messages::to_value(&result)
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
        let server = self.server.clone();
        let (id, outcome) = self.answer(outbound, extensions, cancellation, false).await;
        match outcome {
            Ok(answer) => jsonrpc::success_response(
                &id,
                complete(answer.into_value(), &server.inner.info_json),
            ),
            Err(error) => jsonrpc::error_response(Some(&id), &error),
        }
    }

    /// Whether the request set a log level (without one, it gets no log
    /// messages).
    pub(crate) fn sets_log_level(&self) -> bool {
        self.log_level.is_some()
    }

    /// [`run`](Self::run) with the response written straight to bytes (a
    /// tool's result is never built as a `Value`). `drops_log_messages`: the
    /// transport's `outbound` already drops log messages, as a request that
    /// set no log level needs.
    pub(crate) fn run_written(
        self,
        outbound: Arc<dyn Outbound>,
        drops_log_messages: bool,
        extensions: http::Extensions,
        cancellation: CancellationToken,
    ) -> impl Future<Output = Written> + Send + 'static {
        let server = self.server.clone();
        // `map`, not an `async` block awaiting it: the block would hold the
        // future twice (as captured and as awaited).
        self.answer(outbound, extensions, cancellation, drops_log_messages)
            .map(move |(id, outcome)| {
                let info = &server.inner.info_json;
                match outcome {
                    Ok(Answer::Tool(reply)) => {
                        let completion = Completion {
                            info_key: META_SERVER_INFO,
                            info,
                        };
                        jsonrpc::write_success_with(&id, |out| reply.write(out, Some(completion)))
                    }
                    Ok(Answer::Value(result)) => {
                        jsonrpc::write_success(&id, &complete(result, info))
                    }
                    Ok(Answer::Tools(page)) => {
                        jsonrpc::write_success(&id, &page.completed(META_SERVER_INFO, info))
                    }
                    Err(error) => jsonrpc::write_error(Some(&id), &error),
                }
            })
    }

    /// Runs the request: its id, and its result or error.
    /// (Not an `async fn`: the request's context is built now and moves
    /// once, into the dispatch table's future.)
    fn answer(
        self,
        outbound: Arc<dyn Outbound>,
        extensions: http::Extensions,
        cancellation: CancellationToken,
        drops_log_messages: bool,
    ) -> impl Future<Output = (RequestId, Result<Answer, ErrorObject>)> + Send + 'static {
        let StatelessCall {
            server,
            method,
            request,
            client,
            log_level,
        } = self;
        let facts = || super::SpanFacts {
            protocol_version: Some(client.protocol_version),
            session_key: None,
            extensions: &extensions,
        };
        let (span, finish) = super::request_span(&request, facts);
        let (log_filter, outbound): (_, Arc<dyn Outbound>) = match log_level {
            Some(level) => {
                let filter = LogLevelFilter::new();
                filter.set(level);
                (Arc::new(filter), outbound)
            }
            None if drops_log_messages => (no_level(), outbound),
            None => (no_level(), Arc::new(NoLogMessages(outbound))),
        };
        let Request { id, params, .. } = request;
        let delivery = Delivery {
            extensions,
            outbound,
            log_filter,
            cancellation,
            input: InputSource::None("a stateless request can only ask through its result"),
        };
        let dialect = TaskDialect::Extension {
            opted_in: declares_tasks_extension(&client.capabilities),
        };
        let ctx = RequestContext::new(&server, client, &id, delivery, dialect, None);
        let request = McpRequest::new(&server, method, id.clone(), params, ctx);
        let work = {
            let _entered = span.enter();
            Server::dispatch(request)
        };
        work.instrument(span).map(move |outcome| {
            finish.end(&outcome);
            (id, outcome)
        })
    }
}

/// A request of a method that may ask the client, in the stateless
/// revision: questions go out through the result (`InputRequiredResult`),
/// answers come back in the retried request (`inputResponses`, sealed
/// `requestState`).
pub(crate) async fn asking_through_results(
    server: Server,
    method: Method,
    id: RequestId,
    mut params: Option<JsonObject>,
    mut ctx: RequestContext,
) -> Result<Answer, ErrorObject> {
    // The binding of a `requestState`, made only when one is opened or
    // sealed (from the params the call left).
    let binding = |params: Option<&JsonObject>, ctx: &RequestContext| {
        StateBinding::new(
            method.as_str(),
            target_name(params),
            owner_of(ctx).key(),
            params,
        )
    };
    let server = &server;
    let key = &server.inner.request_state_key;
    let mrtr = MrtrInput::from_params(
        params.as_mut(),
        key,
        |params| binding(Some(params), &ctx),
        now_ms(),
    )?;
    let mrtr = Arc::new(mrtr);
    ctx.set_input(InputSource::Mrtr(Arc::clone(&mrtr)));
    let gate = {
        // A tool call takes its arguments from the params (their text stays
        // for the binding); other methods read them.
        let work = if method == Method::ToolsCall {
            Either::Left(server.start_tool_call(&id, params.as_mut(), CallContext::Lent(&ctx)))
        } else {
            Either::Right(server.handle(method, &id, params.as_ref(), &ctx))
        };
        run_with_input(std::pin::pin!(work), Some(&mrtr)).await
    };
    match gate {
        // A tool's `UrlElicitationRequired` (-32042, which this revision
        // lacks) asks for its URLs as input instead.
        Gate::Done(Err(error)) if required_as_input_requests(&error).is_some() => {
            let asked = required_as_input_requests(&error).unwrap_or_default();
            Ok(Answer::Value(mrtr.input_required(
                asked,
                key,
                || binding(params.as_ref(), &ctx),
                now_ms(),
            )))
        }
        Gate::Done(outcome) => outcome,
        Gate::NeedInput(asked) => Ok(Answer::Value(mrtr.input_required(
            asked,
            key,
            || binding(params.as_ref(), &ctx),
            now_ms(),
        ))),
    }
}

/// `tools/list` of the stateless revision carries caching hints.
pub(crate) fn cacheable_page(server: &Server, page: ToolPage) -> ToolPage {
    if page.version.is_stateless() {
        let scope = tools_cache_scope(server);
        page.cacheable(LIST_TTL_MS, scope)
    } else {
        page
    }
}

/// `subscriptions/listen`: acknowledges the filter (the subset the server
/// honours), then forwards every announced change the filter asks for,
/// each tagged with the subscription id (the request's id), until the
/// client closes the stream.
pub(crate) async fn listen(
    server: &Server,
    id: &RequestId,
    params: Option<&Map<String, Value>>,
    ctx: &RequestContext,
) -> Result<Value, ErrorObject> {
    let outbound = &ctx.scope.outbound;
    let cancellation = &ctx.scope.cancellation;
    let filter = match params.and_then(|p| p.get("notifications")) {
        Some(Value::Object(filter)) => Filter::read(
            filter,
            !server.offer().all_catalog.prompts.is_empty(),
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
    let meta = || SubscriptionMeta {
        subscription_id: id,
    };
    let tag = messages::to_value(&meta());
    let tagged = |mut message: Value| {
        if let Some(Value::Object(params)) = message.get_mut("params") {
            params.insert("_meta".into(), tag.clone());
        }
        message
    };
    // Listening before the acknowledgement: no change after it is missed.
    let mut changes = server.inner.notifier.listen();
    let ack = ListenAcknowledged {
        notifications: filter.honoured(),
        meta: meta(),
    };
    outbound.send(jsonrpc::notification(
        "notifications/subscriptions/acknowledged",
        messages::to_value(&ack),
    ));
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
    Ok(messages::to_value(&ListenResult { meta: meta() }))
}

/// The tool or prompt (`name`) or resource (`uri`) a request is about.
fn target_name(params: Option<&JsonObject>) -> String {
    let field = |k: &str| params.and_then(|p| p.get_str(k));
    field("name")
        .or_else(|| field("uri"))
        .unwrap_or_default()
        .into_owned()
}

struct RequestMeta {
    version: ProtocolVersion,
    capabilities: Value,
    client_info: Option<Implementation>,
    log_level: Option<LogLevel>,
}

fn read_meta(params: Option<&JsonObject>) -> Result<RequestMeta, ErrorObject> {
    let missing = || {
        ErrorObject::invalid_params(format!(
            "Invalid params: this request needs `params._meta` with `{META_PROTOCOL_VERSION}` and `{META_CLIENT_CAPABILITIES}` (protocol revision 2026-07-28)"
        ))
    };
    let Some(json) = params.and_then(|p| present(p, "_meta")) else {
        return Err(missing());
    };
    let Some(meta) = params.and_then(|p| p.object_ref("_meta")) else {
        return Err(ErrorObject::invalid_params(format!(
            "Invalid params: `_meta` must be an object, got {}",
            json_text_type(json)
        )));
    };
    let requested = match present(meta, META_PROTOCOL_VERSION) {
        None => {
            return Err(ErrorObject::invalid_params(format!(
                "Invalid params: `_meta` needs `{META_PROTOCOL_VERSION}`"
            )))
        }
        Some(json) => as_str(json).ok_or_else(|| {
            ErrorObject::invalid_params(format!(
                "Invalid params: `_meta.{META_PROTOCOL_VERSION}` must be a string, got {}",
                json_text_type(json)
            ))
        })?,
    };
    let capabilities = match present(meta, META_CLIENT_CAPABILITIES) {
        None => {
            return Err(ErrorObject::invalid_params(format!(
                "Invalid params: `_meta` needs `{META_CLIENT_CAPABILITIES}` (an empty object when the client has none)"
            )))
        }
        Some(json) if json.starts_with('{') => meta
            .get_value(META_CLIENT_CAPABILITIES)
            .unwrap_or_default(),
        Some(json) => {
            return Err(ErrorObject::invalid_params(format!(
                "Invalid params: `_meta.{META_CLIENT_CAPABILITIES}` must be an object, got {}",
                json_text_type(json)
            )))
        }
    };
    let version = match ProtocolVersion::parse(&requested) {
        Some(v) if v.is_stateless() => v,
        _ => return Err(unsupported_version(&requested)),
    };
    let client_info = match present(meta, META_CLIENT_INFO) {
        None => None,
        Some(json) => Some(serde_json::from_str::<Implementation>(json).map_err(|e| {
            ErrorObject::invalid_params(format!(
                "Invalid params: `_meta.{META_CLIENT_INFO}`: {}",
                without_position(&e)
            ))
        })?),
    };
    let log_level = match present(meta, META_LOG_LEVEL) {
        None => None,
        Some(json) => Some(serde_json::from_str::<LogLevel>(json).map_err(|_| {
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

/// A member's JSON text, unless it is absent or `null`.
fn present<'a>(object: &'a JsonObject, key: &str) -> Option<&'a str> {
    object.get_json(key).filter(|json| *json != "null")
}

/// `tools/list` differs per caller when tools are hidden from callers who
/// cannot call them, or a visibility rule is set on a tool
/// ([`LiveCatalog::visible_if`](super::LiveCatalog::visible_if)); then no
/// shared cache may keep it.
fn tools_cache_scope(server: &Server) -> CacheScope {
    let hides = server.auth().is_some_and(|a| a.hide_unauthorized_tools());
    if hides || server.offer().tools_per_caller() {
        CacheScope::Private
    } else {
        CacheScope::Public
    }
}

/// Marks a result complete (unless it already says what it is, like a
/// `CreateTaskResult`'s `"task"`) and names the server in its `_meta`.
fn complete(mut result: Value, info: &serde_json::value::RawValue) -> Value {
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

/// The filter of every request that set no log level: one, shared, since
/// nothing sets a stateless request's level after it started (and its log
/// messages are dropped by [`NoLogMessages`] anyway).
fn no_level() -> Arc<LogLevelFilter> {
    static NO_LEVEL: std::sync::OnceLock<Arc<LogLevelFilter>> = std::sync::OnceLock::new();
    Arc::clone(NO_LEVEL.get_or_init(|| Arc::new(LogLevelFilter::new())))
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

    fn reaches_client(&self) -> bool {
        self.0.reaches_client()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::jsonrpc::code;
    use serde_json::json;

    /// A server info as the server keeps it: JSON, written once.
    fn raw(info: &Implementation) -> Box<serde_json::value::RawValue> {
        serde_json::value::to_raw_value(info).unwrap()
    }

    /// A tool for lists: only its definition matters.
    struct Listed(&'static str);

    impl crate::tool::ToolFn<()> for Listed {
        fn meta(&self) -> crate::tool::ToolMeta {
            crate::tool::ToolMeta {
                name: self.0,
                title: Some("Échø \"x\"\n"),
                description: None,
                annotations: crate::protocol::ToolAnnotations {
                    read_only: Some(true),
                    ..Default::default()
                },
                task_support: crate::protocol::TaskSupport::Optional,
                ask_first: false,
                scopes: &[],
                headers: &[],
            }
        }
        fn input_schema(&self) -> Value {
            json!({"type": "object", "properties": {"z": {"type": "string"}, "a": {}}})
        }
        fn output_schema(&self) -> Option<crate::tool::OutputSchema> {
            None
        }
        fn call(
            &self,
            _: crate::CallScope,
            _: crate::tool::ArgMap,
        ) -> futures::future::BoxFuture<'static, crate::tool::ToolOutput> {
            Box::pin(std::future::pending())
        }
    }

    #[test]
    fn tool_pages_are_written_as_pinned() {
        use super::super::tool_page::ToolPage;
        use crate::tool::registry::ToolRegistry;
        let list = crate::tool::ToolList::<()>::new()
            .with(Listed("b"))
            .with(Listed("a"));
        let registry = ToolRegistry::build(list.tools).unwrap();
        let info = Implementation {
            name: "n\"".into(),
            version: "1".into(),
            title: Some("T".into()),
        };
        let page = |version, cursor: Option<&str>, cache| ToolPage {
            tools: registry.all().to_vec(),
            version,
            next_cursor: cursor.map(str::to_owned),
            cache,
        };
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
        let def = |name| {
            format!(
                r#"{{"annotations":{{"readOnlyHint":true}},"inputSchema":{{"properties":{{"a":{{}},"z":{{"type":"string"}}}},"type":"object"}},"name":"{name}","title":"Échø \"x\"\n"}}"#
            )
        };
        let plain = page(ProtocolVersion::V2025_06_18, None, None);
        let written = text(serde_json::to_vec(&plain).unwrap());
        assert_eq!(
            written,
            format!(r#"{{"tools":[{},{}]}}"#, def("b"), def("a"))
        );
        let stateless = page(
            ProtocolVersion::V2026_07_28,
            Some("ferry:2"),
            Some((60_000, CacheScope::Private)),
        );
        let written =
            text(serde_json::to_vec(&stateless.completed(META_SERVER_INFO, &raw(&info))).unwrap());
        assert!(written.starts_with(
            r#"{"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"n\"","title":"T","version":"1"}},"cacheScope":"private","nextCursor":"ferry:2","resultType":"complete","tools":[{"#
        ), "{written}");
        assert!(written.ends_with(r#"}],"ttlMs":60000}"#), "{written}");
        // The one serializer gives the value too, and the stateless
        // completion of a value (`complete`) agrees with it.
        for version in [ProtocolVersion::V2025_06_18, ProtocolVersion::V2026_07_28] {
            let value = page(version, Some("c"), Some((1, CacheScope::Public))).into_value();
            let completed = page(version, Some("c"), Some((1, CacheScope::Public)));
            let completed = serde_json::to_vec(&completed.completed(META_SERVER_INFO, &raw(&info)));
            assert_eq!(
                serde_json::from_slice::<Value>(&completed.unwrap()).unwrap(),
                complete(value.clone(), &raw(&info))
            );
            let has_execution = value["tools"][0].get("execution").is_some();
            assert_eq!(has_execution, version >= ProtocolVersion::V2025_11_25);
        }
    }

    fn meta_params(meta: Value) -> Option<JsonObject> {
        match json!({ "_meta": meta }) {
            Value::Object(m) => Some(m.into()),
            _ => None,
        }
    }

    #[test]
    fn tool_replies_are_written_as_pinned() {
        use crate::protocol::types::ToolReply;
        use crate::protocol::{CallToolResult, Content};
        let meta = |pairs: Value| match pairs {
            Value::Object(m) => Some(m),
            _ => None,
        };
        let info = Implementation {
            name: "srv \"1\"".into(),
            version: "1.0".into(),
            title: None,
        };
        let titled = Implementation {
            name: "srv".into(),
            version: "2".into(),
            title: Some("Ä title".into()),
        };
        let (info, titled) = (raw(&info), raw(&titled));
        let c = |info| {
            Some(Completion {
                info_key: META_SERVER_INFO,
                info,
            })
        };
        let info_json =
            r#""io.modelcontextprotocol/serverInfo":{"name":"srv \"1\"","version":"1.0"}"#;
        let cases: [(ToolReply, Option<Completion<'_>>, String); 6] = [
            (
                ToolReply::Result(CallToolResult::text("hi \"there\"\n")),
                None,
                r#"{"content":[{"text":"hi \"there\"\n","type":"text"}]}"#.into(),
            ),
            (
                ToolReply::Result(CallToolResult::error("bad")),
                c(&info),
                format!(
                    r#"{{"_meta":{{{info_json}}},"content":[{{"text":"bad","type":"text"}}],"isError":true,"resultType":"complete"}}"#
                ),
            ),
            (
                ToolReply::Result(CallToolResult {
                    content: vec![
                        Content::image("AA==", "image/png"),
                        Content::embedded_text("file:///a", "text/plain", "t"),
                    ],
                    structured_content: Some(json!({"result": 5, "a": [true]})),
                    is_error: false,
                    meta: meta(json!({"a": 1, "zz": "z", META_SERVER_INFO: "replaced"})),
                }),
                c(&titled),
                r#"{"_meta":{"a":1,"io.modelcontextprotocol/serverInfo":{"name":"srv","title":"Ä title","version":"2"},"zz":"z"},"content":[{"data":"AA==","mimeType":"image/png","type":"image"},{"resource":{"mimeType":"text/plain","text":"t","uri":"file:///a"},"type":"resource"}],"resultType":"complete","structuredContent":{"a":[true],"result":5}}"#.into(),
            ),
            (
                ToolReply::Structured {
                    value: json!(1008),
                    wrapped: true,
                },
                c(&info),
                format!(
                    r#"{{"_meta":{{{info_json}}},"content":[{{"text":"1008","type":"text"}}],"resultType":"complete","structuredContent":{{"result":1008}}}}"#
                ),
            ),
            (
                ToolReply::Structured {
                    value: json!("quote \" backslash \\ é \u{1} </script>"),
                    wrapped: true,
                },
                None,
                r#"{"content":[{"text":"\"quote \\\" backslash \\\\ é \\u0001 </script>\"","type":"text"}],"structuredContent":{"result":"quote \" backslash \\ é \u0001 </script>"}}"#.into(),
            ),
            (
                ToolReply::Structured {
                    value: json!({"b": [1, "x\"y", {"c": null}], "a": {"ü": "\t"}}),
                    wrapped: false,
                },
                None,
                r#"{"content":[{"text":"{\"a\":{\"ü\":\"\\t\"},\"b\":[1,\"x\\\"y\",{\"c\":null}]}","type":"text"}],"structuredContent":{"a":{"ü":"\t"},"b":[1,"x\"y",{"c":null}]}}"#.into(),
            ),
        ];
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
        for (reply, completion, expected) in cases {
            let id = RequestId::String("a\"b".into());
            let written = jsonrpc::write_success_with(&id, |out| reply.write(out, completion));
            assert_eq!(
                text(written.json),
                format!(r#"{{"id":"a\"b","jsonrpc":"2.0","result":{expected}}}"#)
            );
            assert_eq!(written.error_code, None);
            // The one serializer gives the value too, and the stateless
            // completion of a value (`complete`) agrees with it.
            let value = reply.clone().into_value();
            let expected: Value = serde_json::from_str(&expected).unwrap();
            match completion {
                None => assert_eq!(value, expected),
                Some(c) => assert_eq!(complete(value, c.info), expected),
            }
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
