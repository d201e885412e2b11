//! Resources and prompts on methods: `#[resource]` and `#[prompt]` on a
//! `&self` method of an `impl` block.
//!
//! As for a `#[tool]` method, the macro adds a hidden associated function
//! next to the method that returns a [`MethodResource`] or a
//! [`MethodPrompt`]: the instance, shared by every read or get, and the
//! item's parts as plain function pointers. `resources![state =>
//! Type::method, ..]` and `prompts![state => Type::method, ..]` call it with
//! the instance.

use super::completion::{Completion, CompletionContext};
use super::prompt::{PromptArguments, PromptFn, PromptMeta, PromptOutput};
use super::resource::{ReadOutput, ResourceFn, ResourceMeta, ResourceRequest};
use crate::call::CallScope;
use futures::future::BoxFuture;
use std::marker::PhantomData;
use std::sync::Arc;

/// The completion of a method item: an argument or placeholder name, the
/// value typed so far and the context, to the completion function's future
/// (`None` when that argument has no completion function).
pub type MethodComplete =
    fn(&str, String, CompletionContext) -> Option<BoxFuture<'static, Completion>>;

/// The completion of a method item without completion functions.
pub fn no_completion(
    _: &str,
    _: String,
    _: CompletionContext,
) -> Option<BoxFuture<'static, Completion>> {
    None
}

/// A `#[resource]` method bound to its instance, for a server whose lifespan
/// value is an `L`. Built by the code `#[resource]` generates.
pub struct MethodResource<S: ?Sized, L> {
    state: Arc<S>,
    meta: ResourceMeta,
    read: fn(Arc<S>, CallScope, ResourceRequest) -> BoxFuture<'static, ReadOutput>,
    complete: MethodComplete,
    _lifespan: PhantomData<fn() -> L>,
}

impl<S: ?Sized, L> MethodResource<S, L> {
    /// The resource of the method whose parts these are, on `state`.
    pub fn new(
        state: Arc<S>,
        meta: ResourceMeta,
        read: fn(Arc<S>, CallScope, ResourceRequest) -> BoxFuture<'static, ReadOutput>,
        complete: MethodComplete,
    ) -> Self {
        MethodResource {
            state,
            meta,
            read,
            complete,
            _lifespan: PhantomData,
        }
    }
}

impl<S: ?Sized + Send + Sync + 'static, L: 'static> ResourceFn<L> for MethodResource<S, L> {
    fn meta(&self) -> ResourceMeta {
        self.meta
    }
    fn read(&self, scope: CallScope, request: ResourceRequest) -> BoxFuture<'static, ReadOutput> {
        (self.read)(Arc::clone(&self.state), scope, request)
    }
    fn complete(
        &self,
        placeholder: &str,
        value: String,
        context: CompletionContext,
    ) -> Option<BoxFuture<'static, Completion>> {
        (self.complete)(placeholder, value, context)
    }
}

/// A `#[prompt]` method bound to its instance, for a server whose lifespan
/// value is an `L`. Built by the code `#[prompt]` generates.
pub struct MethodPrompt<S: ?Sized, L> {
    state: Arc<S>,
    meta: PromptMeta,
    get: fn(Arc<S>, CallScope, PromptArguments) -> BoxFuture<'static, PromptOutput>,
    complete: MethodComplete,
    _lifespan: PhantomData<fn() -> L>,
}

impl<S: ?Sized, L> MethodPrompt<S, L> {
    /// The prompt of the method whose parts these are, on `state`.
    pub fn new(
        state: Arc<S>,
        meta: PromptMeta,
        get: fn(Arc<S>, CallScope, PromptArguments) -> BoxFuture<'static, PromptOutput>,
        complete: MethodComplete,
    ) -> Self {
        MethodPrompt {
            state,
            meta,
            get,
            complete,
            _lifespan: PhantomData,
        }
    }
}

impl<S: ?Sized + Send + Sync + 'static, L: 'static> PromptFn<L> for MethodPrompt<S, L> {
    fn meta(&self) -> PromptMeta {
        self.meta
    }
    fn get(
        &self,
        scope: CallScope,
        arguments: PromptArguments,
    ) -> BoxFuture<'static, PromptOutput> {
        (self.get)(Arc::clone(&self.state), scope, arguments)
    }
    fn complete(
        &self,
        argument: &str,
        value: String,
        context: CompletionContext,
    ) -> Option<BoxFuture<'static, Completion>> {
        (self.complete)(argument, value, context)
    }
}
