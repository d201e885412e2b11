//! Helpers shared by the integration tests: validation against the official MCP
//! JSON Schemas, and a client that drives a server binary over real stdio.

pub mod spec;
pub mod stdio;
