//! Tools: what `#[tool]` generates, and how a server holds its tools.
//!
//! `#[tool]` leaves the function as it is and adds a hidden type that
//! implements [`ToolFn`] for every server lifespan `L` its injected parameters
//! accept. `tools![a, b]` collects those types into a [`ToolList<L>`], which is
//! where a parameter that does not fit the server (a wrong `Lifespan<T>`) stops
//! compiling.

pub(crate) mod args;
pub(crate) mod output;
pub(crate) mod registry;
pub(crate) mod schema;

pub use args::{ArgError, ArgMap, ToolArgument};
pub use output::{IntoToolOutput, ToolOutput};
pub use schema::{InputSchema, OutputSchema};

use crate::inject::CallScope;
use crate::protocol::{TaskSupport, ToolAnnotations};
use futures::future::BoxFuture;
use std::marker::PhantomData;
use std::sync::Arc;

/// The static facts of a tool, as written in its `#[tool]` attribute and doc comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolMeta {
    /// The tool name.
    pub name: &'static str,
    /// A human-readable title.
    pub title: Option<&'static str>,
    /// The description (from the doc comment unless set explicitly).
    pub description: Option<&'static str>,
    /// Behaviour hints.
    pub annotations: ToolAnnotations,
    /// Whether the tool may run as a task.
    pub task_support: TaskSupport,
    /// OAuth scopes the caller's token must carry (`#[tool(scopes = [..])]`).
    pub scopes: &'static [&'static str],
}

/// A tool that can run on a server whose lifespan value is an `L`.
///
/// Implemented by the type `#[tool]` generates; you rarely implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tool that can run on a server whose lifespan is `{L}`",
    label = "not a tool for this server",
    note = "register functions annotated with `#[ferrymcp::tool]`, by name: `tools![add, search]`"
)]
pub trait ToolFn<L>: Send + Sync + 'static {
    /// Name, description, annotations and task support.
    fn meta(&self) -> ToolMeta;
    /// The JSON Schema of the arguments.
    fn input_schema(&self) -> serde_json::Value;
    /// The output schema, for tools that return structured data.
    fn output_schema(&self) -> Option<OutputSchema>;
    /// Runs the tool: reads the arguments, injects parameters, calls the function.
    fn call(&self, scope: CallScope, args: ArgMap) -> BoxFuture<'static, ToolOutput>;
}

/// A type-erased tool, ready to be registered.
pub(crate) type DynTool = Arc<dyn ErasedTool>;

pub(crate) trait ErasedTool: Send + Sync + 'static {
    fn meta(&self) -> ToolMeta;
    fn input_schema(&self) -> serde_json::Value;
    fn output_schema(&self) -> Option<OutputSchema>;
    fn call(&self, scope: CallScope, args: ArgMap) -> BoxFuture<'static, ToolOutput>;
}

struct Erased<T, L>(T, PhantomData<fn() -> L>);

impl<T: ToolFn<L>, L: 'static> ErasedTool for Erased<T, L> {
    fn meta(&self) -> ToolMeta {
        self.0.meta()
    }
    fn input_schema(&self) -> serde_json::Value {
        self.0.input_schema()
    }
    fn output_schema(&self) -> Option<OutputSchema> {
        self.0.output_schema()
    }
    fn call(&self, scope: CallScope, args: ArgMap) -> BoxFuture<'static, ToolOutput> {
        self.0.call(scope, args)
    }
}

/// Tools for a server whose lifespan value is an `L`; build it with `tools![..]`.
pub struct ToolList<L> {
    pub(crate) tools: Vec<DynTool>,
    _lifespan: PhantomData<fn() -> L>,
}

impl<L: 'static> ToolList<L> {
    /// An empty list.
    pub fn new() -> Self {
        ToolList {
            tools: Vec::new(),
            _lifespan: PhantomData,
        }
    }

    /// Adds a tool (what `tools![..]` expands to).
    pub fn with<T: ToolFn<L>>(mut self, tool: T) -> Self {
        self.tools.push(Arc::new(Erased(tool, PhantomData)));
        self
    }

    /// The number of tools.
    pub fn len(&self) -> usize {
        self.tools.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }
}

impl<L: 'static> Default for ToolList<L> {
    fn default() -> Self {
        Self::new()
    }
}
