//! ferrymcp-bench: ferrymcp, rmcp and a bare axum handler, side by side.
//!
//! The binary (`cargo run --release -p ferrymcp-bench`) starts each server in
//! a process of its own, pinned to one core, and drives it from another core
//! with the same load; see `BENCHMARKS.md` at the root of the repository. The
//! modules are a library so that the smoke test and the criterion benches use
//! the same servers and the same driver.

pub mod client;
pub mod flow;
pub mod report;
pub mod servers;
pub mod sys;

pub use client::{Load, Outcome, Stop};
pub use flow::Flow;
pub use servers::Kind;
