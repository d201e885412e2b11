//! Composition: serving another, already built server's tools, prompts,
//! resources and resource templates under a prefix
//! ([`ServerBuilder::mount`](super::ServerBuilder::mount)).
//!
//! Each mounted item is wrapped once, at build, in a type that answers with
//! the prefixed name (or URI) and, before it runs the item, puts the mounted
//! server's lifespan value into the call's scope. Inline calls and task
//! workers both call the registered wrapper, so a mounted task tool sees its
//! own server's lifespan in the worker too, with the caller's token and the
//! carried values restored from the snapshot as for any other tool.
//!
//! Names: tool `prefix_tool`, prompt `prefix_prompt`. URIs: `scheme://rest`
//! becomes `scheme://prefix/rest` (a URI without `://` becomes
//! `prefix+uri`), for resources and templates alike.

use super::{Server, ShutdownHook};
use crate::call::CallScope;
use crate::catalog::{
    Completion, CompletionContext, DynPrompt, DynResource, ErasedPrompt, ErasedResource,
    PromptArguments, PromptMeta, PromptOutput, ReadOutput, ResourceMeta, ResourceRequest,
};
use crate::error::BuildError;
use crate::task::Carried;
use crate::tool::{ArgMap, DynTool, ErasedTool, OutputSchema, ToolMeta, ToolOutput};
use futures::future::BoxFuture;
use futures::FutureExt;
use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

type AnyLifespan = Arc<dyn Any + Send + Sync>;

/// One server mounted at a prefix, as the builder collected it.
pub(crate) struct Mount {
    pub(crate) prefix: String,
    pub(crate) server: Server,
}

/// What the parent's items are, for the clash messages.
enum Origin {
    Parent,
    Mounted(String),
}

impl Origin {
    fn describe(&self, kind: &str, name: &str) -> String {
        match self {
            Origin::Parent => format!("the parent's {kind} `{name}`"),
            Origin::Mounted(prefix) => {
                format!("{kind} `{name}` of the server mounted at `{prefix}`")
            }
        }
    }
}

/// Names (or URIs) of one kind already taken, and by whom.
struct Taken {
    kind: &'static str,
    by: HashMap<String, Origin>,
}

impl Taken {
    fn new<'a>(kind: &'static str, parent: impl IntoIterator<Item = &'a str>) -> Self {
        Taken {
            kind,
            by: parent
                .into_iter()
                .map(|name| (name.to_owned(), Origin::Parent))
                .collect(),
        }
    }

    fn claim(&mut self, name: &str, prefix: &str) -> Result<(), BuildError> {
        if let Some(other) = self.by.get(name) {
            return Err(BuildError::MountClash {
                kind: self.kind,
                name: name.to_owned(),
                prefix: prefix.to_owned(),
                other: other.describe(self.kind, name),
            });
        }
        self.by
            .insert(name.to_owned(), Origin::Mounted(prefix.to_owned()));
        Ok(())
    }
}

/// Adds the items of every mounted server, wrapped, to the parent's lists,
/// and their carried types to the parent's; returns the mounted servers
/// (shut down with the parent). Fails on an invalid prefix or a clash.
pub(crate) fn mount_all(
    mounts: Vec<Mount>,
    tools: &mut Vec<DynTool>,
    resources: &mut Vec<DynResource>,
    prompts: &mut Vec<DynPrompt>,
    carried: &mut Carried,
) -> Result<Vec<Server>, BuildError> {
    if mounts.is_empty() {
        return Ok(Vec::new());
    }
    let parent_tools: Vec<ToolMeta> = tools.iter().map(|t| t.meta()).collect();
    let parent_prompts: Vec<PromptMeta> = prompts.iter().map(|p| p.meta()).collect();
    let parent_resources: Vec<ResourceMeta> = resources.iter().map(|r| r.meta()).collect();
    let mut tool_names = Taken::new("tool", parent_tools.iter().map(|m| m.name));
    let mut prompt_names = Taken::new("prompt", parent_prompts.iter().map(|m| m.name));
    let mut uris = Taken::new("resource", parent_resources.iter().map(|m| m.uri));
    let mut servers = Vec::with_capacity(mounts.len());
    for Mount { prefix, server } in mounts {
        if !valid_prefix(&prefix) {
            return Err(BuildError::InvalidMountPrefix(prefix));
        }
        let inner = &server.inner;
        let lifespan = Arc::clone(&inner.lifespan);
        // What the mounted server serves now (its enabled items).
        let offer = server.offer_owned();
        for registered in offer.tools.all() {
            let name = format!("{prefix}_{}", registered.name);
            tool_names.claim(&name, &prefix)?;
            tools.push(Arc::new(MountedTool {
                inner: Arc::clone(&registered.tool),
                name: intern(name),
                lifespan: Arc::clone(&lifespan),
            }));
        }
        for registered in &offer.catalog.prompts {
            let name = format!("{prefix}_{}", registered.meta.name);
            prompt_names.claim(&name, &prefix)?;
            prompts.push(Arc::new(MountedPrompt {
                inner: Arc::clone(&registered.prompt),
                name: intern(name),
                lifespan: Arc::clone(&lifespan),
            }));
        }
        let fixed = offer
            .catalog
            .resources
            .iter()
            .map(|r| (&r.resource, r.meta));
        let templates = offer
            .catalog
            .templates
            .iter()
            .map(|t| (&t.resource, t.meta));
        for (resource, meta) in fixed.chain(templates) {
            let uri = prefixed_uri(&prefix, meta.uri);
            uris.claim(&uri, &prefix)?;
            resources.push(Arc::new(MountedResource {
                inner: Arc::clone(resource),
                uri: intern(uri),
                lifespan: Arc::clone(&lifespan),
            }));
        }
        carried.merge(&inner.carried);
        servers.push(server);
    }
    Ok(servers)
}

/// The parent's shutdown hook followed by the mounted servers' shutdowns.
pub(crate) fn with_mounted(
    hook: Option<ShutdownHook>,
    servers: Vec<Server>,
) -> Option<ShutdownHook> {
    if servers.is_empty() {
        return hook;
    }
    Some(Box::new(move || {
        async move {
            if let Some(hook) = hook {
                hook().await;
            }
            for server in servers {
                server.shutdown().await;
            }
        }
        .boxed()
    }))
}

/// A prefix is what a tool name may hold (letters, digits, `_`, `-`, `.`),
/// at most 64 characters, so that it is also one URI path segment.
fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.len() <= 64
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && prefix != "."
        && prefix != ".."
}

/// `scheme://rest` as `scheme://prefix/rest`; a URI without `://` as
/// `prefix+uri`.
fn prefixed_uri(prefix: &str, uri: &str) -> String {
    match uri.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{prefix}/{rest}"),
        None => format!("{prefix}+{uri}"),
    }
}

/// The names and URIs of mounted items live as long as the process (the
/// metadata types hold `&'static str`); each distinct one is kept once, so
/// building the same composition again allocates nothing more.
fn intern(text: String) -> &'static str {
    static INTERNED: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = INTERNED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(&known) = set.get(text.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(text.into_boxed_str());
    set.insert(leaked);
    leaked
}

/// The scope with the mounted server's lifespan value in place of the parent's.
fn with_lifespan(mut scope: CallScope, lifespan: &AnyLifespan) -> CallScope {
    scope.lifespan = Arc::clone(lifespan);
    scope
}

fn context_with_lifespan(context: CompletionContext, lifespan: &AnyLifespan) -> CompletionContext {
    let scope = with_lifespan(context.scope().clone(), lifespan);
    CompletionContext::new(context.arguments().clone(), scope)
}

/// A mounted server's tool, renamed, run with its own server's lifespan.
struct MountedTool {
    inner: DynTool,
    name: &'static str,
    lifespan: AnyLifespan,
}

impl ErasedTool for MountedTool {
    fn meta(&self) -> ToolMeta {
        ToolMeta {
            name: self.name,
            ..self.inner.meta()
        }
    }
    fn input_schema(&self) -> serde_json::Value {
        self.inner.input_schema()
    }
    fn output_schema(&self) -> Option<OutputSchema> {
        self.inner.output_schema()
    }
    fn call(&self, scope: CallScope, args: ArgMap) -> BoxFuture<'static, ToolOutput> {
        self.inner.call(with_lifespan(scope, &self.lifespan), args)
    }
    fn check_arguments(&self, args: &ArgMap) -> Result<(), String> {
        self.inner.check_arguments(args)
    }
}

/// A mounted server's prompt, renamed, got with its own server's lifespan.
struct MountedPrompt {
    inner: DynPrompt,
    name: &'static str,
    lifespan: AnyLifespan,
}

impl ErasedPrompt for MountedPrompt {
    fn meta(&self) -> PromptMeta {
        PromptMeta {
            name: self.name,
            ..self.inner.meta()
        }
    }
    fn get(
        &self,
        scope: CallScope,
        arguments: PromptArguments,
    ) -> BoxFuture<'static, PromptOutput> {
        self.inner
            .get(with_lifespan(scope, &self.lifespan), arguments)
    }
    fn complete(
        &self,
        argument: &str,
        value: String,
        context: CompletionContext,
    ) -> Option<BoxFuture<'static, Completion>> {
        let context = context_with_lifespan(context, &self.lifespan);
        self.inner.complete(argument, value, context)
    }
}

/// A mounted server's resource or template, at its prefixed URI, read with
/// its own server's lifespan. A template's placeholders keep their names, so
/// the values the parent matched on the prefixed URI are the ones it expects.
struct MountedResource {
    inner: DynResource,
    uri: &'static str,
    lifespan: AnyLifespan,
}

impl ErasedResource for MountedResource {
    fn meta(&self) -> ResourceMeta {
        ResourceMeta {
            uri: self.uri,
            ..self.inner.meta()
        }
    }
    fn read(&self, scope: CallScope, request: ResourceRequest) -> BoxFuture<'static, ReadOutput> {
        self.inner
            .read(with_lifespan(scope, &self.lifespan), request)
    }
    fn complete(
        &self,
        placeholder: &str,
        value: String,
        context: CompletionContext,
    ) -> Option<BoxFuture<'static, Completion>> {
        let context = context_with_lifespan(context, &self.lifespan);
        self.inner.complete(placeholder, value, context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_keep_their_scheme_and_gain_the_prefix() {
        assert_eq!(prefixed_uri("math", "docs://readme"), "docs://math/readme");
        assert_eq!(
            prefixed_uri("math", "users://{id}/avatar.png"),
            "users://math/{id}/avatar.png"
        );
        assert_eq!(prefixed_uri("math", "urn:x:1"), "math+urn:x:1");
    }

    #[test]
    fn prefixes_are_tool_name_characters() {
        assert!(valid_prefix("math"));
        assert!(valid_prefix("a-b.c_1"));
        for bad in ["", "a/b", "a b", "{x}", "..", "é", &"x".repeat(65)] {
            assert!(!valid_prefix(bad), "{bad:?}");
        }
    }

    #[test]
    fn interned_names_are_kept_once() {
        let a = intern("mount_test_name".to_owned());
        let b = intern("mount_test_name".to_owned());
        assert!(std::ptr::eq(a, b));
    }
}
