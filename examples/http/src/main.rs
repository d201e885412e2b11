//! The ferrymcp quick start, served over streamable HTTP.
//!
//! ```text
//! cargo run -p http-quickstart -- --bind 127.0.0.1:8000
//! ```
//!
//! Prints the MCP URL (`http://127.0.0.1:8000/mcp`) on stdout once it accepts
//! connections; logs go to stderr. Clients of 2025-06-18, 2025-11-25 and
//! 2026-07-28 all connect to the same URL, and so does a browser page on any
//! loopback origin (`http://localhost:5173`): CORS follows the default
//! `Origin` rules, nothing to configure.

use ferrymcp::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;
use std::time::Duration;

/// Adds two numbers.
#[tool(read_only, idempotent)]
async fn add(
    /// The first addend.
    a: i64,
    /// The second addend.
    b: i64,
) -> i64 {
    a + b
}

/// Greets someone by name.
#[tool(title = "Greeter", read_only)]
async fn greet(
    /// Who to greet.
    name: String,
    /// How to greet them.
    #[arg(default = "Hello".to_string())]
    greeting: String,
) -> String {
    format!("{greeting}, {name}!")
}

/// Statistics of a list of numbers.
#[derive(Serialize, JsonSchema)]
struct Stats {
    /// How many numbers there were.
    count: usize,
    /// Their mean, if there were any.
    mean: Option<f64>,
}

/// Computes the count and mean of a list of numbers.
#[tool(read_only)]
async fn stats(
    /// The numbers.
    values: Vec<f64>,
) -> Stats {
    let count = values.len();
    let mean = (count > 0).then(|| values.iter().sum::<f64>() / count as f64);
    Stats { count, mean }
}

/// Divides `a` by `b`; dividing by zero is a tool error.
#[tool(read_only)]
async fn divide(a: f64, b: f64) -> Result<f64, ToolError> {
    if b == 0.0 {
        return Err(ToolError::new("cannot divide by zero"));
    }
    Ok(a / b)
}

/// Counts to `steps`, reporting progress and logging as it goes; stops when
/// cancelled.
#[tool]
async fn countdown(
    /// How many steps (at most 100).
    #[arg(default = 5)]
    steps: u32,
    /// Milliseconds between steps.
    #[arg(default = 100)]
    interval_ms: u64,
    ctx: Ctx,
) -> Result<String, ToolError> {
    if steps > 100 {
        return Err(ToolError::new("steps must be at most 100"));
    }
    ctx.info(format!("counting {steps} steps")).await;
    for step in 1..=steps {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(interval_ms)) => {}
            _ = ctx.cancelled() => return Err(ToolError::new("cancelled")),
        }
        ctx.progress(
            step as f64,
            Some(steps as f64),
            Some(&format!("step {step}")),
        )
        .await;
    }
    Ok(format!("counted {steps} steps"))
}

/// The server's start-up state: here, only when it started.
struct Started {
    at: std::time::SystemTime,
}

/// How long the server has been running, in seconds.
#[tool(read_only)]
async fn uptime(started: Lifespan<Started>) -> f64 {
    started.at.elapsed().map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// The ferrymcp quick start over streamable HTTP: a few tools at /mcp.
///
/// Prints its MCP URL (`http://HOST:PORT/mcp`) on stdout once it accepts
/// connections; logs go to stderr (`RUST_LOG`, default `info`).
#[derive(clap::Parser)]
#[command(name = "http-quickstart", version, about, long_about)]
struct Cli {
    /// The address to listen on; port 0 picks a free one.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8000")]
    bind: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let bind = <Cli as clap::Parser>::parse().bind;
    let server = Server::builder("quickstart")
        .version(env!("CARGO_PKG_VERSION"))
        .instructions("Arithmetic and a slow countdown, to try ferrymcp.")
        .lifespan(|| async {
            Ok::<_, std::io::Error>(Started {
                at: std::time::SystemTime::now(),
            })
        })
        .tools(tools![add, greet, stats, divide, countdown, uptime])
        .build()
        .await?;
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    let app = axum_app(&server);
    println!("http://{}/mcp", listener.local_addr()?);
    ferrymcp::transport::http::serve(listener, app).await?;
    server.shutdown().await;
    Ok(())
}

/// The endpoint at `/mcp`. `router_at` routes it at its own path: the same
/// endpoint as `Router::new().nest("/mcp", server.router())`, without the URI
/// rewrite and boxed service `nest` adds to every request. `.merge(..)` other
/// routes beside it.
fn axum_app(server: &Server) -> ferrymcp::transport::http::Router {
    server.router_at("/mcp")
}
