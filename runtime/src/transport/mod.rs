//! Transports: how messages reach the server and leave it.
//!
//! A transport turns bytes into [`Incoming`](crate::protocol::Incoming) messages,
//! hands them to a [`Session`](crate::server::Session), and delivers what the
//! session sends back through an [`Outbound`](crate::call::Outbound) sink.

pub mod http;
mod memory;
pub(crate) mod stdio;

pub use memory::{Client, RequestHandler};
pub use stdio::{serve_io, MAX_CONCURRENT_REQUESTS};
