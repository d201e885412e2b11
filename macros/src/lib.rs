//! Procedural macros of [ferrymcp](https://docs.rs/ferrymcp). Use them through
//! the `ferrymcp` crate (`ferrymcp::tool`, `ferrymcp::tools!`), not directly.

mod tool;
mod tools;

use proc_macro::TokenStream;

/// Turns an `async fn` into an MCP tool, leaving the function itself unchanged.
///
/// Options: `name = "..."`, `title = "..."`, `description = "..."`,
/// `task = true | false | "optional" | "required" | "forbidden"`, and the
/// hints `read_only`, `destructive`, `idempotent`, `open_world` (bare, or
/// `= true`/`= false`). Parameters are arguments unless they are `Ctx`,
/// `Lifespan<T>`, `Extension<T>`, or marked `#[inject]`; an argument may carry
/// `#[arg(default = expr)]` and `#[arg(rename = "name")]`, and its doc comment
/// becomes its description.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    tool::expand(attr.into(), item.into()).into()
}

/// Collects `#[tool]` functions for `ServerBuilder::tools`: `tools![add, math::mul]`.
#[proc_macro]
pub fn tools(input: TokenStream) -> TokenStream {
    tools::expand(input.into()).into()
}
