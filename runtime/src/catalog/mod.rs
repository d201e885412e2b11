//! Resources, resource templates, prompts and completion.
//!
//! `#[resource(uri = "...")]` and `#[prompt]` leave the function as it is and
//! add a hidden type that implements [`ResourceFn`] or [`PromptFn`] for every
//! server lifespan `L` its injected parameters accept, exactly like `#[tool]`.
//! `resources![a, b]` and `prompts![p, q]` collect them into a
//! [`ResourceList<L>`] and a [`PromptList<L>`]; a [`Catalog`] holds both and
//! answers the MCP methods (`resources/list`, `resources/templates/list`,
//! `resources/read`, `resources/subscribe`, `resources/unsubscribe`,
//! `prompts/list`, `prompts/get`, `completion/complete`).
//!
//! A URI with `{placeholders}` makes a resource template: every placeholder
//! is a parameter of the function (any `FromStr` type), checked at compile
//! time. A prompt's arguments are its parameters (`String`, `Option<String>`
//! or any `FromStr` type; doc comments become their descriptions). Both take
//! injected parameters (`Ctx`, `Lifespan<T>`, `Extension<T>`, `Headers`,
//! `AccessToken`, `#[inject]`) as tools do, and `complete(name = function)`
//! attaches a completion function to an argument or placeholder.
//!
//! On a `&self` method of a non-generic `impl` block, `#[resource]` and
//! `#[prompt]` add a hidden associated function instead of a type, and
//! `resources![state => Type::method]` / `prompts![state => Type::method]`
//! bind it to the instance (a value or an `Arc`), which every read and get
//! shares; free functions and methods mix in one list:
//! `resources![readme; docs => Docs::page]`.
//!
//! Skills (the `io.modelcontextprotocol/skills` extension) are catalog
//! content too: a [`Skill`] is a `SKILL.md` and its files, served as
//! `skill://` resources and through `skills/list`, `skills/get` and
//! `resources/directory/read`.
//!
//! ```
//! use ferrymcp::catalog::{Blob, Catalog, CatalogError, Completion, PromptMessage};
//! use ferrymcp::{prompt, prompts, resource, resources, Content};
//!
//! /// The project's README.
//! #[resource(uri = "docs://readme", mime_type = "text/markdown")]
//! async fn readme() -> String {
//!     "# Hello".into()
//! }
//!
//! /// A user's avatar.
//! #[resource(uri = "users://{id}/avatar.png", mime_type = "image/png", complete(id = user_ids))]
//! async fn avatar(id: u32) -> Result<Blob, CatalogError> {
//!     if id == 1 { Ok(Blob::new([0x89, b'P', b'N', b'G'])) } else { Err(CatalogError::not_found()) }
//! }
//!
//! async fn user_ids(value: String) -> Completion {
//!     Completion::matching(&value, ["1", "2", "10"])
//! }
//!
//! /// Reviews a piece of code.
//! #[prompt(complete(language = languages))]
//! async fn review(
//!     /// The code to review.
//!     code: String,
//!     /// Its language, if known.
//!     language: Option<String>,
//! ) -> Vec<PromptMessage> {
//!     let language = language.unwrap_or_else(|| "code".into());
//!     vec![PromptMessage::user(Content::text(format!("Review this {language}:\n{code}")))]
//! }
//!
//! async fn languages(value: String) -> Vec<String> {
//!     Completion::matching(&value, ["rust", "python"]).values().to_vec()
//! }
//!
//! // A server's builder fixes the lifespan type; on its own, a catalog names it.
//! let catalog = Catalog::new::<()>(resources![readme, avatar], prompts![review]).unwrap();
//! assert_eq!(catalog.resource_count(), 1);
//! assert_eq!(catalog.template_count(), 1);
//! assert_eq!(catalog.prompt_count(), 1);
//! ```

mod completion;
mod content;
mod error;
mod handlers;
mod method;
mod prompt;
mod resource;
mod skills;
mod subscriptions;
pub(crate) mod template;

pub use crate::error::CatalogBuildError;
pub use crate::protocol::Role;
pub use completion::{
    CompleteFn, Completion, CompletionContext, IntoCompletion, MAX_COMPLETION_VALUES,
};
pub use content::{encode_base64, Blob, InvalidBase64, ResourceContents};
pub use error::CatalogError;
#[allow(deprecated)]
pub use handlers::CallParts;
pub use prompt::{
    GetPromptResult, IntoPromptResult, PromptArgumentMeta, PromptArguments, PromptFn, PromptList,
    PromptMessage, PromptMeta, PromptOutput,
};
pub use resource::{
    IntoResourceContents, ReadOutput, ResourceFn, ResourceList, ResourceMeta, ResourceRequest,
};
pub(crate) use skills::SkillSources;
pub use skills::{Skill, SkillError, SkillProblem, SKILLS_EXTENSION};
pub use subscriptions::{resource_updated, Subscriptions, MAX_SUBSCRIPTIONS};

// Public (hidden) rather than `pub(crate)`: the compiler names the items of
// a crate-private module by a path no user can write (`catalog::wrapper::..`)
// in the diagnostics of generated code; the macros reach it through
// `__private_v0_1_0::catalog`.
#[doc(hidden)]
pub mod wrapper;

use crate::protocol::messages::{
    self, CacheScope, PromptArgumentDefinition, PromptDefinition, ResourceDefinition,
};
pub(crate) use prompt::{DynPrompt, ErasedPrompt};
pub(crate) use resource::{DynResource, ErasedResource};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use template::UriTemplate;

/// A resource with a fixed URI, its definition serialized once.
pub(crate) struct RegisteredResource {
    pub(crate) resource: DynResource,
    pub(crate) meta: ResourceMeta,
    pub(crate) definition: Value,
}

/// A resource template, parsed once.
pub(crate) struct RegisteredTemplate {
    pub(crate) resource: DynResource,
    pub(crate) meta: ResourceMeta,
    pub(crate) template: UriTemplate,
    pub(crate) definition: Value,
}

/// A prompt, its definition serialized once.
pub(crate) struct RegisteredPrompt {
    pub(crate) prompt: DynPrompt,
    pub(crate) meta: PromptMeta,
    pub(crate) definition: Value,
}

/// A server's resources, resource templates and prompts, with the handlers of
/// their MCP methods.
///
/// Built once (definitions are serialized here) and shared by every session;
/// the per-session state (subscriptions) lives in [`Subscriptions`], and each
/// call that runs user code receives its [`CallScope`](crate::CallScope).
pub struct Catalog {
    pub(crate) resources: Vec<Arc<RegisteredResource>>,
    pub(crate) by_uri: HashMap<&'static str, usize>,
    pub(crate) templates: Vec<Arc<RegisteredTemplate>>,
    pub(crate) prompts: Vec<Arc<RegisteredPrompt>>,
    pub(crate) by_name: HashMap<&'static str, usize>,
    pub(crate) skills: Arc<skills::Skills>,
    pub(crate) page_size: usize,
    /// Whether this catalog was chosen for one caller (a visibility rule
    /// hid some of the server's items): its lists are then `private` to
    /// 2026-07-28 caches.
    pub(crate) per_caller: bool,
}

/// One item of a catalog, as [`Catalog::select`] asks about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CatalogItem<'a> {
    /// A resource with a fixed URI.
    Resource(&'a str),
    /// A resource template, by its URI template.
    Template(&'a str),
    /// A prompt, by name.
    Prompt(&'a str),
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog {
            resources: Vec::new(),
            by_uri: HashMap::new(),
            templates: Vec::new(),
            prompts: Vec::new(),
            by_name: HashMap::new(),
            skills: Arc::default(),
            page_size: 100,
            per_caller: false,
        }
    }
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field(
                "resources",
                &self
                    .resources
                    .iter()
                    .map(|r| r.meta.uri)
                    .collect::<Vec<_>>(),
            )
            .field(
                "templates",
                &self
                    .templates
                    .iter()
                    .map(|t| t.meta.uri)
                    .collect::<Vec<_>>(),
            )
            .field(
                "prompts",
                &self.prompts.iter().map(|p| p.meta.name).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Catalog {
    /// A catalog of these resources and prompts for a server whose lifespan
    /// value is an `L`: `Catalog::new::<()>(resources![..], prompts![..])`.
    pub fn new<L: 'static>(
        resources: ResourceList<L>,
        prompts: PromptList<L>,
    ) -> Result<Catalog, CatalogBuildError> {
        Self::build(resources.resources, prompts.prompts)
    }

    /// How many items one list page holds (default 100, at least 1).
    pub fn with_page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// Adds skills (see [`Skill`]): checks each one, and that no resource
    /// has the URI of a skill's file.
    pub fn with_skills(
        mut self,
        skills: impl IntoIterator<Item = Skill>,
    ) -> Result<Catalog, CatalogBuildError> {
        let skills = skills::Skills::build(skills.into_iter().collect())?;
        if let Some(uri) = skills.file_uris().find(|uri| self.by_uri.contains_key(uri)) {
            return Err(CatalogBuildError::DuplicateResource(uri.to_owned()));
        }
        self.skills = Arc::new(skills);
        Ok(self)
    }

    /// Builds from type-erased lists (what `ServerBuilder` collected).
    pub(crate) fn build(
        resources: Vec<DynResource>,
        prompts: Vec<DynPrompt>,
    ) -> Result<Catalog, CatalogBuildError> {
        let mut catalog = Catalog::default();
        catalog.add(resources, prompts)?;
        Ok(catalog)
    }

    /// Registers more resources and prompts (their definitions serialized
    /// here, once); on an error the catalog may hold part of them, so a
    /// caller that must not change on failure adds to a copy
    /// ([`select`](Self::select)).
    pub(crate) fn add(
        &mut self,
        resources: Vec<DynResource>,
        prompts: Vec<DynPrompt>,
    ) -> Result<(), CatalogBuildError> {
        let catalog = self;
        for resource in resources {
            let meta = resource.meta();
            let template = UriTemplate::parse(meta.uri)
                .map_err(|e| CatalogBuildError::InvalidTemplate(e.to_string()))?;
            match template {
                None => {
                    if catalog.by_uri.contains_key(meta.uri) {
                        return Err(CatalogBuildError::DuplicateResource(meta.uri.into()));
                    }
                    catalog.by_uri.insert(meta.uri, catalog.resources.len());
                    catalog.resources.push(Arc::new(RegisteredResource {
                        definition: resource_definition(&meta, false),
                        resource,
                        meta,
                    }));
                }
                Some(template) => {
                    if catalog.templates.iter().any(|t| t.meta.uri == meta.uri) {
                        return Err(CatalogBuildError::DuplicateTemplate(meta.uri.into()));
                    }
                    catalog.templates.push(Arc::new(RegisteredTemplate {
                        definition: resource_definition(&meta, true),
                        resource,
                        meta,
                        template,
                    }));
                }
            }
        }
        for prompt in prompts {
            let meta = prompt.meta();
            if catalog.by_name.contains_key(meta.name) {
                return Err(CatalogBuildError::DuplicatePrompt(meta.name.into()));
            }
            catalog.by_name.insert(meta.name, catalog.prompts.len());
            catalog.prompts.push(Arc::new(RegisteredPrompt {
                definition: prompt_definition(&meta),
                prompt,
                meta,
            }));
        }
        Ok(())
    }

    /// The items `keep` keeps, in order, sharing their definitions (nothing
    /// is serialized again); the skills are kept whole. `per_caller` marks
    /// a catalog chosen for one caller, whose lists are `private`.
    pub(crate) fn select(
        &self,
        keep: impl Fn(CatalogItem<'_>) -> bool,
        per_caller: bool,
    ) -> Catalog {
        let resources: Vec<_> = self
            .resources
            .iter()
            .filter(|r| keep(CatalogItem::Resource(r.meta.uri)))
            .cloned()
            .collect();
        let prompts: Vec<_> = self
            .prompts
            .iter()
            .filter(|p| keep(CatalogItem::Prompt(p.meta.name)))
            .cloned()
            .collect();
        Catalog {
            by_uri: resources
                .iter()
                .enumerate()
                .map(|(i, r)| (r.meta.uri, i))
                .collect(),
            by_name: prompts
                .iter()
                .enumerate()
                .map(|(i, p)| (p.meta.name, i))
                .collect(),
            resources,
            prompts,
            templates: self
                .templates
                .iter()
                .filter(|t| keep(CatalogItem::Template(t.meta.uri)))
                .cloned()
                .collect(),
            skills: Arc::clone(&self.skills),
            page_size: self.page_size,
            per_caller,
        }
    }

    /// `cacheScope` of this catalog's lists (2026-07-28): `public` unless
    /// the catalog was chosen for one caller.
    pub(crate) fn list_cache_scope(&self) -> CacheScope {
        if self.per_caller {
            CacheScope::Private
        } else {
            CacheScope::Public
        }
    }

    /// How many resources with a fixed URI there are.
    pub fn resource_count(&self) -> usize {
        self.resources.len()
    }

    /// How many resource templates there are.
    pub fn template_count(&self) -> usize {
        self.templates.len()
    }

    /// How many prompts there are.
    pub fn prompt_count(&self) -> usize {
        self.prompts.len()
    }

    /// Whether the catalog has no resources, prompts or skills.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
            && self.templates.is_empty()
            && self.prompts.is_empty()
            && self.skills.is_empty()
    }

    /// Whether the server has resources, resource templates or skills (whose
    /// files are resources).
    pub fn offers_resources(&self) -> bool {
        !self.resources.is_empty() || !self.templates.is_empty() || !self.skills.is_empty()
    }
}

/// The `Resource` / `ResourceTemplate` object.
fn resource_definition(meta: &ResourceMeta, template: bool) -> Value {
    messages::to_value(&ResourceDefinition {
        uri: (!template).then_some(meta.uri),
        uri_template: template.then_some(meta.uri),
        name: meta.name,
        title: meta.title,
        description: meta.description,
        mime_type: meta.mime_type,
    })
}

/// The `Prompt` object.
fn prompt_definition(meta: &PromptMeta) -> Value {
    messages::to_value(&PromptDefinition {
        name: meta.name,
        title: meta.title,
        description: meta.description,
        arguments: meta
            .arguments
            .iter()
            .map(|a| PromptArgumentDefinition {
                name: a.name,
                description: a.description,
                required: a.required,
            })
            .collect(),
    })
}
