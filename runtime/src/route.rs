//! Compile-time routing shared by the code `#[tool]`, `#[resource]` and
//! `#[prompt]` generate. Not public API: reached through the macros' hidden
//! module.
//!
//! A wrapper does not know at expansion time whether the user's function
//! returns `Result<T, E>` or a plain `T`, nor what `T` and `E` are. It names
//! the type in a tag ([`ReturnTag`], [`OutputTag`], [`ErrorTag`]) and calls a
//! method through references (`(&&tag).split(..)`): method resolution takes
//! the impl with the fewest auto-derefs, so the most specific route that
//! applies wins (autoref dispatch). The splits and tags live here once; the
//! routes of the success and error values are the tool's
//! (`tool::output::route`) and the catalog's (`catalog::wrapper`), whose
//! diagnostics each name their own kind of item.

use crate::call::CallScope;
use crate::inject::{Inject, InjectError};
use std::marker::PhantomData;

/// What a list macro gets in place of an item that the attribute macros did
/// not generate (`tools![helper]` for a function without `#[tool]`): the
/// compile error is reported where the item is named, and this stands in
/// (it implements `ToolFn`, `ResourceFn` and `PromptFn`, and is never
/// called) so that it is the only error.
pub struct NotAnItem;

/// Names a return type so a split can be picked for it.
pub struct ReturnTag<T>(PhantomData<T>);
/// Names the success type of a return type.
pub struct OutputTag<T>(PhantomData<T>);
/// Names the error type of a return type.
pub struct ErrorTag<T>(PhantomData<T>);

impl<T> ReturnTag<T> {
    /// The tag of `T`.
    pub fn new() -> Self {
        ReturnTag(PhantomData)
    }
}
impl<T> Default for ReturnTag<T> {
    fn default() -> Self {
        Self::new()
    }
}
impl<T> OutputTag<T> {
    /// The tag of a value's type.
    pub fn of(_: &T) -> Self {
        OutputTag(PhantomData)
    }
}
impl<T> ErrorTag<T> {
    /// The tag of an error's type.
    pub fn of(_: &T) -> Self {
        ErrorTag(PhantomData)
    }
}

// --- splitting Result<T, E> from plain T ---

/// `Result<T, E>` splits into its success and error.
pub trait SplitResult {
    /// The success type.
    type Ok;
    /// The error type.
    type Err;
    /// Splits the value.
    fn split(self, value: Result<Self::Ok, Self::Err>) -> Result<Self::Ok, Self::Err>;
    /// The tag of the success type.
    fn ok_tag(self) -> OutputTag<Self::Ok>;
}
impl<T, E> SplitResult for &&ReturnTag<Result<T, E>> {
    type Ok = T;
    type Err = E;
    fn split(self, value: Result<T, E>) -> Result<T, E> {
        value
    }
    fn ok_tag(self) -> OutputTag<T> {
        OutputTag(PhantomData)
    }
}

/// Any other type is all success.
pub trait SplitPlain {
    /// The value's type.
    type Ok;
    /// Wraps the value as success.
    fn split(self, value: Self::Ok) -> Result<Self::Ok, std::convert::Infallible>;
    /// The tag of the value's type.
    fn ok_tag(self) -> OutputTag<Self::Ok>;
}
impl<T> SplitPlain for &ReturnTag<T> {
    type Ok = T;
    fn split(self, value: T) -> Result<T, std::convert::Infallible> {
        Ok(value)
    }
    fn ok_tag(self) -> OutputTag<T> {
        OutputTag(PhantomData)
    }
}

// --- injected parameters ---

/// A server whose lifespan is `Self` supplies the injected parameter `T`.
///
/// A generated `ToolFn<L>` (or `ResourceFn<L>`, `PromptFn<L>`) impl bounds
/// `L: Supplies<T>` rather than `T: Inject<L>`: with the lifespan as the self
/// type, the compiler cannot pick `L` from the parameter (`Lifespan<Foo>`
/// would make it `Foo`) and waits for the server's type, so a mismatch is
/// reported as [`FromLifespan`](crate::FromLifespan)'s message at the
/// function's name.
pub trait Supplies<T>: Sized {
    /// Resolves the parameter from the call scope.
    fn supply(scope: &CallScope) -> Result<T, InjectError>;
}
impl<L, T: Inject<L>> Supplies<T> for L {
    fn supply(scope: &CallScope) -> Result<T, InjectError> {
        T::inject(scope)
    }
}
