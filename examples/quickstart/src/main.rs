//! The ferrymcp quick start: a few tools, served over stdio.
//!
//! Run it with `cargo run -p quickstart`; an MCP client talks to it on stdin and
//! stdout, and logs go to stderr.

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
    /// The smallest.
    min: Option<f64>,
    /// The largest.
    max: Option<f64>,
}

/// Computes count, mean, min and max of a list of numbers.
#[tool(read_only)]
async fn stats(
    /// The numbers.
    values: Vec<f64>,
) -> Stats {
    let count = values.len();
    let mean = (count > 0).then(|| values.iter().sum::<f64>() / count as f64);
    let min = values.iter().copied().reduce(f64::min);
    let max = values.iter().copied().reduce(f64::max);
    Stats {
        count,
        mean,
        min,
        max,
    }
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
/// cancelled. Clients that speak tasks may run it as one.
#[tool(task = true)]
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

/// The ferrymcp quick start: a few tools, served over stdio.
///
/// An MCP client talks to it on stdin and stdout (start it from the client's
/// configuration); logs go to stderr (`RUST_LOG`, default `info`). It takes
/// no options besides these.
#[derive(clap::Parser)]
#[command(name = "quickstart", version, about, long_about)]
struct Cli {}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Cli {} = <Cli as clap::Parser>::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
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
    server.serve_stdio().await?;
    server.shutdown().await;
    Ok(())
}
