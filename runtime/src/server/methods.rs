//! The MCP methods, answered the same way whatever the transport or revision.

use super::tasks::{TaskDialect, TaskStart};
use super::tool_page::ToolPage;
use super::{Caller, Server};
use crate::ask::{InputSource, MrtrInput};
use crate::auth::{scopes_satisfied, AccessToken};
use crate::call::{CallMeta, CallScope, ClientInfo, LogLevelFilter, Outbound};
use crate::catalog::SKILLS_EXTENSION;
use crate::protocol::messages::{
    self, CatalogCapabilities, ListCapability, ServerCapabilities, TasksCapability,
};
use crate::protocol::method::{Capability, Method};
pub(crate) use crate::protocol::params::{opt_str, req_str, req_str_in};
use crate::protocol::stateless::TASKS_EXTENSION;
use crate::protocol::types::ToolReply;
use crate::protocol::{json_text_type, JsonObject};
use crate::protocol::{CallToolResult, ErrorObject, ProtocolVersion, RequestId, TaskSupport};
use crate::task::InputAnswer;
use crate::tool::registry::RegisteredTool;
use crate::tool::ToolOutput;
use futures::future::BoxFuture;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio_util::sync::CancellationToken;

/// What a request runs in: the call scope its handler and the tool wrapper
/// receive (made once, by the session or stateless call the transport
/// handed the message to), and what dispatch needs beside it.
#[derive(Clone)]
pub(crate) struct RequestContext {
    /// Who the client is, where its messages go, the token, cancellation.
    pub(crate) scope: CallScope,
    /// The task protocol of the request's revision.
    pub(crate) dialect: TaskDialect,
    /// The session, for binding tasks of callers without a token.
    pub(crate) session_key: Option<Arc<str>>,
    /// How calls of the request ask the client (elicitation, sampling).
    pub(crate) input: InputSource,
    /// The session the request belongs to (session revisions).
    pub(crate) session: Option<super::Session>,
}

/// What the transport gives a request beside its message: its extensions,
/// where its messages go, its log level, its cancellation and how it asks the
/// client.
pub(crate) struct Delivery {
    pub(crate) extensions: http::Extensions,
    pub(crate) outbound: Arc<dyn Outbound>,
    pub(crate) log_filter: Arc<LogLevelFilter>,
    pub(crate) cancellation: CancellationToken,
    pub(crate) input: InputSource,
}

impl RequestContext {
    /// The context of request `id` by `client`: the one place a request's
    /// call scope is built (a task's worker restores its own from the
    /// snapshot). `session` is the session the request belongs to, if any.
    pub(crate) fn new(
        server: &Server,
        client: Arc<ClientInfo>,
        id: &RequestId,
        delivery: Delivery,
        dialect: TaskDialect,
        session: Option<&super::Session>,
    ) -> Self {
        let Delivery {
            extensions,
            outbound,
            log_filter,
            cancellation,
            input,
        } = delivery;
        let (session, session_key, session_outbound) = match session {
            Some(session) => (
                Some(session.clone()),
                Some(session.key()),
                Some(session.outbound()),
            ),
            None => (None, None, None),
        };
        // A literal, not `CallScope::new` and its `with_*`: the defaults
        // `new` makes (a notifier's channel among them) would be made and
        // dropped on every request.
        let scope = CallScope {
            request_id: Some(id.clone()),
            meta: None,
            client,
            lifespan: Arc::clone(&server.inner.lifespan),
            extensions: Arc::new(extensions),
            outbound,
            log_filter,
            cancellation,
            tool_name: no_target(),
            input: input.questions(),
            notifier: server.inner.notifier.clone(),
            session_outbound,
        };
        RequestContext {
            scope,
            dialect,
            session_key,
            input,
            session,
        }
    }

    /// How the request's calls ask the client; the scope follows.
    pub(crate) fn set_input(&mut self, input: InputSource) {
        self.scope.input = input.questions();
        self.input = input;
    }
}

/// The target name of a scope before it has one (shared: no allocation per
/// request).
fn no_target() -> Arc<str> {
    static EMPTY: std::sync::OnceLock<Arc<str>> = std::sync::OnceLock::new();
    Arc::clone(EMPTY.get_or_init(|| Arc::from("")))
}

/// The context of a call: given (its parts move into the call's scope) or
/// lent (they are cloned).
// Given is large and Lent a pointer: boxing Given would cost every call an
// allocation, to save stack space the call's future holds once.
#[allow(clippy::large_enum_variant)]
pub(crate) enum CallContext<'a> {
    /// The call may take it.
    Given(RequestContext),
    /// The caller keeps it.
    Lent(&'a RequestContext),
}

impl CallContext<'_> {
    pub(crate) fn get(&self) -> &RequestContext {
        match self {
            CallContext::Given(ctx) => ctx,
            CallContext::Lent(ctx) => ctx,
        }
    }
}

/// A `tools/call` past its checks: what is left to await (it is the
/// future that answers the call).
pub(crate) enum ToolCall<'a> {
    /// Answered already (an unknown tool, a refusal, bad parameters);
    /// `None` once the answer is taken.
    Answered(Option<Result<Answer, ErrorObject>>),
    /// The tool runs inline: the future its wrapper returned.
    Inline {
        tool: Arc<RegisteredTool>,
        run: BoxFuture<'static, ToolOutput>,
    },
    /// The call becomes a task (or asks first): its start, boxed.
    Task(BoxFuture<'a, Result<Answer, ErrorObject>>),
}

/// A hand-written future, not an `async fn`: it holds the call once (an
/// `async fn` would hold its argument and what it awaits side by side).
impl Future for ToolCall<'_> {
    type Output = Result<Answer, ErrorObject>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match this {
            ToolCall::Answered(answer) => Poll::Ready(answer.take().unwrap_or_else(|| {
                Err(ErrorObject::internal(
                    "Internal error: a tool call polled after it answered",
                ))
            })),
            ToolCall::Inline { tool, run } => {
                let output = std::task::ready!(run.as_mut().poll(cx));
                Poll::Ready(Server::finish_reply(tool, output).map(Answer::Tool))
            }
            ToolCall::Task(start) => start.as_mut().poll(cx),
        }
    }
}

/// What a method answers. Most results are built as JSON values; a tool's
/// result stays typed, so that the transport writes it once, straight into
/// the response body.
pub(crate) enum Answer {
    /// A result as JSON.
    Value(Value),
    /// The result of a tool that ran inline.
    Tool(ToolReply),
    /// A `tools/list` page.
    Tools(ToolPage),
}

impl Answer {
    /// The result as JSON.
    pub(crate) fn into_value(self) -> Value {
        match self {
            Answer::Value(value) => value,
            Answer::Tool(reply) => reply.into_value(),
            Answer::Tools(page) => page.into_value(),
        }
    }
}

impl Server {
    /// Whether any tool may run as a task.
    pub(crate) fn has_task_tools(&self) -> bool {
        self.offer()
            .all_tools
            .all()
            .iter()
            .any(|t| t.meta.task_support != TaskSupport::Forbidden)
    }

    /// The `capabilities` object this server declares to a client of
    /// `version`: core tasks for 2025-11-25, the tasks extension for
    /// 2026-07-28 (when a tool may run as a task), and the skills extension
    /// from 2025-11-25 on (when the server serves skills). The 2025-11-25
    /// schema has no `extensions` field, but allows it; clients of that
    /// revision that know the extension read it there.
    pub(crate) fn capabilities(&self, version: ProtocolVersion) -> Value {
        let offer = self.offer();
        let catalog = &offer.all_catalog;
        let CatalogCapabilities {
            completions,
            prompts,
            resources,
        } = catalog.capabilities(version);
        let mut caps = ServerCapabilities {
            completions,
            prompts,
            resources,
            tools: ListCapability {
                subscribe: None,
                list_changed: Some(true),
            },
            ..ServerCapabilities::default()
        };
        if self.has_task_tools() {
            if version.has_core_tasks() {
                caps.tasks = Some(TasksCapability::default());
            } else if version.is_stateless() {
                caps.extensions
                    .insert(TASKS_EXTENSION, messages::to_value(&messages::Empty {}));
            }
        }
        if catalog.serves_skills() && Method::SkillsList.allowed_in(version) {
            caps.extensions
                .insert(SKILLS_EXTENSION, catalog.skills_capability());
        }
        messages::to_value(&caps)
    }

    /// `tools/list`: a page of tool definitions.
    /// With `hide_unauthorized_tools`, only the tools `token` may call are listed.
    pub(crate) fn list_tools(
        &self,
        params: Option<&Map<String, Value>>,
        client: &ClientInfo,
        token: Option<&AccessToken>,
    ) -> Result<ToolPage, ErrorObject> {
        let empty = Map::new();
        let params = params.unwrap_or(&empty);
        let hide = self
            .inner
            .auth
            .as_ref()
            .is_some_and(|auth| auth.hide_unauthorized_tools());
        let offer = self.offer();
        let caller = Caller::new(token, client);
        let tools: Vec<&Arc<RegisteredTool>> = offer
            .tools
            .all()
            .iter()
            .filter(|t| !hide || scopes_satisfied(token, t.meta.scopes))
            .filter(|t| offer.shows_tool(t, &caller))
            .collect();
        let start = match opt_str(params, "cursor", "tools/list")? {
            None => 0,
            Some(cursor) => decode_cursor(cursor)
                .filter(|&i| i < tools.len())
                .ok_or_else(|| {
                    ErrorObject::invalid_params(format!(
                        "Invalid params: unknown cursor {cursor:?} for tools/list"
                    ))
                })?,
        };
        let end = (start + self.inner.page_size).min(tools.len());
        Ok(ToolPage {
            tools: tools[start..end].iter().map(|t| Arc::clone(t)).collect(),
            version: client.protocol_version,
            next_cursor: (end < tools.len()).then(|| encode_cursor(end)),
            cache: None,
        })
    }

    /// `tools/call`: finds the tool, then either builds the call scope and
    /// starts the wrapper, or (as a task) snapshots the scope and answers
    /// `CreateTaskResult`. Reads `name`, `arguments`, `_meta` and `task`
    /// from `params` as received (the arguments are parsed by the tool's
    /// wrapper, each into its type). A call that runs inline
    /// takes its scope's parts from `ctx`: moved from a given context, cloned
    /// from a lent one.
    ///
    /// Not an `async fn`: the checks run now and what is left to await is
    /// the tool's own future (already boxed by its wrapper), so no request
    /// context is held by one more future.
    ///
    /// The `arguments` and `_meta` objects are taken out of `params` (their
    /// text stays: what reads `params` after reads the same JSON).
    pub(crate) fn start_tool_call<'a>(
        &self,
        id: &RequestId,
        params: Option<&mut JsonObject>,
        ctx: CallContext<'a>,
    ) -> ToolCall<'a> {
        self.try_start_tool_call(id, params, ctx)
            .unwrap_or_else(|error| ToolCall::Answered(Some(Err(error))))
    }

    fn try_start_tool_call<'a>(
        &self,
        id: &RequestId,
        params: Option<&mut JsonObject>,
        ctx: CallContext<'a>,
    ) -> Result<ToolCall<'a>, ErrorObject> {
        let mut none = JsonObject::new();
        let params = params.unwrap_or(&mut none);
        let name = req_str_in(params, "name", "tools/call")?;
        let scope = &ctx.get().scope;
        let token = scope.extensions.get::<AccessToken>();
        let caller = Caller::new(token, &scope.client);
        let Some(tool) = self.offer().tool_for(&name, &caller).cloned() else {
            return Err(ErrorObject::invalid_params(format!(
                "Unknown tool: `{name}`"
            )));
        };
        if let Some(refusal) = scope_refusal(&tool, token) {
            return Ok(ToolCall::Answered(Some(Ok(Answer::Tool(
                ToolReply::Result(refusal),
            )))));
        }
        let as_task = self.task_decision(&tool, params, ctx.get())?;
        let args = match params.get_json("arguments").map(json_text_type) {
            None | Some("null") => JsonObject::new(),
            Some(kind) => params.take_object("arguments").ok_or_else(|| {
                ErrorObject::invalid_params(format!(
                    "Invalid params: `arguments` of tools/call must be an object, got {kind}"
                ))
            })?,
        };
        // Read into a map only if the tool asks for it.
        let meta = match params.get_json("_meta").map(json_text_type) {
            None | Some("null") => None,
            Some(kind) => {
                let meta = params.take_object("_meta").ok_or_else(|| {
                    ErrorObject::invalid_params(format!(
                        "Invalid params: `_meta` must be an object, got {kind}"
                    ))
                })?;
                Some(Arc::new(CallMeta::from_object(meta)))
            }
        };
        let Some(ttl) = as_task else {
            let mut scope = match ctx {
                CallContext::Given(ctx) => ctx.scope,
                CallContext::Lent(ctx) => ctx.scope.clone(),
            };
            scope.tool_name = tool.name.clone();
            scope.meta = meta;
            let run = tool.tool.call(scope, args);
            return Ok(ToolCall::Inline { tool, run });
        };
        // A task's arguments are checked now: the caller hears of a bad one
        // at once, not from a failed task later.
        if let Err(message) = tool.tool.check_arguments(&args) {
            return Err(ErrorObject::invalid_params(format!(
                "Invalid params: {message}"
            )));
        }
        // Boxed: a task's start is rare, and its future would make every
        // inline call's future larger.
        let id = id.clone();
        let server = self.clone();
        Ok(ToolCall::Task(Box::pin(async move {
            let ctx = ctx.get();
            let scope = |meta| ctx.scope.for_target(&tool.name, meta);
            let mut answers = BTreeMap::new();
            if let Some(mrtr) = asks_first(&tool, ctx) {
                // 2026-07-28: the tool starts in the foreground, so that the
                // questions it asks before its first other await are answered
                // here (multi round-trip), before the task exists.
                let mut work = std::pin::pin!(tool.tool.call(scope(meta.clone()), args.clone()));
                match futures::poll!(work.as_mut()) {
                    // Done at once: the result is the answer (no task needed).
                    Poll::Ready(output) => {
                        return Self::finish_reply(&tool, output).map(Answer::Tool)
                    }
                    // Waits for the client: the request's gate answers
                    // `InputRequiredResult` (this future never resolves).
                    Poll::Pending if mrtr.has_asked() => {
                        let output = work.await;
                        return Self::finish_reply(&tool, output).map(Answer::Tool);
                    }
                    // Real work: the task runs the tool again, from the start,
                    // with the answers gathered so far.
                    Poll::Pending => {
                        // Only the answers to its own questions: nothing the
                        // client sent may answer a question the task asks later.
                        answers = mrtr
                            .answered()
                            .into_iter()
                            .map(|(k, v)| (k, InputAnswer::Result(v)))
                            .collect();
                    }
                }
            }
            let start = TaskStart {
                ttl_ms: ttl,
                answers,
            };
            let meta = meta.as_deref().map(CallMeta::map);
            server
                .create_task(&tool, &id, args.to_map(), meta, ctx, start)
                .await
                .map(Answer::Value)
        })))
    }

    /// What `tools/call` answers for a tool's output, inline or in a task,
    /// kept typed for the transport to write. Structured content is a scalar
    /// wrapped as `{"result": v}` when the output schema says so, plus its
    /// JSON as text.
    pub(crate) fn finish_reply(
        tool: &RegisteredTool,
        output: ToolOutput,
    ) -> Result<ToolReply, ErrorObject> {
        Ok(match output {
            ToolOutput::Result(result) => ToolReply::Result(result),
            ToolOutput::Structured(value) => ToolReply::Structured {
                value,
                wrapped: tool.output.as_ref().is_some_and(|s| s.wrapped),
            },
            ToolOutput::Error(error) => ToolReply::Result(error.into_outcome()?),
        })
    }

    /// Whether the server has resources, resource templates or skills.
    pub(crate) fn offers_resources(&self) -> bool {
        self.offer().all_catalog.offers_resources()
    }

    /// Whether the server declares `capability`; a method of one it does
    /// not declare is unknown to its clients.
    pub(crate) fn offers(&self, capability: Capability) -> bool {
        // (Checked before the catalog is loaded: most requests are of
        // methods every server has.)
        if matches!(capability, Capability::Always | Capability::Tasks) {
            return true;
        }
        let offer = self.offer();
        let catalog = &offer.all_catalog;
        match capability {
            Capability::Resources => catalog.offers_resources(),
            Capability::Prompts => !catalog.prompts.is_empty(),
            Capability::Completions => !catalog.prompts.is_empty() || !catalog.templates.is_empty(),
            Capability::Skills => catalog.serves_skills(),
            Capability::Always | Capability::Tasks => true,
        }
    }

    /// The catalog's methods (resources, templates, prompts, completion,
    /// skills), the same for sessions and stateless requests; the caller
    /// checked that the server [`offers`](Self::offers) the method's
    /// capability.
    /// (Subscriptions need a session and are answered by it.)
    pub(crate) async fn catalog_call(
        &self,
        method: Method,
        params: Option<&Map<String, Value>>,
        ctx: &RequestContext,
    ) -> Result<Value, ErrorObject> {
        let offer = self.offer_owned();
        let client = &ctx.scope.client;
        let caller = Caller::new(ctx.scope.extensions.get::<AccessToken>(), client);
        let catalog = offer.catalog_for(&caller);
        let catalog = &*catalog;
        match method {
            Method::ResourcesList => catalog.list_resources(params, client),
            Method::ResourcesTemplatesList => catalog.list_templates(params, client),
            Method::PromptsList => catalog.list_prompts(params, client),
            Method::ResourcesRead => catalog.read_resource(params, &ctx.scope).await,
            Method::PromptsGet => catalog.get_prompt(params, &ctx.scope).await,
            Method::CompletionComplete => catalog.complete(params, &ctx.scope).await,
            Method::SkillsList => catalog.list_skills(params, client),
            Method::SkillsGet => catalog.get_skill(params, client),
            Method::ResourcesDirectoryRead => catalog.read_directory(params, client),
            other => Err(ErrorObject::method_not_found(other.as_str())),
        }
    }
}

/// The multi round-trip questions of a request that runs the start of a
/// task tool in the foreground: a `#[tool(ask_first)]` tool called over
/// 2026-07-28 by a client that declared a way to answer questions.
fn asks_first<'a>(tool: &RegisteredTool, ctx: &'a RequestContext) -> Option<&'a MrtrInput> {
    let InputSource::Mrtr(mrtr) = &ctx.input else {
        return None;
    };
    if !tool.meta.ask_first {
        return None;
    }
    let caps = &ctx.scope.client.capabilities;
    let can_answer = ["elicitation", "sampling", "roots"]
        .iter()
        .any(|c| caps.get(*c).is_some_and(|v| !v.is_null()));
    can_answer.then_some(mrtr.as_ref())
}

/// The tool error for a caller whose token lacks the tool's scopes. Over HTTP
/// the transport answers 403 before the call gets here; elsewhere (stdio, the
/// in-process client) the caller sees this result.
fn scope_refusal(tool: &RegisteredTool, token: Option<&AccessToken>) -> Option<CallToolResult> {
    let required = tool.meta.scopes;
    if scopes_satisfied(token, required) {
        return None;
    }
    let why = match token {
        None => "the call carries no access token".to_string(),
        Some(token) => format!("the caller's token grants `{}`", token.scopes().join(" ")),
    };
    Some(CallToolResult::error(format!(
        "Forbidden: tool `{}` needs the scopes `{}`, and {why}",
        tool.name,
        required.join(" ")
    )))
}

const CURSOR_PREFIX: &str = "ferry:";

fn encode_cursor(offset: usize) -> String {
    format!("{CURSOR_PREFIX}{offset}")
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    cursor.strip_prefix(CURSOR_PREFIX)?.parse().ok()
}
