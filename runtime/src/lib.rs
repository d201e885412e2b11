//! # ferrymcp
//!
//! A framework for [Model Context Protocol](https://modelcontextprotocol.io)
//! servers: annotate an `async fn` with [`#[tool]`](macro@tool), register it with
//! [`tools!`], and serve it.
//!
//! ```
//! use ferrymcp::prelude::*;
//!
//! /// Adds two numbers.
//! #[tool(read_only)]
//! async fn add(
//!     /// The first addend.
//!     a: i64,
//!     /// The second addend.
//!     b: i64,
//! ) -> i64 {
//!     a + b
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let server = Server::builder("calc").tools(tools![add]).build().await?;
//! server.serve_stdio().await?;
//! # Ok(()) }
//! ```
//!
//! Parameters are tool arguments (their types give the input schema) unless
//! they are injected: [`Ctx`], [`Lifespan<T>`], [`Extension<T>`], [`Headers`],
//! [`AccessToken`] (or `Option<_>` of the last three), or a type of yours
//! marked `#[inject]`. Every injected parameter is resolved from one
//! explicit [`CallScope`]; see [`inject`].

#![warn(missing_docs)]

extern crate self as ferrymcp;

// The layers, lowest first, a blank line between layers. A module imports
// only from its own layer or the ones above it in this list, without cycles
// (`runtime/tests/layers.rs` checks it). See README "How it fits together".
pub mod protocol;

pub mod call;

pub mod ask;
pub mod auth;
pub mod error;
pub mod inject;

pub mod catalog;
pub mod task;
pub mod tool;

pub mod server;

pub mod transport;

pub use ask::{Elicitation, SamplingRequest};
pub use auth::AccessToken;
pub use call::{CallScope, ClientInfo, InputError};
pub use error::{BoxError, BuildError, ToolError};
pub use inject::{Ctx, Extension, FromLifespan, Headers, Inject, InjectError, Lifespan};
pub use protocol::{CallToolResult, Content, LogLevel, ProtocolVersion, TaskSupport};
pub use server::{Server, ServerBuilder, Session};
pub use task::{MemoryBackend, TaskBackend, TaskOptions};
pub use tool::{IntoToolOutput, ToolFn, ToolList};
pub use transport::Client;

pub use ferrymcp_macros::{tool, tools};

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The names a server file needs: `use ferrymcp::prelude::*;`.
pub mod prelude {
    pub use crate::{
        prompt, prompts, resource, resources, tool, tools, AccessToken, CallToolResult, Content,
        Ctx, Elicitation, Extension, FromLifespan, Headers, Lifespan, PromptMessage,
        ResourceContents, SamplingRequest, Server, ToolError,
    };
}

/// What the macros expand to. Not public API: no stability guarantees.
#[doc(hidden)]
pub mod __private {
    pub use crate::call::CallScope;
    pub use crate::error::ToolError;
    pub use crate::inject::Inject;
    pub use crate::protocol::{TaskSupport, ToolAnnotations};
    pub use crate::tool::args::{no_unknown, optional, required, with_default, ToolArgument};
    pub use crate::tool::output::route;
    pub use crate::tool::{
        ArgMap, InputSchema, OutputSchema, ToolFn, ToolList, ToolMeta, ToolOutput,
    };
    pub use futures::future::BoxFuture;
    pub use serde_json;
    pub use std::boxed::Box;
    pub use std::option::Option::{self, None, Some};
    pub use std::result::Result::{self, Err, Ok};

    /// Turns an argument or injection error into the call's result.
    pub fn arg_failure(message: impl std::fmt::Display) -> ToolOutput {
        ToolOutput::Error(ToolError::new(message.to_string()))
    }
}

pub use catalog::{Blob, Catalog, CatalogError, PromptMessage, ResourceContents};
pub use ferrymcp_macros::{prompt, prompts, resource, resources};

/// The checks of the fuzz targets in `fuzz/`. Not public API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzzing/mod.rs"]
pub mod __fuzz;
