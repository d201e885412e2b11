//! The server under test, in a process of its own (`soak serve`): one task
//! tool, the streamable HTTP endpoint at `/mcp` with the session idle timeout
//! of the run, and two routes of the bench itself: `GET /soak/heap` and
//! `POST /soak/trim` (the allocator's view, see [`crate::memory`]).

use crate::memory;
use ferrymcp::prelude::*;
use ferrymcp::transport::http::HttpOptions;
use std::time::Duration;

/// Answers with its label; runs as a background task when asked.
#[tool(task = true)]
async fn work(
    /// A label unique to the task.
    label: String,
) -> String {
    format!("done {label}")
}

/// Serves on 127.0.0.1 (a free port) and prints the address on stdout.
pub async fn run(idle: Duration, max_sessions: usize) -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::builder("soak").tools(tools![work]).build().await?;
    let options = HttpOptions::new()
        .session_idle_timeout(idle)
        .max_sessions(max_sessions);
    let app = server
        .router_at_with("/mcp", options)
        .route(
            "/soak/heap",
            axum::routing::get(|| async { memory::heap().to_string() }),
        )
        .route(
            "/soak/trim",
            axum::routing::post(|| async { memory::trim().to_string() }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
