//! The one dispatch table: every method once, from the request to its
//! handler, for every transport.
//!
//! A transport hands a message to a [`Session`] (the session revisions: HTTP
//! with `Mcp-Session-Id`, stdio, the in-process client) or to a
//! [`StatelessCall`](super::StatelessCall) (2026-07-28). Each checks what its
//! revision asks before a call (the handshake, `_meta`), resolves the method
//! with [`Server::resolve`], builds the request's [`RequestContext`] (whose
//! [`CallScope`] is what the tool wrapper finally receives) and hands an
//! [`McpRequest`] to [`Server::dispatch`]. A task's worker hands the run of the
//! task the same way. `dispatch` runs the middleware stack
//! ([`ServerBuilder::layer`](super::ServerBuilder::layer)) around
//! [`Server::route`], the one `match` from a method to its handler.
//!
//! Where each revision's differences live: the handshake, log level and
//! resource subscriptions of the session revisions in `session.rs`; the
//! stateless revision's `_meta`, discovery, listen streams and questions
//! asked through results in `stateless.rs`; the two task dialects in
//! `tasks.rs`; which revision has which method in
//! [`protocol::method`](crate::protocol::method).

use super::methods::{Answer, CallContext, RequestContext};
use super::middleware::Stack;
use super::tasks::TaskDialect;
use super::{Server, Session};
use crate::auth::AccessToken;
use crate::call::{CallScope, ClientInfo};
use crate::protocol::messages;
use crate::protocol::types::ToolReply;
use crate::protocol::{
    CallToolResult, ErrorObject, JsonObject, Method, ProtocolVersion, RequestId,
};
use crate::tool::registry::RegisteredTool;
use futures::future::{BoxFuture, Either};
use serde_json::Value;
use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

/// One MCP request on its way to its handler, as middleware sees it
/// ([`ServerBuilder::layer`](super::ServerBuilder::layer)): the method, its
/// parameters, the caller, and the call scope the handler will run in.
///
/// A task's run in a worker is a request too: `tools/call` of the task's
/// tool, with the caller's token and client restored from the task's
/// snapshot ([`in_task_worker`](Self::in_task_worker) is `true`).
pub struct McpRequest {
    pub(crate) server: Server,
    pub(crate) method: Method,
    pub(crate) id: RequestId,
    pub(crate) params: Option<JsonObject>,
    pub(crate) ctx: RequestContext,
    /// In a task worker: the tool the task runs.
    pub(crate) run: Option<Arc<RegisteredTool>>,
}

impl McpRequest {
    /// A client's request to `server`.
    pub(crate) fn new(
        server: &Server,
        method: Method,
        id: RequestId,
        params: Option<JsonObject>,
        ctx: RequestContext,
    ) -> Self {
        McpRequest {
            server: server.clone(),
            method,
            id,
            params,
            ctx,
            run: None,
        }
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The JSON-RPC id of the request (in a task worker: of the request
    /// that created the task, when it had one).
    pub fn id(&self) -> &RequestId {
        &self.id
    }

    /// The parameters as received (in a task worker: `name` and
    /// `arguments` of the task's call).
    pub fn params(&self) -> Option<&JsonObject> {
        self.params.as_ref()
    }

    /// What the request is about: the tool or prompt name (`params.name`),
    /// the resource URI (`params.uri`) or the task id (`params.taskId`);
    /// `None` for other methods.
    pub fn target(&self) -> Option<Cow<'_, str>> {
        let field = match self.method {
            // The one task method whose id `Mcp-Name` does not mirror.
            Method::TasksResult => "taskId",
            method => method.name_field()?,
        };
        self.params.as_ref()?.get_str(field)
    }

    /// The caller's verified access token, when the server checks tokens.
    pub fn access_token(&self) -> Option<&AccessToken> {
        self.ctx.scope.extensions.get::<AccessToken>()
    }

    /// The revision the client speaks.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.ctx.scope.client.protocol_version
    }

    /// What the client said about itself.
    pub fn client(&self) -> &ClientInfo {
        &self.ctx.scope.client
    }

    /// What the transport attached to the request (the HTTP request's
    /// extensions, the verified token); middleware may add values that
    /// tools then read with `Extension<T>`.
    pub fn extensions(&self) -> &http::Extensions {
        &self.ctx.scope.extensions
    }

    /// [`extensions`](Self::extensions), to add to (copied on first write
    /// when the transport still shares them).
    pub fn extensions_mut(&mut self) -> &mut http::Extensions {
        Arc::make_mut(&mut self.ctx.scope.extensions)
    }

    /// Whether this is a task's run in a worker (not the client's request).
    pub fn in_task_worker(&self) -> bool {
        self.run.is_some()
    }

    /// The scope the handler will run in.
    pub fn scope(&self) -> &CallScope {
        &self.ctx.scope
    }

    /// The server the request is for.
    pub fn server(&self) -> &Server {
        &self.server
    }
}

impl std::fmt::Debug for McpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpRequest")
            .field("method", &self.method)
            .field("id", &self.id)
            .field("target", &self.target())
            .field("protocol_version", &self.protocol_version())
            .field("in_task_worker", &self.in_task_worker())
            .finish_non_exhaustive()
    }
}

/// What a request answers, as middleware sees it: a result or a JSON-RPC
/// error. Middleware that refuses a request answers
/// [`McpResponse::error`] (or, for a tool call, [`McpResponse::tool_error`],
/// which the model reads).
pub struct McpResponse(pub(crate) Result<Answer, ErrorObject>);

impl McpResponse {
    /// A JSON-RPC error.
    pub fn error(error: ErrorObject) -> Self {
        McpResponse(Err(error))
    }

    /// A tool result with `isError: true` and this text.
    pub fn tool_error(message: impl Into<String>) -> Self {
        McpResponse(Ok(Answer::Tool(ToolReply::Result(CallToolResult::error(
            message,
        )))))
    }

    /// The JSON-RPC error, when the request failed.
    pub fn error_object(&self) -> Option<&ErrorObject> {
        self.0.as_ref().err()
    }

    /// Whether it is a JSON-RPC error or a tool result with `isError`.
    pub fn is_error(&self) -> bool {
        match &self.0 {
            Err(_) => true,
            Ok(Answer::Tool(ToolReply::Result(result))) => result.is_error,
            Ok(_) => false,
        }
    }

    /// The result as JSON (`None` for an error).
    pub fn result_json(&self) -> Option<Value> {
        match &self.0 {
            Ok(Answer::Value(value)) => Some(value.clone()),
            Ok(Answer::Tool(reply)) => Some(reply.clone().into_value()),
            Ok(Answer::Tools(page)) => serde_json::to_value(page).ok(),
            Err(_) => None,
        }
    }
}

impl std::fmt::Debug for McpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Ok(_) => f.write_str("McpResponse(Ok(..))"),
            Err(error) => write!(f, "McpResponse(Err({error:?}))"),
        }
    }
}

impl From<ErrorObject> for McpResponse {
    fn from(error: ErrorObject) -> Self {
        McpResponse::error(error)
    }
}

impl Server {
    /// The method a client of `version` calls by `name`: one this revision
    /// has, in a capability the server declares; otherwise -32601.
    pub(crate) fn resolve(
        &self,
        name: &str,
        version: ProtocolVersion,
    ) -> Result<Method, ErrorObject> {
        Method::parse(name)
            .filter(|m| m.allowed_in(version) && self.offers(m.capability()))
            .ok_or_else(|| ErrorObject::method_not_found(name))
    }

    /// Answers a request: through the middleware stack when the server has
    /// one, straight to [`route`](Self::route) otherwise.
    ///
    /// Not an `async fn`, and the future owns the request's server (no
    /// borrow): the request moves straight into `route`'s future, not
    /// through one more. The stack's future is boxed: a server without
    /// layers does not carry its size in every request's future.
    pub(crate) fn dispatch(
        request: McpRequest,
    ) -> impl Future<Output = Result<Answer, ErrorObject>> + Send + 'static {
        match request.server.inner.middleware.as_ref().map(Stack::service) {
            None => Either::Left(Server::route(request)),
            Some(service) => Either::Right(super::middleware::call(service, request)),
        }
    }

    /// The dispatch table: each method once, with its handler.
    ///
    /// Not an `async fn`: an `async fn` keeps its arguments for its whole
    /// run, so the request (and its context) would be held twice in every
    /// request's future. Here each branch's future takes what it needs once.
    /// A session's inline tool call awaits only the tool's own (boxed)
    /// future; the other branches are boxed, so that the future every
    /// transport moves about stays a few words large.
    pub(crate) fn route(
        request: McpRequest,
    ) -> impl Future<Output = Result<Answer, ErrorObject>> + Send + 'static {
        let McpRequest {
            server,
            method,
            id,
            mut params,
            ctx,
            run,
        } = request;
        let call = if let Some(tool) = run {
            server.task_run(tool, params.as_ref(), ctx.scope)
        } else if method.asks_the_client() && ctx.scope.protocol_version().is_stateless() {
            // 2026-07-28: questions go out through the result.
            let asking = super::stateless::asking_through_results(server, method, id, params, ctx);
            return Either::Right(Box::pin(asking) as BoxFuture<'static, _>);
        } else if method == Method::ToolsCall {
            server.start_tool_call(&id, params.as_mut(), CallContext::Given(ctx))
        } else {
            return Either::Right(Box::pin(async move {
                server.handle(method, &id, params.as_ref(), &ctx).await
            }) as BoxFuture<'static, _>);
        };
        Either::Left(call)
    }

    /// Runs the handler of `method`.
    pub(crate) async fn handle(
        &self,
        method: Method,
        id: &RequestId,
        params: Option<&JsonObject>,
        ctx: &RequestContext,
    ) -> Result<Answer, ErrorObject> {
        // `tools/call` reads its parameters as received; every other
        // method as a map.
        if method == Method::ToolsCall {
            // (The dispatch table and the stateless revision start tool
            // calls themselves, taking from the params they own.)
            let mut params = params.cloned();
            return self
                .start_tool_call(id, params.as_mut(), CallContext::Lent(ctx))
                .await;
        }
        let params = params.map(JsonObject::to_map);
        let params = params.as_ref();
        let session = || session_of(method, ctx);
        // Boxed below: the future of every `tools/call` holds this one, so
        // it stays only as large as that needs.
        let value = match method {
            // Answered above (its parameters are read as received).
            Method::ToolsCall => Err(ErrorObject::internal(
                "Internal error: tools/call reached the map-reading handlers",
            )),
            // The handshake is answered by the session before a call
            // context exists; a second one reaches here.
            Method::Initialize => Err(ErrorObject::invalid_request(
                "Invalid request: the session is already initialized",
            )),
            Method::Ping => Ok(messages::to_value(&messages::Empty {})),
            Method::ServerDiscover => Ok(self.discover()),
            Method::LoggingSetLevel => Box::pin(session()?.set_log_level(params)).await,
            Method::ResourcesSubscribe => {
                let token = ctx.scope.extensions.get::<AccessToken>();
                Box::pin(session()?.subscribe(params, token)).await
            }
            Method::ResourcesUnsubscribe => Box::pin(session()?.unsubscribe(params)).await,
            Method::SubscriptionsListen => {
                Box::pin(super::stateless::listen(self, id, params, ctx)).await
            }
            Method::ToolsList => {
                let token = ctx.scope.extensions.get::<AccessToken>();
                return self
                    .list_tools(params, &ctx.scope.client, token)
                    .map(|page| Answer::Tools(super::stateless::cacheable_page(self, page)));
            }
            Method::TasksGet | Method::TasksCancel | Method::TasksUpdate
                if matches!(ctx.dialect, TaskDialect::Extension { .. }) =>
            {
                Box::pin(self.tasks_extension(method, params, ctx)).await
            }
            Method::TasksGet
            | Method::TasksResult
            | Method::TasksList
            | Method::TasksCancel
            | Method::TasksUpdate => Box::pin(self.tasks_core(method, params, ctx)).await,
            Method::ResourcesList
            | Method::ResourcesTemplatesList
            | Method::ResourcesRead
            | Method::PromptsList
            | Method::PromptsGet
            | Method::CompletionComplete
            | Method::SkillsList
            | Method::SkillsGet
            | Method::ResourcesDirectoryRead => {
                Box::pin(self.catalog_call(method, params, ctx)).await
            }
        };
        value.map(Answer::Value)
    }
}

/// The session of a request to a session-only method (`resolve` lets such
/// methods through only for session revisions, whose requests have one).
fn session_of(method: Method, ctx: &RequestContext) -> Result<&Session, ErrorObject> {
    ctx.session
        .as_ref()
        .ok_or_else(|| ErrorObject::method_not_found(method.as_str()))
}
