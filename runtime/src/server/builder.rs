//! `ServerBuilder`: name, version, lifespan, tools.

use super::dispatch::{McpRequest, McpResponse};
use super::middleware::{AddLayer, McpService, Stack};
use super::tasks::ServerExecutor;
use super::{Server, ServerInner, ShutdownHook};
use crate::ask::RequestStateKey;
use crate::auth::AuthConfig;
use crate::catalog::{
    Catalog, DynPrompt, DynResource, PromptList, ResourceList, Skill, SkillSources,
};
use crate::error::{BoxError, BuildError, CatalogBuildError};
use crate::protocol::Implementation;
use crate::session_store::SessionStore;
use crate::task::{Carried, MemoryBackend, TaskBackend, TaskEngine, TaskOptions};
use crate::tool::registry::ToolRegistry;
use crate::tool::{DynTool, ToolList};
use futures::future::BoxFuture;
use futures::FutureExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;

type LifespanFactory<L> = Box<dyn FnOnce() -> BoxFuture<'static, Result<L, BoxError>> + Send>;
type ShutdownFn<L> = Box<dyn FnOnce(Arc<L>) -> BoxFuture<'static, ()> + Send>;

/// Builds a [`Server`]. `L` is the type of the lifespan value; `()` until
/// [`lifespan`](ServerBuilder::lifespan) sets one.
///
/// ```
/// use ferrymcp::prelude::*;
///
/// /// Adds two numbers.
/// #[tool]
/// async fn add(a: i64, b: i64) -> i64 {
///     a + b
/// }
///
/// # async fn run() -> Result<(), ferrymcp::BuildError> {
/// let server = Server::builder("calc")
///     .version("1.0.0")
///     .tools(tools![add])
///     .build()
///     .await?;
/// # Ok(()) }
/// ```
pub struct ServerBuilder<L = ()> {
    info: Implementation,
    instructions: Option<String>,
    lifespan: LifespanFactory<L>,
    on_shutdown: Option<ShutdownFn<L>>,
    tools: Vec<DynTool>,
    resources: Vec<DynResource>,
    prompts: Vec<DynPrompt>,
    skills: SkillSources,
    page_size: usize,
    auth: Option<AuthConfig>,
    task_backend: Option<Arc<dyn TaskBackend>>,
    task_options: TaskOptions,
    carried: Carried,
    request_state_key: Option<RequestStateKey>,
    change_relay: Option<Arc<dyn crate::call::ChangeRelay>>,
    session_store: Option<Arc<dyn SessionStore>>,
    layers: Vec<AddLayer>,
    mounts: Vec<super::mount::Mount>,
}

impl ServerBuilder<()> {
    pub(crate) fn new(name: impl Into<String>) -> Self {
        ServerBuilder {
            info: Implementation {
                name: name.into(),
                version: "0.0.0".into(),
                title: None,
            },
            instructions: None,
            lifespan: Box::new(|| async { Ok(()) }.boxed()),
            on_shutdown: None,
            tools: Vec::new(),
            resources: Vec::new(),
            prompts: Vec::new(),
            skills: SkillSources::default(),
            page_size: 100,
            auth: None,
            task_backend: None,
            task_options: TaskOptions::default(),
            carried: Carried::default(),
            request_state_key: None,
            change_relay: None,
            session_store: None,
            layers: Vec::new(),
            mounts: Vec::new(),
        }
    }
}

impl<L: Send + Sync + 'static> ServerBuilder<L> {
    /// The server's version (`serverInfo.version`).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.info.version = version.into();
        self
    }

    /// A human-readable title (`serverInfo.title`).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.info.title = Some(title.into());
        self
    }

    /// Instructions sent to clients in the `initialize` result.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// How many tools one `tools/list` page holds (default 100).
    pub fn page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// The key that seals `requestState` of the 2026-07-28 multi round-trip
    /// pattern (see [`input`](crate::ask)). The default is random per
    /// process; servers behind one load balancer need the same key.
    pub fn request_state_key(mut self, key: RequestStateKey) -> Self {
        self.request_state_key = Some(key);
        self
    }

    /// Carries change announcements ([`Server::notifier`]) to and from the
    /// other processes of a deployment (with Redis:
    /// `ferrymcp::task::redis::RedisChangeRelay`).
    pub fn change_relay(mut self, relay: impl crate::call::ChangeRelay) -> Self {
        self.change_relay = Some(Arc::new(relay));
        self
    }

    /// Keeps the HTTP sessions (2025-03-26 to 2025-11-25, `Mcp-Session-Id`)
    /// in `store`, shared by every node of a deployment, so that any node
    /// answers any request of any session: no sticky sessions behind a load
    /// balancer (with Redis: `ferrymcp::task::redis::RedisSessionStore`).
    /// Unless [`change_relay`](Self::change_relay) gives another, the
    /// store's relay carries change announcements too. Default: each node
    /// keeps its own sessions in memory.
    pub fn sessions(mut self, store: impl SessionStore) -> Self {
        self.session_store = Some(Arc::new(store));
        self
    }

    /// Wraps every MCP request in `layer`, a [`tower::Layer`] over the
    /// service from an [`McpRequest`] (method, params, caller, revision,
    /// whether it runs in a task worker) to its [`McpResponse`]. Layers run on
    /// every transport (HTTP in both eras, stdio, the in-process client)
    /// after the revision's own checks, and around each run of a task in a
    /// worker, so a limit or an audit log holds in the background too. The
    /// first layer added is the outermost. A layer may answer without calling
    /// the service inside it ([`McpResponse::error`]); an error of a layer's
    /// service becomes a JSON-RPC error (an [`ErrorObject`](crate::protocol::ErrorObject)
    /// as it is, tower's timeout as [`REQUEST_TIMEOUT`](super::REQUEST_TIMEOUT),
    /// any other as an internal error with its message).
    ///
    /// ```
    /// use ferrymcp::prelude::*;
    /// use std::time::Duration;
    ///
    /// #[tool]
    /// async fn add(a: i64, b: i64) -> i64 {
    ///     a + b
    /// }
    ///
    /// # async fn run() -> Result<(), ferrymcp::BuildError> {
    /// let server = Server::builder("calc")
    ///     .layer(ferrymcp::tower::timeout::TimeoutLayer::new(Duration::from_secs(30)))
    ///     .tools(tools![add])
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn layer<Y>(mut self, layer: Y) -> Self
    where
        Y: tower::Layer<McpService> + Send + 'static,
        Y::Service: tower::Service<McpRequest, Response = McpResponse> + Clone + Send + 'static,
        <Y::Service as tower::Service<McpRequest>>::Error: Into<BoxError>,
        <Y::Service as tower::Service<McpRequest>>::Future: Send + 'static,
    {
        self.layers.push(Box::new(move |inner| {
            McpService::new(tower::ServiceExt::map_err(layer.layer(inner), Into::into))
        }));
        self
    }

    /// Sets the lifespan: an async function run once when the server is built,
    /// whose value tools receive as [`Lifespan<T>`](crate::Lifespan). Call it before
    /// [`tools`](ServerBuilder::tools), so the tools are checked against its type.
    pub fn lifespan<T, F, Fut, E>(self, start: F) -> ServerBuilder<T>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        ServerBuilder {
            info: self.info,
            instructions: self.instructions,
            lifespan: Box::new(move || async move { start().await.map_err(Into::into) }.boxed()),
            on_shutdown: None,
            tools: self.tools,
            resources: self.resources,
            prompts: self.prompts,
            skills: self.skills,
            page_size: self.page_size,
            auth: self.auth,
            task_backend: self.task_backend,
            task_options: self.task_options,
            carried: self.carried,
            request_state_key: self.request_state_key,
            change_relay: self.change_relay,
            session_store: self.session_store,
            layers: self.layers,
            mounts: self.mounts,
        }
    }

    /// Runs when [`Server::shutdown`] is called, with the lifespan value.
    pub fn on_shutdown<F, Fut>(mut self, stop: F) -> Self
    where
        F: FnOnce(Arc<L>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_shutdown = Some(Box::new(move |l| stop(l).boxed()));
        self
    }

    /// Requires a verified access token on the HTTP transport (see
    /// [`auth`](crate::auth)); tools with `scopes` check the token's scopes on
    /// every transport.
    pub fn auth(mut self, auth: AuthConfig) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Where background tasks are stored and queued (default: a
    /// [`MemoryBackend`](crate::task::MemoryBackend), nothing to set up).
    pub fn tasks(mut self, backend: impl TaskBackend) -> Self {
        self.task_backend = Some(Arc::new(backend));
        self
    }

    /// How background tasks behave: TTLs, poll interval, concurrency,
    /// shutdown grace, whether snapshots keep the raw token.
    pub fn task_options(mut self, options: TaskOptions) -> Self {
        self.task_options = options;
        self
    }

    /// Carries a value of type `T` from a request into the tasks it creates:
    /// when the request's extensions hold a `T` (for example one the parent
    /// app's middleware inserted), it is serialized into the task's snapshot
    /// and inserted into the worker's scope, so `Extension<T>` resolves the
    /// same inline and in a task. Stored under `T`'s type name; see
    /// [`carry_as`](Self::carry_as) to name it.
    ///
    /// ```
    /// # use ferrymcp::prelude::*;
    /// #[derive(Clone, serde::Serialize, serde::Deserialize)]
    /// struct Tenant(String);
    /// let builder = Server::builder("app").carry::<Tenant>();
    /// ```
    pub fn carry<T>(self) -> Self
    where
        T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
    {
        let key = std::any::type_name::<T>();
        self.carry_as::<T>(key)
    }

    /// Like [`carry`](Self::carry), stored under `key` (stable across builds
    /// and crates, for workers on other machines).
    pub fn carry_as<T>(mut self, key: impl Into<String>) -> Self
    where
        T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
    {
        self.carried.add::<T>(key);
        self
    }

    /// Registers tools: `.tools(tools![add, search])`.
    pub fn tools(mut self, tools: ToolList<L>) -> Self {
        self.tools.extend(tools.tools);
        self
    }

    /// Registers resources and resource templates:
    /// `.resources(resources![readme, file_by_path])`.
    pub fn resources(mut self, resources: ResourceList<L>) -> Self {
        self.resources.extend(resources.resources);
        self
    }

    /// Registers prompts: `.prompts(prompts![review, summarize])`.
    pub fn prompts(mut self, prompts: PromptList<L>) -> Self {
        self.prompts.extend(prompts.prompts);
        self
    }

    /// Serves every skill in `dir` (the skills extension, see
    /// [`Skill`]): each subfolder is one skill, named after it, with a
    /// `SKILL.md` and any files beneath it. Read and checked by
    /// [`build`](Self::build), which fails naming the skill and the problem.
    pub fn skills_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.skills.add_dir(dir);
        self
    }

    /// Serves one skill, declared in code or read with [`Skill::from_dir`].
    pub fn skill(mut self, skill: Skill) -> Self {
        self.skills.add(skill);
        self
    }

    /// Serves `server`'s tools, prompts, resources and resource templates
    /// under `prefix` (1 to 64 of `A-Z a-z 0-9 _ - .`): tool `prefix_tool`,
    /// prompt `prefix_prompt`, resource or template `scheme://prefix/rest`
    /// for `scheme://rest` (`prefix+uri` for a URI without `://`).
    ///
    /// Each mounted item runs with its own server's lifespan value, inline
    /// and in task workers (with the caller's token, as any task); the
    /// scopes of its tools still hold, and the types its server
    /// [`carry`](Self::carry)s are carried into tasks. This server's
    /// settings apply to all of them: authorization, task backend and
    /// options, page size, sessions, change relay. The mounted server's own
    /// name, instructions, skills, settings and task engine are not used;
    /// build it with no task backend. Its shutdown hook runs after this
    /// server's, from [`Server::shutdown`]. [`build`](Self::build) fails
    /// when a prefixed name or URI clashes with one of this server's or of
    /// another mounted server's, naming both ([`BuildError::MountClash`]).
    ///
    /// ```
    /// use ferrymcp::prelude::*;
    ///
    /// /// Adds two numbers.
    /// #[tool]
    /// async fn add(a: i64, b: i64) -> i64 {
    ///     a + b
    /// }
    ///
    /// # async fn run() -> Result<(), ferrymcp::BuildError> {
    /// let math = Server::builder("math").tools(tools![add]).build().await?;
    /// let app = Server::builder("app").mount("math", math).build().await?;
    /// assert_eq!(app.tool_names(), ["math_add"]);
    /// # Ok(()) }
    /// ```
    pub fn mount(mut self, prefix: impl Into<String>, server: Server) -> Self {
        self.mounts.push(super::mount::Mount {
            prefix: prefix.into(),
            server,
        });
        self
    }

    /// Starts the lifespan and builds the server: schemas are derived and tool
    /// definitions serialized once, here.
    pub async fn build(mut self) -> Result<Server, BuildError> {
        let mounted = super::mount::mount_all(
            std::mem::take(&mut self.mounts),
            &mut self.tools,
            &mut self.resources,
            &mut self.prompts,
            &mut self.carried,
        )?;
        let tools = ToolRegistry::build(self.tools)?;
        let skills = self.skills.load().map_err(CatalogBuildError::from)?;
        let catalog = Catalog::build(self.resources, self.prompts)?
            .with_page_size(self.page_size)
            .with_skills(skills)?;
        let lifespan: Arc<L> = Arc::new((self.lifespan)().await.map_err(BuildError::Lifespan)?);
        let on_shutdown: Option<ShutdownHook> = self.on_shutdown.map(|stop| {
            let lifespan = Arc::clone(&lifespan);
            Box::new(move || stop(lifespan)) as ShutdownHook
        });
        let on_shutdown = super::mount::with_mounted(on_shutdown, mounted);
        let backend = self
            .task_backend
            .unwrap_or_else(|| Arc::new(MemoryBackend::new()));
        let task_options = self.task_options;
        let notifier = super::Notifier::new();
        let relay = self.change_relay.or_else(|| {
            self.session_store
                .as_ref()
                .and_then(|store| store.change_relay())
        });
        if let Some(relay) = relay {
            notifier.attach(relay);
        }
        let live = Arc::new(super::Live::new::<L>(tools, catalog, notifier.clone()));
        let info_json = serde_json::value::to_raw_value(&self.info)
            .expect("a server's name, title and version serialize");
        let inner = Arc::new_cyclic(|weak| ServerInner {
            info: self.info,
            info_json,
            instructions: self.instructions,
            live,
            lifespan,
            on_shutdown: std::sync::Mutex::new(on_shutdown),
            page_size: self.page_size,
            auth: self.auth,
            tasks: Arc::new(TaskEngine::new(
                backend,
                task_options,
                Arc::new(ServerExecutor(weak.clone())),
            )),
            carried: self.carried,
            request_state_key: self
                .request_state_key
                .unwrap_or_else(RequestStateKey::random),
            notifier,
            session_store: self.session_store,
            middleware: Stack::build(self.layers),
        });
        Ok(Server { inner })
    }
}
