//! The injection trait: how a tool parameter is resolved from the call scope.

use crate::call::CallScope;
use std::fmt;

/// A tool parameter that the framework supplies instead of the client.
///
/// `L` is the server's lifespan type, so that a parameter which needs a certain
/// lifespan (like [`Lifespan<T>`](crate::Lifespan)) is checked against the server at
/// compile time. Implement it for your own types and mark the parameter `#[inject]`:
///
/// ```
/// use ferrymcp::{CallScope, Inject, InjectError};
///
/// /// The tenant the parent app's middleware put in the request.
/// #[derive(Clone)]
/// struct Tenant(String);
///
/// impl<L> Inject<L> for Tenant {
///     fn inject(scope: &CallScope) -> Result<Self, InjectError> {
///         scope
///             .extensions()
///             .get::<Tenant>()
///             .cloned()
///             .ok_or_else(|| InjectError::new("no tenant in this request"))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be injected into a tool",
    label = "this tool takes a `{Self}`, which the server cannot supply",
    note = "injectable parameters are `Ctx`, `Lifespan<T>`, `Extension<T>`, `Headers`, `AccessToken` and types that implement `ferrymcp::Inject<L>`",
    note = "implement `ferrymcp::Inject<L>` for `{Self}` to supply it from the call scope, or drop `#[inject]` to make it an argument the client sends"
)]
pub trait Inject<L>: Sized {
    /// Resolves the parameter from the call scope.
    fn inject(scope: &CallScope) -> Result<Self, InjectError>;
}

/// Why an injected parameter could not be resolved. The call ends with a tool
/// error (`isError: true`) carrying this message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectError {
    message: String,
}

impl InjectError {
    /// An error with a message that says what was missing.
    pub fn new(message: impl Into<String>) -> Self {
        InjectError {
            message: message.into(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InjectError {}

/// A value the transport attached to the call, cloned out of
/// [`CallScope::extensions`]. Over HTTP these are the request's extensions, so a
/// tool sees what the parent app's middleware inserted.
#[derive(Debug, Clone)]
pub struct Extension<T>(pub T);

impl<L, T: Clone + Send + Sync + 'static> Inject<L> for Extension<T> {
    fn inject(scope: &CallScope) -> Result<Self, InjectError> {
        scope
            .extensions()
            .get::<T>()
            .cloned()
            .map(Extension)
            .ok_or_else(|| {
                InjectError::new(format!(
                    "this tool needs `Extension<{}>`, and the request carries none",
                    std::any::type_name::<T>()
                ))
            })
    }
}

impl<L, T: Clone + Send + Sync + 'static> Inject<L> for Option<Extension<T>> {
    fn inject(scope: &CallScope) -> Result<Self, InjectError> {
        Ok(scope.extensions().get::<T>().cloned().map(Extension))
    }
}

impl<T> std::ops::Deref for Extension<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
