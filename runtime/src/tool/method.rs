//! Tools on methods: `#[tool]` on a `&self` method of an `impl` block.
//!
//! The macro cannot add a type next to a method (an `impl` block holds only
//! associated items), so it adds a hidden associated function that returns a
//! [`MethodTool`]: the instance, shared by every call, the tool's facts, and
//! its other parts as plain function pointers. `tools![state => Type::method, ..]` calls it with
//! the instance. A task's worker looks the tool up by name in its own server,
//! so a restored call runs against the worker's instance.

use super::{ArgMap, OutputSchema, ToolFn, ToolMeta, ToolOutput};
use crate::call::CallScope;
use crate::route::NotAnItem;
use futures::future::BoxFuture;
use std::marker::PhantomData;
use std::sync::Arc;

/// A `#[tool]` method bound to its instance, for a server whose lifespan
/// value is an `L`. Built by the code `#[tool]` generates.
pub struct MethodTool<S: ?Sized, L> {
    state: Arc<S>,
    meta: ToolMeta,
    input_schema: fn() -> serde_json::Value,
    output_schema: fn() -> Option<OutputSchema>,
    check_arguments: fn(&ArgMap) -> Result<(), String>,
    call: fn(Arc<S>, CallScope, ArgMap) -> BoxFuture<'static, ToolOutput>,
    _lifespan: PhantomData<fn() -> L>,
}

impl<S: ?Sized, L> MethodTool<S, L> {
    /// The tool of the method whose parts these are, on `state`.
    pub fn new(
        state: Arc<S>,
        meta: ToolMeta,
        input_schema: fn() -> serde_json::Value,
        output_schema: fn() -> Option<OutputSchema>,
        check_arguments: fn(&ArgMap) -> Result<(), String>,
        call: fn(Arc<S>, CallScope, ArgMap) -> BoxFuture<'static, ToolOutput>,
    ) -> Self {
        MethodTool {
            state,
            meta,
            input_schema,
            output_schema,
            check_arguments,
            call,
            _lifespan: PhantomData,
        }
    }
}

impl<S: ?Sized + Send + Sync + 'static, L: 'static> ToolFn<L> for MethodTool<S, L> {
    fn meta(&self) -> ToolMeta {
        self.meta
    }
    fn input_schema(&self) -> serde_json::Value {
        (self.input_schema)()
    }
    fn output_schema(&self) -> Option<OutputSchema> {
        (self.output_schema)()
    }
    fn call(&self, scope: CallScope, args: ArgMap) -> BoxFuture<'static, ToolOutput> {
        (self.call)(Arc::clone(&self.state), scope, args)
    }
    fn check_arguments(&self, args: &ArgMap) -> Result<(), String> {
        (self.check_arguments)(args)
    }
}

/// The instance given to `tools![state => ..]`: a value, or an `Arc` of one
/// shared with the rest of the application.
pub fn share<S>(state: impl Into<Arc<S>>) -> Arc<S> {
    state.into()
}

impl<L: 'static> ToolFn<L> for NotAnItem {
    fn meta(&self) -> ToolMeta {
        unreachable!("this tool failed to compile")
    }
    fn input_schema(&self) -> serde_json::Value {
        unreachable!("this tool failed to compile")
    }
    fn output_schema(&self) -> Option<OutputSchema> {
        unreachable!("this tool failed to compile")
    }
    fn call(&self, _: CallScope, _: ArgMap) -> BoxFuture<'static, ToolOutput> {
        unreachable!("this tool failed to compile")
    }
}

/// Runs a plain (non-`async`) tool function on the blocking pool and waits
/// for it; a panic in it is resumed here, as it would be in an `async` tool.
pub async fn blocking<F, R>(f: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(value) => value,
        Err(error) => match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            // The runtime is shutting down: the call is being dropped anyway.
            Err(_) => std::future::pending().await,
        },
    }
}
