//! Turning what a tool returns into a `CallToolResult`.
//!
//! Content types ([`IntoToolOutput`]) become content; any other
//! `Serialize + JsonSchema` value becomes structured content with an output
//! schema; `Result<T, E>` splits into the two. The `#[tool]` wrapper picks the
//! route at compile time from the concrete return type (autoref dispatch), so a
//! plain `String` is text while a `Vec<Hit>` is structured.

use crate::error::ToolError;
use crate::protocol::{CallToolResult, Content};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Display;

use super::schema::OutputSchema;

/// What a tool call produced, before the server shapes it for the wire.
#[derive(Debug)]
pub enum ToolOutput {
    /// A finished result (content).
    Result(CallToolResult),
    /// A structured value, serialized; the server adds its text form.
    Structured(Value),
    /// The tool failed.
    Error(ToolError),
}

/// A return type that is content rather than structured data.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a tool",
    label = "this return type is neither content nor serializable data",
    note = "return `String`, `Content`, `Vec<Content>`, `CallToolResult`, `()`, or a type that implements `serde::Serialize` and `schemars::JsonSchema` (structured content); wrap any of them in `Result<_, E>` with `E: Display`"
)]
pub trait IntoToolOutput {
    /// Converts the value into a result.
    fn into_tool_output(self) -> CallToolResult;
}

impl IntoToolOutput for CallToolResult {
    fn into_tool_output(self) -> CallToolResult {
        self
    }
}

impl IntoToolOutput for String {
    fn into_tool_output(self) -> CallToolResult {
        CallToolResult::text(self)
    }
}

impl IntoToolOutput for &str {
    fn into_tool_output(self) -> CallToolResult {
        CallToolResult::text(self)
    }
}

impl IntoToolOutput for Content {
    fn into_tool_output(self) -> CallToolResult {
        CallToolResult::content(vec![self])
    }
}

impl IntoToolOutput for Vec<Content> {
    fn into_tool_output(self) -> CallToolResult {
        CallToolResult::content(self)
    }
}

impl IntoToolOutput for () {
    fn into_tool_output(self) -> CallToolResult {
        CallToolResult::content(Vec::new())
    }
}

/// Compile-time routing used by the code `#[tool]` generates. Not public API.
#[doc(hidden)]
pub mod route {
    use super::*;
    pub use crate::route::{ErrorTag, OutputTag, ReturnTag, SplitPlain, SplitResult, Supplies};

    /// Every route trait of a tool, imported as `_`: one `use route::traits::*;`
    /// brings the methods of the autoref dispatch into scope.
    pub mod traits {
        pub use super::{
            SplitPlain as _, SplitResult as _, ViaContent as _, ViaDisplayError as _,
            ViaStructured as _, ViaToolError as _, ViaUnsupported as _, ViaUnsupportedError as _,
        };
    }

    // --- the success value ---

    /// Route for content types.
    pub struct ContentRoute;
    /// Route for structured values.
    pub struct StructuredRoute;
    /// Route for types that are neither (a compile error with a clear message).
    pub struct UnsupportedRoute;

    /// Picks [`ContentRoute`] (first choice).
    pub trait ViaContent {
        /// The route.
        fn output_route(self) -> ContentRoute;
    }
    impl<T: IntoToolOutput> ViaContent for &&&OutputTag<T> {
        fn output_route(self) -> ContentRoute {
            ContentRoute
        }
    }
    /// Picks [`StructuredRoute`] (second choice).
    pub trait ViaStructured {
        /// The route.
        fn output_route(self) -> StructuredRoute;
    }
    impl<T: Serialize + JsonSchema> ViaStructured for &&OutputTag<T> {
        fn output_route(self) -> StructuredRoute {
            StructuredRoute
        }
    }
    /// Picks [`UnsupportedRoute`] (last choice).
    pub trait ViaUnsupported {
        /// The route.
        fn output_route(self) -> UnsupportedRoute;
    }
    impl<T> ViaUnsupported for &OutputTag<T> {
        fn output_route(self) -> UnsupportedRoute {
            UnsupportedRoute
        }
    }

    impl ContentRoute {
        /// Converts the value.
        pub fn output<T: IntoToolOutput>(self, value: T) -> ToolOutput {
            ToolOutput::Result(value.into_tool_output())
        }
        /// Content has no output schema.
        pub fn schema<T>(self, _: &OutputTag<T>) -> Option<OutputSchema> {
            None
        }
    }
    impl StructuredRoute {
        /// Serializes the value.
        pub fn output<T: Serialize>(self, value: T) -> ToolOutput {
            match serde_json::to_value(&value) {
                Ok(v) => ToolOutput::Structured(v),
                Err(e) => ToolOutput::Error(ToolError::new(format!(
                    "the tool's result could not be serialized: {e}"
                ))),
            }
        }
        /// The output schema of `T`.
        pub fn schema<T: JsonSchema>(self, _: &OutputTag<T>) -> Option<OutputSchema> {
            Some(OutputSchema::of::<T>())
        }
    }
    impl UnsupportedRoute {
        /// Fails to compile with [`IntoToolOutput`]'s message.
        pub fn output<T: IntoToolOutput>(self, value: T) -> ToolOutput {
            ToolOutput::Result(value.into_tool_output())
        }
        /// No schema. Deliberately unbounded: [`output`](Self::output) already
        /// reports the unsupported type, and one mistake should give one error.
        pub fn schema<T>(self, _: &OutputTag<T>) -> Option<OutputSchema> {
            None
        }
    }

    // --- arguments ---

    /// The type of an argument with `#[arg(default = ..)]`: the default is
    /// shown in the input schema, so it is serialized.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot have a default value: it needs `serde::Serialize`",
        label = "this argument has `#[arg(default = ..)]`, and the default is shown in the input schema",
        note = "derive it: `#[derive(serde::Serialize)]`, or take an `Option<_>` and fill in the default in the function"
    )]
    pub trait DefaultValue: Serialize {}
    impl<T: Serialize> DefaultValue for T {}

    /// Serializes a default argument value for the input schema.
    pub fn default_json<T: DefaultValue>(value: T) -> Option<Value> {
        serde_json::to_value(value).ok()
    }

    // --- the error value ---

    /// An error type a tool may return.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a tool's error type",
        label = "this error type does not implement `Display`",
        note = "use `ferrymcp::ToolError`, `anyhow::Error`, or any type that implements `std::fmt::Display`"
    )]
    pub trait ToolErrorType: Display {}
    impl<E: Display> ToolErrorType for E {}

    /// Route for [`ToolError`].
    pub struct ToolErrorRoute;
    /// Route for other `Display` errors.
    pub struct DisplayErrorRoute;
    /// Route for error types that cannot be shown.
    pub struct UnsupportedErrorRoute;

    /// Picks [`ToolErrorRoute`] (first choice).
    pub trait ViaToolError {
        /// The route.
        fn error_route(self) -> ToolErrorRoute;
    }
    impl ViaToolError for &&&ErrorTag<ToolError> {
        fn error_route(self) -> ToolErrorRoute {
            ToolErrorRoute
        }
    }
    /// Picks [`DisplayErrorRoute`] (second choice).
    pub trait ViaDisplayError {
        /// The route.
        fn error_route(self) -> DisplayErrorRoute;
    }
    impl<E: Display> ViaDisplayError for &&ErrorTag<E> {
        fn error_route(self) -> DisplayErrorRoute {
            DisplayErrorRoute
        }
    }
    /// Picks [`UnsupportedErrorRoute`] (last choice).
    pub trait ViaUnsupportedError {
        /// The route.
        fn error_route(self) -> UnsupportedErrorRoute;
    }
    impl<E> ViaUnsupportedError for &ErrorTag<E> {
        fn error_route(self) -> UnsupportedErrorRoute {
            UnsupportedErrorRoute
        }
    }

    impl ToolErrorRoute {
        /// Passes the error on.
        pub fn output(self, error: ToolError) -> ToolOutput {
            ToolOutput::Error(error)
        }
    }
    impl DisplayErrorRoute {
        /// Turns the error into a tool error with its message.
        pub fn output<E: Display>(self, error: E) -> ToolOutput {
            ToolOutput::Error(ToolError::new(error.to_string()))
        }
    }
    impl UnsupportedErrorRoute {
        /// Fails to compile with [`ToolErrorType`]'s message.
        pub fn output<E: ToolErrorType>(self, error: E) -> ToolOutput {
            ToolOutput::Error(ToolError::new(error.to_string()))
        }
    }
}
