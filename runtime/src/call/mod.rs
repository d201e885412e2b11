//! One call, as every layer above sees it.
//!
//! A transport turns each request into a [`CallScope`]: who the client is
//! ([`ClientInfo`]), the way back to it ([`Outbound`]), the log level it asked
//! for ([`LogLevelFilter`]), the request's cancellation, how questions reach
//! it, and where the app announces changes ([`Notifier`]). Injection,
//! questions to the client, tools, tasks and dispatch all build on these
//! types; none of them knows which transport or revision carried the call.

mod changes;
mod outbound;
mod questions;
mod scope;

pub(crate) use changes::Filter;
pub use changes::{Change, ChangeRelay, Notifier};
pub use outbound::{ChannelOutbound, NoOutbound, Outbound};
pub use questions::InputError;
pub(crate) use questions::{QuestionChannel, Questions};
pub(crate) use scope::CallMeta;
pub use scope::{CallScope, ClientInfo, LogLevelFilter};
