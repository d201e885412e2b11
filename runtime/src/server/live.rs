//! A live catalog: tools, prompts and resources added, removed, enabled,
//! disabled and shown per caller while the server runs.
//!
//! What a server offers is one immutable snapshot ([`Offer`]): the
//! registered tools, resources, templates and prompts (their definitions
//! serialized once, when they were registered), which of them are served
//! (enabled), and the visibility rules. A request loads the snapshot once
//! (one atomic operation, no lock) and answers from it, however long it
//! runs; a change ([`LiveCatalog`]) builds the next snapshot from the items
//! already registered (no definition is serialized again), swaps it in,
//! and announces the change ([`Notifier::announce`]) to sessions, listen
//! streams and, through the change relay, the other nodes.
//!
//! A disabled or hidden item answers exactly as an unknown one; a task
//! created before its tool was disabled still runs (the task executor finds
//! every registered tool). A task of a tool that was *removed* before it
//! ran fails with a message that says the tool is not registered.

use crate::auth::AccessToken;
use crate::call::{Change, ClientInfo, Notifier};
use crate::catalog::{Catalog, CatalogItem, PromptList, ResourceList};
use crate::protocol::{Implementation, ProtocolVersion};
use crate::tool::registry::{RegisteredTool, ToolRegistry};
use crate::tool::ToolList;
use arc_swap::{ArcSwap, Guard};
use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

/// Who is asking, as a visibility rule ([`LiveCatalog::visible_if`]) sees
/// them: the verified access token (if any), the protocol revision and the
/// client's name and capabilities.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    token: Option<&'a AccessToken>,
    client: &'a ClientInfo,
}

impl<'a> Caller<'a> {
    /// A caller with this token (if any) and this client.
    pub fn new(token: Option<&'a AccessToken>, client: &'a ClientInfo) -> Self {
        Caller { token, client }
    }

    /// The caller's verified access token; `None` without authorization or
    /// on a transport that carries none (stdio).
    pub fn token(&self) -> Option<&'a AccessToken> {
        self.token
    }

    /// The protocol revision the client speaks.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.client.protocol_version
    }

    /// The client's name and version, when it sent them.
    pub fn client(&self) -> Option<&'a Implementation> {
        self.client.implementation.as_ref()
    }

    /// Everything known about the client (revision, name, capabilities).
    pub fn client_info(&self) -> &'a ClientInfo {
        self.client
    }
}

/// A visibility rule: whether an item is shown to (and may be used by) a caller.
type Rule = Arc<dyn Fn(&Caller<'_>) -> bool + Send + Sync>;

/// One item of the catalog: a tool or prompt by name, a resource by its URI
/// (a fixed URI, or the URI template of a resource template).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Item {
    /// A tool, by name.
    Tool(String),
    /// A prompt, by name.
    Prompt(String),
    /// A resource by its URI, or a resource template by its URI template
    /// (`users://{id}/profile`).
    Resource(String),
}

impl Item {
    /// The tool `name`.
    pub fn tool(name: impl Into<String>) -> Item {
        Item::Tool(name.into())
    }

    /// The prompt `name`.
    pub fn prompt(name: impl Into<String>) -> Item {
        Item::Prompt(name.into())
    }

    /// The resource (or resource template) at `uri`.
    pub fn resource(uri: impl Into<String>) -> Item {
        Item::Resource(uri.into())
    }

    /// Its name or URI.
    fn key(&self) -> &str {
        match self {
            Item::Tool(key) | Item::Prompt(key) | Item::Resource(key) => key,
        }
    }

    fn change(&self) -> Change {
        match self {
            Item::Tool(_) => Change::ToolsListChanged,
            Item::Prompt(_) => Change::PromptsListChanged,
            Item::Resource(_) => Change::ResourcesListChanged,
        }
    }
}

impl std::fmt::Display for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Item::Tool(name) => write!(f, "tool `{name}`"),
            Item::Prompt(name) => write!(f, "prompt `{name}`"),
            Item::Resource(uri) => write!(f, "resource `{uri}`"),
        }
    }
}

/// Why a change to the live catalog was refused; the catalog is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LiveCatalogError {
    /// The list was made for a server with another lifespan type.
    #[error(
        "these {what} are for a server whose lifespan is `{list}`, but this server's lifespan is `{server}`; \
         add them through `server.catalog().for_lifespan::<{server}>()?`"
    )]
    WrongLifespan {
        /// `tools`, `prompts` or `resources`.
        what: &'static str,
        /// The lifespan type the list was made for.
        list: &'static str,
        /// The server's lifespan type.
        server: &'static str,
    },
    /// An item added has the name (or URI) of one the server has, or of
    /// another in the same list.
    #[error("cannot add {added}: {existing} has the same {key}; remove it first")]
    Clash {
        /// The item being added, named and described.
        added: String,
        /// The item already registered (or earlier in the same list).
        existing: String,
        /// What they share: `name` or `URI`.
        key: &'static str,
    },
    /// An item added is not valid (a tool name, a URI template).
    #[error("{0}")]
    Invalid(String),
    /// No such item is registered.
    #[error("this server has no {0}")]
    Unknown(Item),
}

/// Something per kind of item: tools, prompts, resources (and templates).
#[derive(Default, Clone)]
struct ByKind<T> {
    tools: T,
    prompts: T,
    resources: T,
}

impl<T> ByKind<T> {
    fn of(&self, item: &Item) -> &T {
        match item {
            Item::Tool(_) => &self.tools,
            Item::Prompt(_) => &self.prompts,
            Item::Resource(_) => &self.resources,
        }
    }

    fn of_mut(&mut self, item: &Item) -> &mut T {
        match item {
            Item::Tool(_) => &mut self.tools,
            Item::Prompt(_) => &mut self.prompts,
            Item::Resource(_) => &mut self.resources,
        }
    }
}

/// The catalog-side key of a catalog item (resources and templates share
/// the `resources` kind, keyed by URI).
fn catalog_key(item: CatalogItem<'_>) -> (bool, &str) {
    match item {
        CatalogItem::Resource(uri) | CatalogItem::Template(uri) => (true, uri),
        CatalogItem::Prompt(name) => (false, name),
    }
}

/// What the server offers at one moment; requests read it, changes replace it.
pub(crate) struct Offer {
    /// Every registered tool, disabled ones too: the task executor runs a
    /// task whose tool was disabled after the task was created.
    pub(crate) all_tools: ToolRegistry,
    /// The enabled tools.
    pub(crate) tools: ToolRegistry,
    /// Every registered resource, template and prompt (the capabilities).
    pub(crate) all_catalog: Catalog,
    /// The enabled ones.
    pub(crate) catalog: Catalog,
    rules: ByKind<HashMap<String, Rule>>,
}

impl Offer {
    /// The tool `name` if it is enabled and `caller` may see it.
    pub(crate) fn tool_for(&self, name: &str, caller: &Caller<'_>) -> Option<&Arc<RegisteredTool>> {
        self.tools
            .get(name)
            .filter(|tool| self.shows_tool(tool, caller))
    }

    /// Whether no rule hides `tool` from `caller`.
    pub(crate) fn shows_tool(&self, tool: &RegisteredTool, caller: &Caller<'_>) -> bool {
        self.rules.tools.is_empty()
            || self
                .rules
                .tools
                .get(&*tool.name)
                .is_none_or(|rule| rule(caller))
    }

    /// Whether a visibility rule is set on any tool (the list then differs
    /// per caller).
    pub(crate) fn tools_per_caller(&self) -> bool {
        !self.rules.tools.is_empty()
    }

    /// The enabled resources, templates and prompts `caller` may see: the
    /// served catalog itself unless a visibility rule is set on one of them.
    pub(crate) fn catalog_for(&self, caller: &Caller<'_>) -> CallerCatalog<'_> {
        if self.rules.prompts.is_empty() && self.rules.resources.is_empty() {
            return CallerCatalog::Shared(&self.catalog);
        }
        let visible = |item: CatalogItem<'_>| {
            let (resource, key) = catalog_key(item);
            let rules = if resource {
                &self.rules.resources
            } else {
                &self.rules.prompts
            };
            rules.get(key).is_none_or(|rule| rule(caller))
        };
        CallerCatalog::Chosen(self.catalog.select(visible, true))
    }
}

/// The catalog one caller sees: the served one, or (with visibility rules)
/// the part of it chosen for the caller.
pub(crate) enum CallerCatalog<'a> {
    Shared(&'a Catalog),
    Chosen(Catalog),
}

impl std::ops::Deref for CallerCatalog<'_> {
    type Target = Catalog;

    fn deref(&self) -> &Catalog {
        match self {
            CallerCatalog::Shared(catalog) => catalog,
            CallerCatalog::Chosen(catalog) => catalog,
        }
    }
}

/// What the live catalog edits: every registered item, which are disabled,
/// and the rules. Only changes take its lock; requests never do.
struct Registered {
    tools: ToolRegistry,
    catalog: Catalog,
    disabled: ByKind<HashSet<String>>,
    rules: ByKind<HashMap<String, Rule>>,
}

impl Registered {
    fn has(&self, item: &Item) -> bool {
        match item {
            Item::Tool(name) => self.tools.get(name).is_some(),
            Item::Prompt(name) => self.catalog.by_name.contains_key(name.as_str()),
            Item::Resource(uri) => {
                self.catalog.by_uri.contains_key(uri.as_str())
                    || self
                        .catalog
                        .templates
                        .iter()
                        .any(|t| t.meta.uri == uri.as_str())
            }
        }
    }

    /// The snapshot requests read.
    fn offer(&self) -> Offer {
        let disabled = &self.disabled;
        Offer {
            all_tools: self.tools.select(|_| true),
            tools: self
                .tools
                .select(|tool| !disabled.tools.contains(&*tool.name)),
            all_catalog: self.catalog.select(|_| true, false),
            catalog: self.catalog.select(
                |item| {
                    let (resource, key) = catalog_key(item);
                    let set = if resource {
                        &disabled.resources
                    } else {
                        &disabled.prompts
                    };
                    !set.contains(key)
                },
                false,
            ),
            rules: self.rules.clone(),
        }
    }
}

/// The state behind every [`LiveCatalog`] of one server.
pub(crate) struct Live {
    current: ArcSwap<Offer>,
    registered: Mutex<Registered>,
    notifier: Notifier,
    lifespan: TypeId,
    lifespan_name: &'static str,
}

impl Live {
    /// The catalog of a server whose lifespan value is an `L`.
    pub(crate) fn new<L: 'static>(
        tools: ToolRegistry,
        catalog: Catalog,
        notifier: Notifier,
    ) -> Self {
        let registered = Registered {
            tools,
            catalog,
            disabled: ByKind::default(),
            rules: ByKind::default(),
        };
        Live {
            current: ArcSwap::from_pointee(registered.offer()),
            registered: Mutex::new(registered),
            notifier,
            lifespan: TypeId::of::<L>(),
            lifespan_name: std::any::type_name::<L>(),
        }
    }

    /// The snapshot now, for a moment (no reference count is touched):
    /// drop it before any await.
    pub(crate) fn offer(&self) -> Guard<Arc<Offer>> {
        self.current.load()
    }

    /// The snapshot now, to hold across awaits (one reference count).
    pub(crate) fn offer_owned(&self) -> Arc<Offer> {
        self.current.load_full()
    }

    /// Applies `edit` to the registered items, publishes the new snapshot
    /// and announces `change` (when `edit` says something changed).
    fn edit(
        &self,
        change: Change,
        edit: impl FnOnce(&mut Registered) -> Result<bool, LiveCatalogError>,
    ) -> Result<bool, LiveCatalogError> {
        let changed = {
            let mut registered = self.registered.lock().unwrap_or_else(|e| e.into_inner());
            let changed = edit(&mut registered)?;
            if changed {
                self.current.store(Arc::new(registered.offer()));
            }
            changed
        };
        if changed {
            self.notifier.announce(change);
        }
        Ok(changed)
    }

    fn check_lifespan<L: 'static>(&self, what: &'static str) -> Result<(), LiveCatalogError> {
        if TypeId::of::<L>() == self.lifespan {
            return Ok(());
        }
        Err(LiveCatalogError::WrongLifespan {
            what,
            list: std::any::type_name::<L>(),
            server: self.lifespan_name,
        })
    }
}

/// A handle on what a server offers while it runs ([`Server::catalog`]):
/// adds and removes tools, prompts, resources and resource templates,
/// enables and disables them, and shows them only to some callers. Cheap
/// to clone. Every change is announced at once (`list_changed` to
/// sessions and `subscriptions/listen` streams, and to the other nodes
/// through the change relay); a request already running keeps the
/// snapshot it started with.
///
/// `L` is the server's lifespan type: [`Server::catalog`] gives a handle
/// for `()`, and [`for_lifespan`](Self::for_lifespan) one for the
/// server's own type.
///
/// ```
/// use ferrymcp::prelude::*;
/// use ferrymcp::server::Item;
///
/// /// Adds two numbers.
/// #[tool]
/// async fn add(a: i64, b: i64) -> i64 { a + b }
///
/// /// Subtracts.
/// #[tool]
/// async fn sub(a: i64, b: i64) -> i64 { a - b }
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let server = Server::builder("calc").tools(tools![add]).build().await?;
/// let catalog = server.catalog();
/// catalog.add_tools(tools![sub])?;
/// catalog.disable(&Item::tool("add"))?;
/// // Only callers whose token carries the subject `alice` see `sub`.
/// catalog.visible_if(&Item::tool("sub"), |caller| {
///     caller.token().and_then(|t| t.subject()) == Some("alice")
/// })?;
/// # Ok(()) }
/// ```
///
/// [`Server::catalog`]: super::Server::catalog
pub struct LiveCatalog<L = ()> {
    live: Arc<Live>,
    _lifespan: PhantomData<fn() -> L>,
}

impl<L> Clone for LiveCatalog<L> {
    fn clone(&self) -> Self {
        LiveCatalog {
            live: Arc::clone(&self.live),
            _lifespan: PhantomData,
        }
    }
}

impl<L> std::fmt::Debug for LiveCatalog<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let offer = self.live.offer();
        f.debug_struct("LiveCatalog")
            .field("lifespan", &self.live.lifespan_name)
            .field(
                "tools",
                &offer
                    .tools
                    .all()
                    .iter()
                    .map(|t| &*t.name)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl LiveCatalog<()> {
    pub(crate) fn new(live: Arc<Live>) -> Self {
        LiveCatalog {
            live,
            _lifespan: PhantomData,
        }
    }
}

impl<L: 'static> LiveCatalog<L> {
    /// The same catalog, adding items for a server whose lifespan is a
    /// `T`; fails unless `T` is the server's lifespan type.
    pub fn for_lifespan<T: 'static>(&self) -> Result<LiveCatalog<T>, LiveCatalogError> {
        self.live.check_lifespan::<T>("items")?;
        Ok(LiveCatalog {
            live: Arc::clone(&self.live),
            _lifespan: PhantomData,
        })
    }

    /// Adds tools: `catalog.add_tools(tools![search])`. All or nothing: a
    /// name that clashes with a registered tool (or another in the list)
    /// or an invalid name adds none of them.
    pub fn add_tools(&self, tools: ToolList<L>) -> Result<(), LiveCatalogError> {
        self.live.check_lifespan::<L>("tools")?;
        let added = tools
            .tools
            .into_iter()
            .map(|tool| RegisteredTool::new(tool).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| LiveCatalogError::Invalid(e.to_string()))?;
        if added.is_empty() {
            return Ok(());
        }
        self.live.edit(Change::ToolsListChanged, |registered| {
            for (i, tool) in added.iter().enumerate() {
                let existing = registered
                    .tools
                    .get(&tool.name)
                    .or_else(|| added[..i].iter().find(|t| t.name == tool.name));
                if let Some(existing) = existing {
                    return Err(LiveCatalogError::Clash {
                        added: describe_tool(tool),
                        existing: describe_tool(existing),
                        key: "name",
                    });
                }
            }
            let all = registered.tools.all().iter().cloned().chain(added);
            registered.tools = ToolRegistry::from_registered(all);
            Ok(true)
        })?;
        Ok(())
    }

    /// Adds prompts: `catalog.add_prompts(prompts![review])`. All or
    /// nothing, as [`add_tools`](Self::add_tools).
    pub fn add_prompts(&self, prompts: PromptList<L>) -> Result<(), LiveCatalogError> {
        self.live.check_lifespan::<L>("prompts")?;
        if prompts.prompts.is_empty() {
            return Ok(());
        }
        self.live.edit(Change::PromptsListChanged, |registered| {
            let mut seen: Vec<crate::catalog::PromptMeta> = Vec::new();
            for prompt in &prompts.prompts {
                let meta = prompt.meta();
                let existing = registered
                    .catalog
                    .by_name
                    .get(meta.name)
                    .map(|&i| registered.catalog.prompts[i].meta)
                    .or_else(|| seen.iter().find(|p| p.name == meta.name).copied());
                if let Some(existing) = existing {
                    return Err(LiveCatalogError::Clash {
                        added: describe("prompt", meta.name, meta.title, meta.description),
                        existing: describe(
                            "prompt",
                            existing.name,
                            existing.title,
                            existing.description,
                        ),
                        key: "name",
                    });
                }
                seen.push(meta);
            }
            let mut catalog = registered.catalog.select(|_| true, false);
            catalog
                .add(Vec::new(), prompts.prompts)
                .map_err(|e| LiveCatalogError::Invalid(e.to_string()))?;
            registered.catalog = catalog;
            Ok(true)
        })?;
        Ok(())
    }

    /// Adds resources and resource templates:
    /// `catalog.add_resources(resources![readme, user_profile])`. All or
    /// nothing, as [`add_tools`](Self::add_tools); a URI (or URI template)
    /// that clashes names both resources.
    pub fn add_resources(&self, resources: ResourceList<L>) -> Result<(), LiveCatalogError> {
        self.live.check_lifespan::<L>("resources")?;
        if resources.resources.is_empty() {
            return Ok(());
        }
        self.live.edit(Change::ResourcesListChanged, |registered| {
            let mut seen: Vec<crate::catalog::ResourceMeta> = Vec::new();
            let catalog = &registered.catalog;
            for resource in &resources.resources {
                let meta = resource.meta();
                let existing = catalog
                    .by_uri
                    .get(meta.uri)
                    .map(|&i| catalog.resources[i].meta)
                    .or_else(|| {
                        let t = catalog.templates.iter().find(|t| t.meta.uri == meta.uri);
                        t.map(|t| t.meta)
                    })
                    .or_else(|| seen.iter().find(|r| r.uri == meta.uri).copied());
                if let Some(existing) = existing {
                    return Err(LiveCatalogError::Clash {
                        added: describe_resource(&meta),
                        existing: describe_resource(&existing),
                        key: "URI",
                    });
                }
                if catalog.skills.knows(meta.uri) {
                    return Err(LiveCatalogError::Clash {
                        added: describe_resource(&meta),
                        existing: format!("a file of a skill (`{}`)", meta.uri),
                        key: "URI",
                    });
                }
                seen.push(meta);
            }
            let mut catalog = catalog.select(|_| true, false);
            catalog
                .add(resources.resources, Vec::new())
                .map_err(|e| LiveCatalogError::Invalid(e.to_string()))?;
            registered.catalog = catalog;
            Ok(true)
        })?;
        Ok(())
    }
}

impl<L> LiveCatalog<L> {
    /// Removes an item. A request already running finishes with it; a
    /// queued task of a removed tool fails ("not registered"), since
    /// nothing may run a tool the server no longer has. To stop new calls
    /// but let queued tasks run, [`disable`](Self::disable) it instead.
    pub fn remove(&self, item: &Item) -> Result<(), LiveCatalogError> {
        self.live.edit(item.change(), |registered| {
            if !registered.has(item) {
                return Err(LiveCatalogError::Unknown(item.clone()));
            }
            registered.disabled.of_mut(item).remove(item.key());
            registered.rules.of_mut(item).remove(item.key());
            match item {
                Item::Tool(name) => {
                    registered.tools = registered.tools.select(|t| *t.name != **name);
                }
                Item::Prompt(name) => {
                    let keep = |i: CatalogItem<'_>| i != CatalogItem::Prompt(name);
                    registered.catalog = registered.catalog.select(keep, false);
                }
                Item::Resource(uri) => {
                    let keep = |i: CatalogItem<'_>| {
                        i != CatalogItem::Resource(uri) && i != CatalogItem::Template(uri)
                    };
                    registered.catalog = registered.catalog.select(keep, false);
                }
            }
            Ok(true)
        })?;
        Ok(())
    }

    /// Enables an item: it is listed and answers again. Returns whether it
    /// was disabled (enabling an enabled item changes and announces nothing).
    pub fn enable(&self, item: &Item) -> Result<bool, LiveCatalogError> {
        self.live.edit(item.change(), |registered| {
            if !registered.has(item) {
                return Err(LiveCatalogError::Unknown(item.clone()));
            }
            Ok(registered.disabled.of_mut(item).remove(item.key()))
        })
    }

    /// Disables an item: it is no longer listed, and a call, get or read of
    /// it answers exactly as for an unknown one. A task of a disabled tool
    /// created before still runs. Returns whether it was enabled.
    pub fn disable(&self, item: &Item) -> Result<bool, LiveCatalogError> {
        self.live.edit(item.change(), |registered| {
            if !registered.has(item) {
                return Err(LiveCatalogError::Unknown(item.clone()));
            }
            Ok(registered
                .disabled
                .of_mut(item)
                .insert(item.key().to_owned()))
        })
    }

    /// Whether the item is enabled; `None` when the server has no such item.
    pub fn is_enabled(&self, item: &Item) -> Option<bool> {
        let registered = self
            .live
            .registered
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let disabled = registered.disabled.of(item);
        registered.has(item).then(|| !disabled.contains(item.key()))
    }

    /// Shows an item only to the callers `rule` accepts (replacing any
    /// rule it had); to the others it is not listed and answers as an
    /// unknown one. Scopes (`#[tool(scopes = ..)]`) still apply on top. While
    /// any rule is set, the lists of its kind are `cacheScope: "private"`
    /// for 2026-07-28 clients. The rule runs on every list and call: keep it
    /// quick, and never block in it.
    pub fn visible_if<F>(&self, item: &Item, rule: F) -> Result<(), LiveCatalogError>
    where
        F: Fn(&Caller<'_>) -> bool + Send + Sync + 'static,
    {
        let rule: Rule = Arc::new(rule);
        self.live.edit(item.change(), |registered| {
            if !registered.has(item) {
                return Err(LiveCatalogError::Unknown(item.clone()));
            }
            let key = item.key().to_owned();
            registered.rules.of_mut(item).insert(key, rule);
            Ok(true)
        })?;
        Ok(())
    }

    /// Shows an item to every caller again (drops its rule). Returns
    /// whether it had one.
    pub fn show_to_all(&self, item: &Item) -> Result<bool, LiveCatalogError> {
        self.live.edit(item.change(), |registered| {
            if !registered.has(item) {
                return Err(LiveCatalogError::Unknown(item.clone()));
            }
            Ok(registered.rules.of_mut(item).remove(item.key()).is_some())
        })
    }

    /// The names of the registered tools (enabled or not), in order.
    pub fn tool_names(&self) -> Vec<&'static str> {
        let offer = self.live.offer();
        offer.all_tools.all().iter().map(|t| t.meta.name).collect()
    }
}

/// `tool `name` ("title or description")`.
fn describe_tool(tool: &RegisteredTool) -> String {
    describe(
        "tool",
        tool.meta.name,
        tool.meta.title,
        tool.meta.description,
    )
}

fn describe_resource(meta: &crate::catalog::ResourceMeta) -> String {
    let what = describe("resource", meta.name, meta.title, meta.description);
    format!("{what} at `{}`", meta.uri)
}

/// An item named, with its title or the first line of its description.
fn describe(kind: &str, name: &str, title: Option<&str>, description: Option<&str>) -> String {
    let about = title.or_else(|| description.and_then(|d| d.lines().next()));
    match about.map(str::trim).filter(|a| !a.is_empty()) {
        Some(about) => format!("{kind} `{name}` (\"{about}\")"),
        None => format!("{kind} `{name}`"),
    }
}
