//! `Lifespan<T>`: the server's lifespan value (or a part of it) as a parameter.

use super::{Inject, InjectError};

use crate::call::CallScope;
use std::ops::Deref;
use std::sync::Arc;

/// The value the server's lifespan produced at start-up, shared by every call,
/// inline or in a worker.
///
/// Ask for the whole value (`Lifespan<App>`) or, after implementing
/// [`FromLifespan`], for a part of it (`Lifespan<Db>`).
pub struct Lifespan<T: ?Sized>(pub Arc<T>);

impl<T: ?Sized> Clone for Lifespan<T> {
    fn clone(&self) -> Self {
        Lifespan(Arc::clone(&self.0))
    }
}

impl<T: ?Sized> Deref for Lifespan<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for Lifespan<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Lifespan").field(&&*self.0).finish()
    }
}

/// Hands out a part of the server's lifespan value `L`, like axum's `FromRef`.
///
/// Every type is a part of itself, so `Lifespan<L>` always works. For a part:
///
/// ```
/// use ferrymcp::FromLifespan;
/// use std::sync::Arc;
///
/// struct Db;
/// struct App { db: Arc<Db> }
///
/// impl FromLifespan<App> for Db {
///     fn from_lifespan(app: &Arc<App>) -> Arc<Db> {
///         Arc::clone(&app.db)
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "this tool asks for `Lifespan<{Self}>` but the server's lifespan is `{L}`",
    label = "the server's lifespan is `{L}`",
    note = "ask for `Lifespan<{L}>`, or implement `FromLifespan<{L}>` for `{Self}` to hand out a part of it",
    note = "call `.lifespan(..)` on the builder before `.tools(..)`, so the tools are checked against the lifespan type"
)]
pub trait FromLifespan<L>: Send + Sync + 'static {
    /// Takes this part out of the lifespan value.
    fn from_lifespan(lifespan: &Arc<L>) -> Arc<Self>;
}

impl<T: Send + Sync + 'static> FromLifespan<T> for T {
    fn from_lifespan(lifespan: &Arc<T>) -> Arc<T> {
        Arc::clone(lifespan)
    }
}

impl<L: Send + Sync + 'static, T: FromLifespan<L>> Inject<L> for Lifespan<T> {
    fn inject(scope: &CallScope) -> Result<Self, InjectError> {
        let lifespan = Arc::clone(scope.lifespan_any())
            .downcast::<L>()
            .map_err(|_| {
                InjectError::new(format!(
                    "the server's lifespan value is not a `{}`; register tools after `.lifespan(..)`",
                    std::any::type_name::<L>()
                ))
            })?;
        Ok(Lifespan(T::from_lifespan(&lifespan)))
    }
}
