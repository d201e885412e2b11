//! MCP-level middleware for the `composed` example (and its tests): layers
//! over ferrymcp's [`McpService`](ferrymcp::server::McpService).

pub mod audit;
pub mod rate_limit;
