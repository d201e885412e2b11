//! Injection: how a tool's non-argument parameters are supplied.
//!
//! Every call has one [`CallScope`](crate::call::CallScope). The `#[tool]` wrapper resolves each injected
//! parameter from it through the [`Inject`] trait: [`Ctx`] for logging, progress
//! and cancellation, [`Lifespan<T>`] for the server's start-up value,
//! [`Extension<T>`] for values the transport attached, and any type of yours that
//! implements [`Inject`].

mod access_token;
mod ctx;
mod exchange;
mod extract;
mod lifespan;

pub use ctx::Ctx;
pub use extract::{Extension, Inject, InjectError};
pub use lifespan::{FromLifespan, Lifespan};
mod headers;
pub use headers::Headers;
