//! ferrymcp middleware: tower layers around every MCP request.
//!
//! ```text
//! cargo run -p composed -- --bind 127.0.0.1:8000
//! ```
//!
//! Serves a few tools at `/mcp` behind three layers: an audit log (one
//! `tracing` event per request, task runs in workers included), a limit of
//! `--calls-per-minute` tool calls per subject, and tower's own timeout.
//! Prints the MCP URL on stdout once it accepts connections.

use composed::{audit, rate_limit::PerSubjectLimit};
use ferrymcp::prelude::*;
use std::time::Duration;

/// Adds two numbers.
#[tool(read_only)]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Waits `ms` milliseconds (the timeout layer stops it after `--timeout-ms`).
#[tool]
async fn wait(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("waited {ms} ms")
}

/// Counts the words of a text, as a background task when the client asks.
#[tool(task = true)]
async fn word_count(text: String) -> usize {
    text.split_whitespace().count()
}

/// Middleware around an MCP server: an audit log, a per-subject rate limit,
/// a timeout.
#[derive(clap::Parser)]
#[command(name = "composed", version, about, long_about)]
struct Cli {
    /// The address to listen on; port 0 picks a free one.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8000")]
    bind: String,
    /// Tool calls each subject may make per minute.
    #[arg(long, default_value_t = 60)]
    calls_per_minute: u32,
    /// How long one request may take, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    timeout_ms: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = <Cli as clap::Parser>::parse();
    let server = Server::builder("composed")
        .version(env!("CARGO_PKG_VERSION"))
        // The first layer is the outermost: the audit log sees refusals too.
        .layer(audit::layer())
        .layer(PerSubjectLimit::new(
            cli.calls_per_minute,
            Duration::from_secs(60),
        ))
        .layer(ferrymcp::tower::timeout::TimeoutLayer::new(
            Duration::from_millis(cli.timeout_ms),
        ))
        .tools(tools![add, wait, word_count])
        .build()
        .await?;
    let listener = tokio::net::TcpListener::bind(&cli.bind).await?;
    println!("http://{}/mcp", listener.local_addr()?);
    ferrymcp::transport::http::serve(listener, server.router_at("/mcp")).await?;
    server.shutdown().await;
    Ok(())
}
