//! Tasks in the server: how `tools/call` becomes a task, how a worker runs
//! it (the same wrapper, on a restored scope), and the `tasks/*` methods of
//! each revision.

use super::dispatch::McpRequest;
use super::methods::{opt_str, req_str, Answer, RequestContext, ToolCall};
use super::{Server, ServerInner};
use crate::ask::{InputSource, SessionInput};
use crate::auth::AccessToken;
use crate::call::InputError;
use crate::call::Questions;
use crate::call::{CallScope, LogLevelFilter};
use crate::call::{NoOutbound, Outbound};
use crate::protocol::jsonrpc::{code, json_type_name};
use crate::protocol::messages::{
    self, CallToolParams, Empty, RequiredCapabilitiesData, RequiredExtensions, TaskPage,
    TaskStateData,
};
use crate::protocol::results::{CreateTaskResult, ExtensionTask};
use crate::protocol::stateless::TASKS_EXTENSION;
use crate::protocol::InputRequest;
use crate::protocol::{ErrorObject, JsonObject, Method, RequestId, TaskSupport};
use crate::task::engine::{unknown_task, Execute, Link};
use crate::task::wire;
use crate::task::TaskInput;
use crate::task::{
    InputAnswer, Owner, Snapshot, TaskHandle, TaskJob, TaskOutcome, TaskRecord, TaskStatus,
};
use crate::tool::registry::RegisteredTool;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Weak};
use std::time::SystemTime;

/// Which task protocol a request speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskDialect {
    /// 2025-06-18 and earlier: no tasks; task tools run inline.
    None,
    /// 2025-11-25 core tasks: `params.task` asks for one.
    Core,
    /// 2026-07-28 extension: the server decides, for clients that opted in.
    Extension {
        /// Whether the request declares the extension in its client capabilities.
        opted_in: bool,
    },
}

/// Whether client capabilities declare the tasks extension.
pub(crate) fn declares_tasks_extension(capabilities: &Value) -> bool {
    capabilities
        .get("extensions")
        .and_then(|e| e.get(TASKS_EXTENSION))
        .is_some()
}

/// -32021: the tasks extension is needed and the request did not declare it.
pub(crate) fn extension_required(what: &str) -> ErrorObject {
    ErrorObject::new(
        code::MISSING_REQUIRED_CLIENT_CAPABILITY,
        format!(
            "Missing required client capability: {what} needs the `{TASKS_EXTENSION}` extension; declare it in `_meta.io.modelcontextprotocol/clientCapabilities.extensions`"
        ),
    )
    .with_data(messages::to_value(&RequiredCapabilitiesData {
        required_capabilities: RequiredExtensions {
            extensions: [(TASKS_EXTENSION, Empty {})].into(),
        },
    }))
}

/// How a task starts: the TTL the client asked for, and the answers to
/// questions the tool asked in the foreground (`#[tool(ask_first)]`).
pub(crate) struct TaskStart {
    pub(crate) ttl_ms: Option<u64>,
    pub(crate) answers: BTreeMap<String, InputAnswer>,
}

/// Who the caller of a request is, for binding tasks.
pub(crate) fn owner_of(ctx: &RequestContext) -> Owner {
    match ctx.scope.extensions.get::<AccessToken>() {
        Some(token) => match token.identity() {
            Some(identity) => Owner::Identity(identity),
            None => Owner::Unbound,
        },
        None => match &ctx.session_key {
            Some(key) => Owner::Session(Arc::clone(key)),
            None => Owner::Anonymous,
        },
    }
}

impl Server {
    /// Decides whether a `tools/call` runs as a task: `Some(requested TTL)`
    /// when it does, `None` to run inline, or the error the revision gives.
    pub(crate) fn task_decision(
        &self,
        tool: &RegisteredTool,
        params: &JsonObject,
        ctx: &RequestContext,
    ) -> Result<Option<Option<u64>>, ErrorObject> {
        let support = tool.meta.task_support;
        let owner = owner_of(ctx);
        let unbound = || {
            ErrorObject::invalid_params(format!(
                "Invalid params: tool `{}` would run as a task, and the caller's access token names no subject or client that could own it",
                tool.name
            ))
        };
        match ctx.dialect {
            TaskDialect::None => {
                if support == TaskSupport::Required {
                    return Err(ErrorObject::new(
                        code::METHOD_NOT_FOUND,
                        format!(
                            "Tool `{}` can only run as a background task (execution.taskSupport is \"required\"); connect with protocol revision 2025-11-25 or later to use it",
                            tool.name
                        ),
                    ));
                }
                Ok(None)
            }
            TaskDialect::Core => match params.get_value("task") {
                None | Some(Value::Null) => {
                    if support == TaskSupport::Required {
                        return Err(ErrorObject::new(
                            code::METHOD_NOT_FOUND,
                            format!(
                                "Tool `{}` can only run as a task (execution.taskSupport is \"required\"); send `params.task` with tools/call",
                                tool.name
                            ),
                        ));
                    }
                    Ok(None)
                }
                Some(Value::Object(task)) => {
                    if support == TaskSupport::Forbidden {
                        return Err(ErrorObject::new(
                            code::METHOD_NOT_FOUND,
                            format!(
                                "Tool `{}` does not run as a task (execution.taskSupport is \"forbidden\"); call it without `params.task`",
                                tool.name
                            ),
                        ));
                    }
                    let ttl = match task.get("ttl") {
                        None | Some(Value::Null) => None,
                        Some(v) => Some(v.as_u64().ok_or_else(|| {
                            ErrorObject::invalid_params(format!(
                                "Invalid params: `task.ttl` must be a non-negative integer of milliseconds, got {v}"
                            ))
                        })?),
                    };
                    if owner == Owner::Unbound {
                        return Err(unbound());
                    }
                    Ok(Some(ttl))
                }
                Some(other) => Err(ErrorObject::invalid_params(format!(
                    "Invalid params: `task` of tools/call must be an object, got {}",
                    json_type_name(&other)
                ))),
            },
            TaskDialect::Extension { opted_in } => match (support, opted_in) {
                (TaskSupport::Forbidden, _) | (TaskSupport::Optional, false) => Ok(None),
                (TaskSupport::Optional, true) if owner == Owner::Unbound => Ok(None),
                (TaskSupport::Required, true) if owner == Owner::Unbound => Err(unbound()),
                (_, true) => Ok(Some(None)),
                (TaskSupport::Required, false) => Err(extension_required(&format!(
                    "tool `{}` (it only runs as a task)",
                    tool.name
                ))),
            },
        }
    }

    /// Creates the task of a `tools/call` and answers `CreateTaskResult`.
    pub(crate) async fn create_task(
        &self,
        tool: &RegisteredTool,
        id: &RequestId,
        arguments: Map<String, Value>,
        meta: Option<&Map<String, Value>>,
        ctx: &RequestContext,
        start: TaskStart,
    ) -> Result<Value, ErrorObject> {
        let TaskStart { ttl_ms, answers } = start;
        let engine = &self.inner.tasks;
        let owner = owner_of(ctx);
        let snapshot = Snapshot::take(
            &ctx.scope.extensions,
            &owner,
            Some(id),
            meta,
            &ctx.scope.client,
            &self.inner.carried,
            engine.options().keeps_raw_token(),
        );
        let link = match ctx.dialect {
            TaskDialect::Core => ctx.scope.session_outbound.as_ref().map(|outbound| Link {
                outbound: Arc::clone(outbound),
                log_filter: Arc::clone(&ctx.scope.log_filter),
            }),
            _ => None,
        };
        let record = engine
            .create(&tool.name, arguments, snapshot, ttl_ms, link, answers)
            .await?;
        let result = match ctx.dialect {
            TaskDialect::Extension { .. } => serde_json::to_value(ExtensionTask {
                result_type: Some("task"),
                ..wire::extension_task(&record, false)
            }),
            _ => serde_json::to_value(CreateTaskResult {
                task: wire::core_task(&record),
            }),
        };
        result.map_err(|e| ErrorObject::internal(format!("Internal error: the task: {e}")))
    }

    /// `tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel` of 2025-11-25.
    pub(crate) async fn tasks_core(
        &self,
        method: Method,
        params: Option<&Map<String, Value>>,
        ctx: &RequestContext,
    ) -> Result<Value, ErrorObject> {
        let empty = Map::new();
        let params = params.unwrap_or(&empty);
        let owner = owner_of(ctx).key();
        let owner = owner.as_deref();
        let engine = &self.inner.tasks;
        match method {
            Method::TasksGet => {
                let id = req_str(params, "taskId", method.as_str())?;
                Ok(wire::task_core(&engine.get(id, owner).await?))
            }
            Method::TasksResult => {
                let id = req_str(params, "taskId", method.as_str())?;
                let record = self.wait_asking_client(id, owner, ctx).await?;
                match (record.status(), record.outcome()) {
                    (TaskStatus::Completed, Some(TaskOutcome::Result(result))) => {
                        Ok(wire::with_related_task(result.clone(), id))
                    }
                    (TaskStatus::Failed, Some(TaskOutcome::Error(error))) => Err(error.clone()),
                    (status, _) => Err(ErrorObject::internal(format!(
                        "Task {id} was {status}: {}",
                        record.status_message().unwrap_or("no result")
                    ))
                    .with_data(messages::to_value(&TaskStateData {
                        task_id: id,
                        status: status.as_str(),
                    }))),
                }
            }
            Method::TasksList => {
                let cursor = opt_str(params, "cursor", method.as_str())?;
                let (tasks, next) = engine.list(owner, cursor).await?;
                Ok(messages::to_value(&TaskPage {
                    tasks: tasks.iter().map(wire::task_core).collect(),
                    next_cursor: next,
                }))
            }
            Method::TasksCancel => {
                let id = req_str(params, "taskId", method.as_str())?;
                match engine.cancel(id, owner).await? {
                    Ok(record) => Ok(wire::task_core(&record)),
                    Err(record) => Err(ErrorObject::invalid_params(format!(
                        "Invalid params: task {id:?} is already {} and cannot be cancelled",
                        record.status()
                    ))),
                }
            }
            other => Err(ErrorObject::method_not_found(other.as_str())),
        }
    }

    /// `tasks/get`, `tasks/update`, `tasks/cancel` of the 2026-07-28 extension.
    pub(crate) async fn tasks_extension(
        &self,
        method: Method,
        params: Option<&Map<String, Value>>,
        ctx: &RequestContext,
    ) -> Result<Value, ErrorObject> {
        if !matches!(ctx.dialect, TaskDialect::Extension { opted_in: true }) {
            return Err(extension_required(method.as_str()));
        }
        let empty = Map::new();
        let params = params.unwrap_or(&empty);
        let owner = owner_of(ctx).key();
        let owner = owner.as_deref();
        let engine = &self.inner.tasks;
        let id = req_str(params, "taskId", method.as_str())?;
        match method {
            Method::TasksGet => {
                let record = engine.get(id, owner).await?;
                serde_json::to_value(wire::extension_task(&record, true))
                    .map_err(|e| ErrorObject::internal(format!("Internal error: the task: {e}")))
            }
            Method::TasksUpdate => {
                match params.get("inputResponses") {
                    Some(Value::Object(_)) => {}
                    None | Some(Value::Null) => {
                        return Err(ErrorObject::invalid_params(
                            "Invalid params: tasks/update needs `inputResponses`",
                        ))
                    }
                    Some(other) => {
                        return Err(ErrorObject::invalid_params(format!(
                            "Invalid params: `inputResponses` must be an object, got {}",
                            json_type_name(other)
                        )))
                    }
                }
                // Responses to no open question are ignored.
                let answers = match params.get("inputResponses") {
                    Some(Value::Object(responses)) => responses
                        .iter()
                        .map(|(k, v)| (k.clone(), InputAnswer::Result(v.clone())))
                        .collect(),
                    _ => BTreeMap::new(),
                };
                engine.answer(id, owner, answers).await?;
                Ok(messages::to_value(&Empty {}))
            }
            Method::TasksCancel => {
                // Cancelling a terminal task is acknowledged the same way.
                engine.cancel(id, owner).await?.ok();
                Ok(messages::to_value(&Empty {}))
            }
            other => Err(ErrorObject::method_not_found(other.as_str())),
        }
    }
}

impl Server {
    /// `tasks/result` of 2025-11-25: waits until the task is terminal, and
    /// meanwhile sends the task's questions to the client on this request's
    /// stream (with related-task `_meta`) and stores its answers.
    async fn wait_asking_client(
        &self,
        id: &str,
        owner: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<TaskRecord, ErrorObject> {
        let engine = &self.inner.tasks;
        let (record, mut updates) = engine.follow_owned(id, owner).await?;
        if record.status().is_terminal() {
            return Ok(record);
        }
        let pending = match &ctx.input {
            InputSource::Session(pending) => Some(Arc::clone(pending)),
            _ => None,
        };
        let mut asked: HashSet<String> = HashSet::new();
        let mut answers = FuturesUnordered::new();
        loop {
            tokio::select! {
                update = updates.next() => {
                    let Some(record) = update else {
                        return Err(unknown_task(id));
                    };
                    if record.status().is_terminal() {
                        engine.saw(&record);
                        return Ok(record);
                    }
                    let Some(pending) = &pending else { continue };
                    for (key, request) in record.input_requests() {
                        if !asked.insert(key.clone()) {
                            continue;
                        }
                        let input = SessionInput {
                            pending,
                            outbound: Arc::clone(&ctx.scope.outbound),
                            cancellation: ctx.scope.cancellation.clone(),
                            related_task: Some(id.to_owned()),
                        };
                        let request = InputRequest {
                            method: request.get("method").and_then(Value::as_str).unwrap_or_default().to_owned(),
                            params: request.get("params").cloned().unwrap_or_else(|| Value::Object(Map::new())),
                        };
                        let key = key.clone();
                        let answer = input.ask(request);
                        answers.push(async move { (key, answer.await) });
                    }
                }
                Some((key, answer)) = answers.next() => {
                    let answer = match answer {
                        Ok(result) => InputAnswer::Result(result),
                        Err(InputError::Client(error)) => InputAnswer::Error(error),
                        // Cancelled or the session ended: the question stays
                        // open for the next `tasks/result`.
                        Err(_) => continue,
                    };
                    let mut one = BTreeMap::new();
                    one.insert(key, answer);
                    engine.answer(id, owner, one).await?;
                }
            }
        }
    }
}

/// Runs a server's tasks: restores the scope from the snapshot and hands
/// the run to the dispatch table (through the middleware stack), which calls
/// the tool's wrapper exactly as an inline call does.
pub(crate) struct ServerExecutor(pub(crate) Weak<ServerInner>);

impl Execute for ServerExecutor {
    fn execute(
        &self,
        job: TaskJob,
        handle: TaskHandle,
        link: Option<Link>,
    ) -> BoxFuture<'static, Result<Value, ErrorObject>> {
        let inner = self.0.upgrade();
        async move {
            let inner = inner.ok_or_else(|| {
                ErrorObject::internal("the server was dropped before the task ran")
            })?;
            let server = Server { inner };
            let TaskJob {
                tool,
                arguments,
                snapshot,
            } = job;
            // Disabled tools too: only new calls of a disabled tool are refused.
            let tool = server.offer().all_tools.get(&tool).cloned().ok_or_else(|| {
                ErrorObject::internal(format!(
                    "tool `{tool}` is not registered on this worker (it was removed, or this worker was built without it)"
                ))
            })?;
            let mut restored = snapshot.restore(&server.inner.carried, SystemTime::now());
            let cancellation = handle.cancellation().clone();
            let input = Questions::Channel(Arc::new(TaskInput::new(handle.clone())));
            let id = restored
                .request_id
                .clone()
                .unwrap_or_else(|| RequestId::String(handle.id().to_string()));
            restored.extensions.insert(handle);
            // The token exchange of this node's configuration (never stored).
            if let Some(exchange) = server.inner.auth.as_ref().and_then(|a| a.token_exchange()) {
                restored.extensions.insert(exchange.clone());
            }
            let (outbound, log_filter, session_outbound) = match link {
                Some(link) => (
                    Arc::clone(&link.outbound),
                    link.log_filter,
                    Some(link.outbound),
                ),
                None => (
                    Arc::new(NoOutbound) as Arc<dyn Outbound>,
                    Arc::new(LogLevelFilter::new()),
                    None,
                ),
            };
            let scope = CallScope {
                request_id: restored.request_id,
                meta: restored.meta,
                client: restored.client,
                lifespan: Arc::clone(&server.inner.lifespan),
                extensions: Arc::new(restored.extensions),
                outbound,
                log_filter,
                cancellation,
                tool_name: tool.name.clone(),
                input,
                notifier: server.inner.notifier.clone(),
                session_outbound,
            };
            // Written once as the params' JSON text (the arguments are not
            // copied into another `Value` first).
            let arguments = Value::Object(arguments);
            let params = serde_json::to_vec(&CallToolParams {
                name: &tool.name,
                arguments: &arguments,
            })
            .ok()
            .and_then(|json| JsonObject::parse(json).ok())
            .unwrap_or_default();
            let request = McpRequest {
                server: server.clone(),
                method: Method::ToolsCall,
                id,
                params: Some(params),
                ctx: RequestContext {
                    scope,
                    dialect: TaskDialect::None,
                    session_key: None,
                    input: InputSource::None("a task asks through its task handle"),
                    session: None,
                },
                run: Some(tool),
            };
            Server::dispatch(request).await.map(Answer::into_value)
        }
        .boxed()
    }
}

impl Server {
    /// Starts a task's tool in its worker, on the scope restored from the
    /// task's snapshot (the dispatch table's arm for a task run).
    pub(crate) fn task_run(
        &self,
        tool: Arc<RegisteredTool>,
        params: Option<&JsonObject>,
        scope: CallScope,
    ) -> ToolCall<'static> {
        let arguments = params
            .and_then(|p| p.get_object("arguments"))
            .unwrap_or_default();
        let run = tool.tool.call(scope, arguments);
        ToolCall::Inline { tool, run }
    }
}
