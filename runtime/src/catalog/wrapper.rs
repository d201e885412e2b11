//! What `#[resource]` and `#[prompt]` expand to, reached through the macros'
//! hidden module (`ferrymcp::__private_v0_1_0::catalog`). Not public API: no
//! stability guarantees.
//!
//! Each function here is called by generated code spanned at the user's
//! token it depends on, so a type that does not fit is reported at that type,
//! with the message of the trait it lacks.

pub use super::completion::{CompleteFn, Completion, CompletionContext};
pub use super::error::CatalogError;
pub use super::method::{no_completion, MethodPrompt, MethodResource};
pub use super::prompt::{
    IntoPromptResult, PromptArgumentMeta, PromptArguments, PromptFn, PromptMeta, PromptOutput,
};
pub use super::resource::{
    IntoResourceContents, ReadOutput, ResourceFn, ResourceMeta, ResourceRequest,
};
pub use super::{PromptList, ResourceList};
pub use crate::call::CallScope;
pub use crate::inject::InjectError;
use crate::route::ErrorTag;
pub use std::boxed::Box;
pub use std::option::Option::{self, None, Some};
pub use std::result::Result::{self, Err, Ok};
pub use std::string::String;

use std::fmt::Display;
use std::str::FromStr;

/// A boxed `Send` future (an alias, not a re-export, so that diagnostics keep
/// naming the type by its own path).
pub type BoxFuture<'a, T> = futures::future::BoxFuture<'a, T>;

// --- template placeholders ---

/// The type of a template placeholder: parsed from the URI's text.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a URI template placeholder: it needs `FromStr` (with an error that implements `Display`)",
    label = "the value is parsed from the URI's text",
    note = "take a `String`, a number, or a type of yours that implements `std::str::FromStr`",
    note = "if this parameter should be supplied by the server rather than the URI, mark it `#[inject]`"
)]
pub trait Placeholder: Sized {
    /// Parses the value.
    fn parse_placeholder(text: &str) -> Result<Self, String>;
}

impl<T: FromStr> Placeholder for T
where
    T::Err: Display,
{
    fn parse_placeholder(text: &str) -> Result<Self, String> {
        text.parse().map_err(|e: T::Err| e.to_string())
    }
}

/// Reads placeholder `name` of the URI that was matched.
pub fn placeholder<T: Placeholder>(
    request: &ResourceRequest,
    name: &str,
) -> Result<T, CatalogError> {
    let Some(text) = request.value(name) else {
        return Err(CatalogError::internal(format!(
            "the URI template has no placeholder `{{{name}}}`"
        )));
    };
    T::parse_placeholder(text).map_err(|e| {
        CatalogError::invalid_params(format!(
            "Invalid params: `{{{name}}}` of {} is {text:?}, which is not a valid `{}`: {e}",
            request.uri(),
            short_type_name::<T>()
        ))
    })
}

// --- prompt arguments ---

/// The type of a prompt argument: prompt arguments are strings, parsed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a prompt argument: prompt arguments are strings, so it needs `FromStr` (with an error that implements `Display`)",
    label = "the value is parsed from the argument's text",
    note = "take a `String`, an `Option<String>`, a number, or a type of yours that implements `std::str::FromStr`",
    note = "if this parameter should be supplied by the server rather than the client, mark it `#[inject]`"
)]
pub trait PromptArgument: Sized {
    /// Parses the value.
    fn parse_argument(text: &str) -> Result<Self, String>;
}

impl<T: FromStr> PromptArgument for T
where
    T::Err: Display,
{
    fn parse_argument(text: &str) -> Result<Self, String> {
        text.parse().map_err(|e: T::Err| e.to_string())
    }
}

fn parse_argument<T: PromptArgument>(
    text: &str,
    prompt: &str,
    name: &str,
) -> Result<T, CatalogError> {
    T::parse_argument(text).map_err(|e| {
        CatalogError::invalid_params(format!(
            "Invalid params: argument `{name}` of prompt `{prompt}` is {text:?}, which is not a valid `{}`: {e}",
            short_type_name::<T>()
        ))
    })
}

/// Reads a required argument.
pub fn required<T: PromptArgument>(
    arguments: &PromptArguments,
    prompt: &str,
    name: &str,
) -> Result<T, CatalogError> {
    match arguments.get(name) {
        Some(text) => parse_argument(text, prompt, name),
        None => Err(CatalogError::invalid_params(format!(
            "Invalid params: missing required argument `{name}` of prompt `{prompt}`"
        ))),
    }
}

/// Reads an optional argument: absent or empty gives `None` (form-based
/// clients send an empty string for a field left blank).
pub fn optional<T: PromptArgument>(
    arguments: &PromptArguments,
    prompt: &str,
    name: &str,
) -> Result<Option<T>, CatalogError> {
    match arguments.get(name) {
        Some(text) if !text.is_empty() => parse_argument(text, prompt, name).map(Some),
        _ => Ok(None),
    }
}

/// Reads an argument with a default: absent or empty gives `default()`.
pub fn with_default<T: PromptArgument>(
    arguments: &PromptArguments,
    prompt: &str,
    name: &str,
    default: impl FnOnce() -> T,
) -> Result<T, CatalogError> {
    match arguments.get(name) {
        Some(text) if !text.is_empty() => parse_argument(text, prompt, name),
        _ => Ok(default()),
    }
}

// --- injection, outputs, completion ---

/// An injected parameter that could not be resolved.
pub fn inject_failure(error: InjectError) -> CatalogError {
    CatalogError::from(error)
}

/// The contents of a read of `request`.
pub fn contents<T: IntoResourceContents>(value: T, request: &ResourceRequest) -> ReadOutput {
    Ok(value.into_contents(request.uri()))
}

/// The result of a prompt.
pub fn prompt_result<T: IntoPromptResult>(value: T) -> PromptOutput {
    Ok(value.into_prompt_result())
}

/// Runs a completion function.
pub fn complete_with<M, F: CompleteFn<M>>(
    function: F,
    value: String,
    context: CompletionContext,
) -> BoxFuture<'static, Completion> {
    function.complete(value, context)
}

// --- the error value (autoref dispatch on `ErrorTag`, as for tools) ---

/// An error type a resource or prompt may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error type of a resource or a prompt",
    label = "this error type does not implement `Display`",
    note = "use `ferrymcp::catalog::CatalogError`, `ferrymcp::protocol::ErrorObject`, `ferrymcp::ToolError`, or any type that implements `std::fmt::Display`"
)]
pub trait CatalogErrorType: Display {}
impl<E: Display> CatalogErrorType for E {}

/// Route for errors that convert into [`CatalogError`] (first choice).
pub struct KnownErrorRoute;
/// Route for other `Display` errors: an internal error with their message.
pub struct DisplayErrorRoute;
/// Route for error types that cannot be shown (a compile error).
pub struct UnsupportedErrorRoute;

/// Picks [`KnownErrorRoute`].
pub trait ViaKnownError {
    /// The route.
    fn catalog_error_route(self) -> KnownErrorRoute;
}
impl<E: Into<CatalogError>> ViaKnownError for &&&ErrorTag<E> {
    fn catalog_error_route(self) -> KnownErrorRoute {
        KnownErrorRoute
    }
}
/// Picks [`DisplayErrorRoute`].
pub trait ViaDisplayError {
    /// The route.
    fn catalog_error_route(self) -> DisplayErrorRoute;
}
impl<E: Display> ViaDisplayError for &&ErrorTag<E> {
    fn catalog_error_route(self) -> DisplayErrorRoute {
        DisplayErrorRoute
    }
}
/// Picks [`UnsupportedErrorRoute`].
pub trait ViaUnsupportedError {
    /// The route.
    fn catalog_error_route(self) -> UnsupportedErrorRoute;
}
impl<E> ViaUnsupportedError for &ErrorTag<E> {
    fn catalog_error_route(self) -> UnsupportedErrorRoute {
        UnsupportedErrorRoute
    }
}

impl KnownErrorRoute {
    /// Converts the error.
    pub fn failure<E: Into<CatalogError>>(self, error: E) -> CatalogError {
        error.into()
    }
}
impl DisplayErrorRoute {
    /// An internal error with the error's message.
    pub fn failure<E: Display>(self, error: E) -> CatalogError {
        CatalogError::internal(error.to_string())
    }
}
impl UnsupportedErrorRoute {
    /// Fails to compile with [`CatalogErrorType`]'s message.
    pub fn failure<E: CatalogErrorType>(self, error: E) -> CatalogError {
        CatalogError::internal(error.to_string())
    }
}

// --- the stand-in of the list macros ---

impl<L: 'static> ResourceFn<L> for crate::route::NotAnItem {
    fn meta(&self) -> ResourceMeta {
        unreachable!("this resource failed to compile")
    }
    fn read(&self, _: CallScope, _: ResourceRequest) -> BoxFuture<'static, ReadOutput> {
        unreachable!("this resource failed to compile")
    }
}

impl<L: 'static> PromptFn<L> for crate::route::NotAnItem {
    fn meta(&self) -> PromptMeta {
        unreachable!("this prompt failed to compile")
    }
    fn get(&self, _: CallScope, _: PromptArguments) -> BoxFuture<'static, PromptOutput> {
        unreachable!("this prompt failed to compile")
    }
}

/// `u32` for `u32`, `Color` for `my_crate::Color`.
fn short_type_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    match name.find('<') {
        Some(i) => name[..i].rsplit("::").next().unwrap_or(name),
        None => name.rsplit("::").next().unwrap_or(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_placeholder_and_the_argument() {
        let request = ResourceRequest::new("x://items/abc", vec![("id".into(), "abc".into())]);
        let e = placeholder::<u32>(&request, "id").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid params: `{id}` of x://items/abc is \"abc\", which is not a valid `u32`: invalid digit found in string"
        );
        let mut args = PromptArguments::new();
        args.insert("n".into(), "x".into());
        args.insert("blank".into(), String::new());
        let e = required::<i64>(&args, "p", "n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid params: argument `n` of prompt `p` is \"x\", which is not a valid `i64`: invalid digit found in string"
        );
        assert_eq!(optional::<i64>(&args, "p", "blank"), Ok(None));
        assert_eq!(with_default(&args, "p", "absent", || 3i64), Ok(3));
        assert!(required::<String>(&args, "p", "absent").is_err());
    }
}
