//! The server: its builder, its tools, and how requests are answered.
//!
//! A [`Server`] is built once ([`Server::builder`]) and is cheap to clone; every
//! transport serves the same value. A [`Session`] holds what one legacy
//! connection negotiated (revision, log level, in-flight calls).

mod builder;
mod dispatch;
mod live;
mod methods;
mod middleware;
mod mount;
mod session;
mod span;
mod stateless;
mod tasks;
mod tool_page;

use crate::call::Notifier;
pub use builder::ServerBuilder;
pub use dispatch::{McpRequest, McpResponse};
pub use live::{Caller, Item, LiveCatalog, LiveCatalogError};
pub(crate) use live::{Live, Offer};
pub use middleware::{McpService, REQUEST_TIMEOUT};
pub use session::Session;
pub(crate) use session::Shared;
pub(crate) use span::{request_span, SpanFacts};
pub use stateless::StatelessCall;

use crate::protocol::Implementation;
use futures::future::BoxFuture;
use std::any::Any;
use std::sync::Arc;

type ShutdownHook = Box<dyn FnOnce() -> BoxFuture<'static, ()> + Send>;

/// An MCP server: tools, lifespan value and settings, shared by every transport.
#[derive(Clone)]
pub struct Server {
    pub(crate) inner: Arc<ServerInner>,
}

pub(crate) struct ServerInner {
    pub(crate) info: Implementation,
    /// `info` as JSON, written once: the stateless revision names the
    /// server in every result's `_meta`.
    pub(crate) info_json: Box<serde_json::value::RawValue>,
    pub(crate) instructions: Option<String>,
    /// The tools, resources, resource templates and prompts, as one
    /// snapshot swapped whole when the catalog changes ([`Server::catalog`]).
    pub(crate) live: Arc<Live>,
    pub(crate) lifespan: Arc<dyn Any + Send + Sync>,
    pub(crate) on_shutdown: std::sync::Mutex<Option<ShutdownHook>>,
    pub(crate) page_size: usize,
    pub(crate) auth: Option<crate::auth::AuthConfig>,
    pub(crate) tasks: Arc<crate::task::TaskEngine>,
    pub(crate) carried: crate::task::Carried,
    /// Announces list and resource changes to sessions and listen streams.
    pub(crate) notifier: Notifier,
    /// Seals `requestState` (2026-07-28 multi round-trip).
    pub(crate) request_state_key: crate::ask::RequestStateKey,
    /// Where the HTTP sessions live when every node shares them.
    pub(crate) session_store: Option<Arc<dyn crate::session_store::SessionStore>>,
    /// The middleware around the dispatch table; `None` without layers.
    pub(crate) middleware: Option<middleware::Stack>,
}

impl Drop for ServerInner {
    fn drop(&mut self) {
        // The worker pool holds the engine, not the server: stop it.
        self.tasks.stop();
    }
}

impl Server {
    /// Starts building a server with this name (`serverInfo.name`).
    pub fn builder(name: impl Into<String>) -> ServerBuilder<()> {
        ServerBuilder::new(name)
    }

    /// The server's name, version and title.
    pub fn info(&self) -> &Implementation {
        &self.inner.info
    }

    /// The handle that announces changes (lists, resources) to clients.
    pub fn notifier(&self) -> Notifier {
        self.inner.notifier.clone()
    }

    /// The names of the tools served now (enabled), in registration order.
    pub fn tool_names(&self) -> Vec<&str> {
        let offer = self.offer();
        offer.tools.all().iter().map(|t| t.meta.name).collect()
    }

    /// The live catalog: adds, removes, enables, disables and hides tools,
    /// prompts and resources while the server runs (see [`LiveCatalog`]).
    /// For a server with a lifespan, `server.catalog().for_lifespan::<T>()?`
    /// adds items that use it.
    pub fn catalog(&self) -> LiveCatalog {
        LiveCatalog::new(Arc::clone(&self.inner.live))
    }

    /// What the server offers now: one snapshot, for a moment (never
    /// held across an await).
    pub(crate) fn offer(&self) -> arc_swap::Guard<Arc<Offer>> {
        self.inner.live.offer()
    }

    /// What the server offers now, held for a whole request.
    pub(crate) fn offer_owned(&self) -> Arc<Offer> {
        self.inner.live.offer_owned()
    }

    /// The authorization settings, when the server has any.
    pub fn auth(&self) -> Option<&crate::auth::AuthConfig> {
        self.inner.auth.as_ref()
    }

    /// The scopes tool `name` requires (`None` for an unknown tool).
    pub fn tool_scopes(&self, name: &str) -> Option<&'static [&'static str]> {
        self.offer().tools.get(name).map(|t| t.meta.scopes)
    }

    /// Opens a session whose server-initiated messages go to `outbound`.
    pub fn session(&self, outbound: Arc<dyn crate::call::Outbound>) -> Session {
        Session::new(self.clone(), outbound)
    }

    /// The store the HTTP endpoint keeps its sessions in, when it is shared
    /// ([`ServerBuilder::sessions`]).
    pub(crate) fn session_store(&self) -> Option<&Arc<dyn crate::session_store::SessionStore>> {
        self.inner.session_store.as_ref()
    }

    /// The background task engine.
    pub fn task_engine(&self) -> &crate::task::TaskEngine {
        &self.inner.tasks
    }

    /// Runs this process as a task worker: starts the worker pool now (even
    /// with [`TaskOptions::run_workers`] off) and resolves once
    /// [`shutdown`](Self::shutdown) is called. A worker-only process of a
    /// distributed deployment builds the same server (same tools, same
    /// lifespan, same backend) and calls this instead of serving HTTP.
    ///
    /// [`TaskOptions::run_workers`]: crate::task::TaskOptions::run_workers
    pub async fn run_task_workers(&self) {
        self.inner.tasks.start_workers();
        self.inner.tasks.stopped().await;
    }

    /// Shuts down: ends `subscriptions/listen` streams with their final
    /// result, stops taking tasks, lets running tasks finish within the
    /// grace period ([`TaskOptions::shutdown_grace`]), then hands the others
    /// to another worker when the backend is durable (Redis) or marks them
    /// failed with a message (in memory), then runs the shutdown hook (once). The
    /// lifespan value is dropped with the last clone of the server.
    ///
    /// [`TaskOptions::shutdown_grace`]: crate::task::TaskOptions::shutdown_grace
    pub async fn shutdown(&self) {
        // Listen streams end with their final result; sessions stop hearing changes.
        self.inner.notifier.close();
        self.inner.tasks.shutdown().await;
        let hook = self
            .inner
            .on_shutdown
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(hook) = hook {
            hook().await;
        }
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("info", &self.inner.info)
            .field("tools", &self.tool_names())
            .finish_non_exhaustive()
    }
}
