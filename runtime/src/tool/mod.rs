//! Tools: what `#[tool]` generates, and how a server holds its tools.
//!
//! `#[tool]` leaves the function as it is and adds a hidden type that
//! implements [`ToolFn`] for every server lifespan `L` its injected parameters
//! accept. `tools![a, b]` collects those types into a [`ToolList<L>`], which is
//! where a parameter that does not fit the server (a wrong `Lifespan<T>`) stops
//! compiling.
//!
//! # Methods and blocking tools
//!
//! On a `&self` method of a non-generic `impl` block, `#[tool]` adds a hidden
//! associated function instead of a type, and `tools![state => Type::method]`
//! binds it to the instance (a `MethodTool`, in `tool/method.rs`): every call shares
//! it, and a task's worker runs the restored call against the instance its
//! own server was given. A plain (non-`async`) `fn` tool runs on tokio's
//! blocking pool; it sees cancellation through `Ctx::is_cancelled`, since a
//! thread cannot be stopped from outside. Prefer `async fn` for I/O and for
//! tools that report progress or ask the client questions.
//!
//! # Hand-written input schemas
//!
//! `#[tool(input_schema = my_schema)]`, with `fn my_schema() -> serde_json::Value`,
//! replaces the schema derived from the parameters. **The hand-written schema
//! is what clients see**, verbatim (`$schema`, `$defs`, `$anchor`, `allOf`,
//! `if`/`then`/`else`, ...), but the arguments are still read from the
//! parameters, each by its type, so keep the two in agreement: a parameter's
//! doc comment and `#[arg(default)]` no longer show in the schema, and an
//! argument the parameters do not name is still refused.
//!
//! # Header parameters (SEP-2243)
//!
//! `#[arg(header = "Region")]` on a `String`, integer or `bool` argument (or an
//! `Option` of one) adds `"x-mcp-header": "Region"` to its schema: a
//! 2026-07-28 client calling the tool over HTTP mirrors the argument into the
//! header `Mcp-Param-Region`, so that proxies can route on it. The server
//! checks each one present in `arguments` against its header (plain, or
//! `=?base64?...?=`) and refuses a missing or different header with 400 and
//! -32020 before the tool runs. With a hand-written schema, write the
//! `x-mcp-header` annotations into it: those of its top-level properties are
//! the ones checked. A server whose tools declare none pays nothing for this.

pub(crate) mod args;
pub(crate) mod method;
pub(crate) mod output;
pub(crate) mod registry;
pub(crate) mod schema;

pub use args::{ArgError, ArgMap, ToolArgument};
pub use output::{IntoToolOutput, ToolOutput};
pub use schema::{assert_header_argument, HeaderArgument, InputSchema, OutputSchema, ParamHeader};

use crate::call::CallScope;
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
    /// `#[tool(ask_first)]`: over 2026-07-28, the task tool starts in the
    /// foreground, so that the questions it asks before its first other
    /// await are answered with the call, before the task exists.
    pub ask_first: bool,
    /// OAuth scopes the caller's token must carry (`#[tool(scopes = [..])]`).
    pub scopes: &'static [&'static str],
    /// The arguments mirrored into `Mcp-Param-*` HTTP headers
    /// (`#[arg(header = "..")]`, SEP-2243); empty for most tools.
    pub headers: &'static [ParamHeader],
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
    /// The JSON Schema of the arguments, derived from the parameters or, with
    /// `#[tool(input_schema = ..)]`, the hand-written one.
    fn input_schema(&self) -> serde_json::Value;
    /// The output schema, for tools that return structured data.
    fn output_schema(&self) -> Option<OutputSchema>;
    /// Runs the tool: reads the arguments, injects parameters, calls the function.
    fn call(&self, scope: CallScope, args: ArgMap) -> BoxFuture<'static, ToolOutput>;
    /// Reads the arguments as [`call`](ToolFn::call) would, without running
    /// the tool: the message of the first bad argument. A task checks its
    /// arguments this way before it is created. The default accepts all.
    fn check_arguments(&self, args: &ArgMap) -> Result<(), String> {
        let _ = args;
        Ok(())
    }
}

/// A type-erased tool, ready to be registered.
pub(crate) type DynTool = Arc<dyn ErasedTool>;

pub(crate) trait ErasedTool: Send + Sync + 'static {
    fn meta(&self) -> ToolMeta;
    fn input_schema(&self) -> serde_json::Value;
    fn output_schema(&self) -> Option<OutputSchema>;
    fn call(&self, scope: CallScope, args: ArgMap) -> BoxFuture<'static, ToolOutput>;
    fn check_arguments(&self, args: &ArgMap) -> Result<(), String>;
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
    fn check_arguments(&self, args: &ArgMap) -> Result<(), String> {
        self.0.check_arguments(args)
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
