//! Procedural macros of [ferrymcp](https://docs.rs/ferrymcp). Use them through
//! the `ferrymcp` crate (`ferrymcp::tool`, `ferrymcp::tools!`,
//! `ferrymcp::resource`, `ferrymcp::prompt`, ...), not directly.

mod common;
mod lists;
mod param;
mod prompt;
mod resource;
mod tool;

use proc_macro::TokenStream;

/// Turns a function into an MCP tool, leaving the function itself unchanged.
///
/// On an `async fn`, or on a plain `fn`, which runs on the blocking pool
/// (`spawn_blocking`; prefer `async fn` for I/O, a plain `fn` for CPU-bound
/// work and blocking libraries). On a free function, or on a `&self` method
/// of a non-generic `impl` block, registered with its instance:
/// `tools![repo => Repo::search]`. The tool is a hidden type of the
/// function's own name, so `use m::add;` brings it along with the function.
///
/// Options: `name = "..."`, `title = "..."`, `description = "..."`,
/// `task = true | false | "optional" | "required" | "forbidden"`, `ask_first`
/// (a task tool asks its first questions in the foreground over 2026-07-28),
/// `scopes = ["..."]`, `input_schema = path::to_fn` (a hand-written input
/// schema), and the hints `read_only`, `destructive`, `idempotent`,
/// `open_world` (bare, or `= true`/`= false`). Parameters are arguments unless
/// they are `Ctx`, `Lifespan<T>`, `Extension<T>`, or marked `#[inject]`; an
/// argument may carry `#[arg(default = expr)]`, `#[arg(rename = "name")]` and
/// `#[arg(header = "Name")]` (SEP-2243 `x-mcp-header`), and its doc comment
/// becomes its description.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    tool::expand(attr.into(), item.into()).into()
}

/// Collects `#[tool]` functions for `ServerBuilder::tools`: `tools![add, math::mul]`,
/// and `#[tool]` methods after the instance they share (a value or an `Arc`),
/// in sections separated by `;`: `tools![add; repo => Repo::search, Repo::reindex]`.
#[proc_macro]
pub fn tools(input: TokenStream) -> TokenStream {
    lists::expand(input.into(), lists::Kind::Tool).into()
}

/// Turns an `async fn` into an MCP resource, or a resource template when its
/// URI has `{placeholders}`, leaving the function itself unchanged.
///
/// On a free function, or on a `&self` method of a non-generic `impl`
/// block, registered with its instance: `resources![docs => Docs::readme]`.
///
/// Options: `uri = "..."` (required), `name = "..."` (default: the function's
/// name), `title = "..."`, `description = "..."` (default: the doc comment),
/// `mime_type = "..."`, and `complete(placeholder = function, ..)`. Every
/// placeholder is a parameter of the function (any `FromStr` type; rename with
/// `#[arg(rename = "name")]`) and every other parameter is injected (`Ctx`,
/// `Lifespan<T>`, `Extension<T>`, `Headers`, `AccessToken`, `#[inject]`).
/// A `{name}` value is one path segment: a read whose decoded value holds
/// `/`, `\`, NUL or is `..` is refused (-32602). A template that takes a path
/// writes `{+name}` (RFC 6570 reserved expansion): its value may hold `/`,
/// but no `..` segment, no NUL, and it is never absolute.
/// Return `String`, `Blob`, `Vec<u8>`, `ResourceContents`,
/// `Vec<ResourceContents>`, or `Result<_, E>` of one of them.
#[proc_macro_attribute]
pub fn resource(attr: TokenStream, item: TokenStream) -> TokenStream {
    resource::expand(attr.into(), item.into()).into()
}

/// Turns an `async fn` into an MCP prompt, leaving the function itself unchanged.
///
/// On a free function, or on a `&self` method of a non-generic `impl`
/// block, registered with its instance: `prompts![style => Style::review]`.
///
/// Options: `name = "..."` (default: the function's name), `title = "..."`,
/// `description = "..."` (default: the doc comment), and
/// `complete(argument = function, ..)`. Parameters are the prompt's
/// arguments (`String`, `Option<String>` or any `FromStr` type; a doc comment
/// becomes the argument's description; `#[arg(rename = "..")]`,
/// `#[arg(default = ..)]`) unless they are injected. Return `String`,
/// `PromptMessage`, `Vec<PromptMessage>`, `GetPromptResult`, or `Result<_, E>`
/// of one of them.
#[proc_macro_attribute]
pub fn prompt(attr: TokenStream, item: TokenStream) -> TokenStream {
    prompt::expand(attr.into(), item.into()).into()
}

/// Collects `#[resource]` functions for `ServerBuilder::resources`:
/// `resources![readme, user_profile]`, and `#[resource]` methods after the
/// instance they share: `resources![readme; docs => Docs::page, Docs::index]`.
#[proc_macro]
pub fn resources(input: TokenStream) -> TokenStream {
    lists::expand(input.into(), lists::Kind::Resource).into()
}

/// Collects `#[prompt]` functions for `ServerBuilder::prompts`:
/// `prompts![summarize, review]`, and `#[prompt]` methods after the instance
/// they share: `prompts![summarize; style => Style::review]`.
#[proc_macro]
pub fn prompts(input: TokenStream) -> TokenStream {
    lists::expand(input.into(), lists::Kind::Prompt).into()
}
