//! Resources and resource templates: what `#[resource]` generates.

use super::completion::{Completion, CompletionContext};
use super::content::{Blob, ResourceContents};
use super::error::CatalogError;
use crate::call::CallScope;
use futures::future::BoxFuture;
use std::marker::PhantomData;
use std::sync::Arc;

/// The static facts of a resource or resource template, as written in its
/// `#[resource]` attribute and doc comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceMeta {
    /// The URI, or the URI template when it has `{placeholders}`.
    pub uri: &'static str,
    /// The name (the function's name unless set).
    pub name: &'static str,
    /// A human-readable title.
    pub title: Option<&'static str>,
    /// The description (from the doc comment unless set).
    pub description: Option<&'static str>,
    /// The MIME type of what a read returns.
    pub mime_type: Option<&'static str>,
    /// The placeholders that have a completion function.
    pub completions: &'static [&'static str],
}

/// One `resources/read` of a resource: the URI asked for and, for a template,
/// the values of its placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRequest {
    uri: String,
    values: Vec<(String, String)>,
}

impl ResourceRequest {
    /// A request for `uri` with these placeholder values (percent-decoded).
    pub fn new(uri: impl Into<String>, values: Vec<(String, String)>) -> Self {
        ResourceRequest {
            uri: uri.into(),
            values,
        }
    }

    /// The URI asked for.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The value of a placeholder.
    pub fn value(&self, placeholder: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(name, _)| name == placeholder)
            .map(|(_, value)| value.as_str())
    }
}

/// What reading a resource produced.
pub type ReadOutput = Result<Vec<ResourceContents>, CatalogError>;

/// A resource (or resource template) that can be read on a server whose
/// lifespan value is an `L`.
///
/// Implemented by the type `#[resource]` generates; you rarely implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a resource that can be read on a server whose lifespan is `{L}`",
    label = "not a resource for this server",
    note = "register functions annotated with `#[ferrymcp::resource]`, by name: `resources![readme, user_profile]`"
)]
pub trait ResourceFn<L>: Send + Sync + 'static {
    /// URI, name, description and MIME type.
    fn meta(&self) -> ResourceMeta;
    /// Reads the resource: parses placeholders, injects parameters, calls the function.
    fn read(&self, scope: CallScope, request: ResourceRequest) -> BoxFuture<'static, ReadOutput>;
    /// Completes a placeholder; `None` when it has no completion function.
    fn complete(
        &self,
        placeholder: &str,
        value: String,
        context: CompletionContext,
    ) -> Option<BoxFuture<'static, Completion>> {
        let _ = (placeholder, value, context);
        None
    }
}

pub(crate) type DynResource = Arc<dyn ErasedResource>;

pub(crate) trait ErasedResource: Send + Sync + 'static {
    fn meta(&self) -> ResourceMeta;
    fn read(&self, scope: CallScope, request: ResourceRequest) -> BoxFuture<'static, ReadOutput>;
    fn complete(
        &self,
        placeholder: &str,
        value: String,
        context: CompletionContext,
    ) -> Option<BoxFuture<'static, Completion>>;
}

struct Erased<T, L>(T, PhantomData<fn() -> L>);

impl<T: ResourceFn<L>, L: 'static> ErasedResource for Erased<T, L> {
    fn meta(&self) -> ResourceMeta {
        self.0.meta()
    }
    fn read(&self, scope: CallScope, request: ResourceRequest) -> BoxFuture<'static, ReadOutput> {
        self.0.read(scope, request)
    }
    fn complete(
        &self,
        placeholder: &str,
        value: String,
        context: CompletionContext,
    ) -> Option<BoxFuture<'static, Completion>> {
        self.0.complete(placeholder, value, context)
    }
}

/// Resources and templates for a server whose lifespan value is an `L`;
/// build it with `resources![..]`.
pub struct ResourceList<L> {
    pub(crate) resources: Vec<DynResource>,
    _lifespan: PhantomData<fn() -> L>,
}

impl<L: 'static> ResourceList<L> {
    /// An empty list.
    pub fn new() -> Self {
        ResourceList {
            resources: Vec::new(),
            _lifespan: PhantomData,
        }
    }

    /// Adds a resource (what `resources![..]` expands to).
    pub fn with<T: ResourceFn<L>>(mut self, resource: T) -> Self {
        self.resources.push(Arc::new(Erased(resource, PhantomData)));
        self
    }

    /// The number of resources and templates.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }
}

impl<L: 'static> Default for ResourceList<L> {
    fn default() -> Self {
        Self::new()
    }
}

/// What a `#[resource]` function may return (inside `Result<_, E>` or not).
///
/// Text and bytes get the URI that was read and the resource's MIME type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a resource",
    label = "not resource contents",
    note = "return `String` (text), `Blob` or `Vec<u8>` (binary), `ResourceContents`, or `Vec<ResourceContents>`; wrap any of them in `Result<_, E>` with `E: Display`"
)]
pub trait IntoResourceContents {
    /// The contents, for a read of `uri`.
    fn into_contents(self, uri: &str) -> Vec<ResourceContents>;
}

impl IntoResourceContents for String {
    fn into_contents(self, uri: &str) -> Vec<ResourceContents> {
        vec![ResourceContents::text(uri, self)]
    }
}

impl IntoResourceContents for &'static str {
    fn into_contents(self, uri: &str) -> Vec<ResourceContents> {
        vec![ResourceContents::text(uri, self)]
    }
}

impl IntoResourceContents for Blob {
    fn into_contents(self, uri: &str) -> Vec<ResourceContents> {
        vec![ResourceContents::from_blob(uri, self)]
    }
}

impl IntoResourceContents for Vec<u8> {
    fn into_contents(self, uri: &str) -> Vec<ResourceContents> {
        vec![ResourceContents::blob(uri, self)]
    }
}

impl IntoResourceContents for &'static [u8] {
    fn into_contents(self, uri: &str) -> Vec<ResourceContents> {
        vec![ResourceContents::blob(uri, self)]
    }
}

impl IntoResourceContents for ResourceContents {
    fn into_contents(self, _: &str) -> Vec<ResourceContents> {
        vec![self]
    }
}

impl IntoResourceContents for Vec<ResourceContents> {
    fn into_contents(self, _: &str) -> Vec<ResourceContents> {
        self
    }
}
