//! ferrymcp composition and middleware: two servers mounted into one, tower
//! layers around every MCP request, and a tool switched on at run time.
//!
//! ```text
//! cargo run -p composed -- --bind 127.0.0.1:8000
//! ```
//!
//! Serves at `/mcp`:
//! - `math_add`, `math_divide`: the `math` server, with its own lifespan
//!   (the precision it rounds to), mounted at `math`;
//! - `text_word_count`: the `text` server's task tool (it runs as a background
//!   task when the client asks), with its own lifespan, mounted at `text`;
//! - `beta_search`: disabled at start; the `unlock_beta` tool enables it while
//!   the server runs, and clients hear `notifications/tools/list_changed`;
//! - three layers around every request, task runs in workers included: an
//!   audit log (one `tracing` event per request), a limit of
//!   `--calls-per-minute` tool calls per subject, and tower's timeout.
//!
//! Prints the MCP URL on stdout once it accepts connections.

use composed::{audit, rate_limit::PerSubjectLimit};
use ferrymcp::prelude::*;
use ferrymcp::server::{Item, LiveCatalog};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// How many decimals the `math` server rounds to (its lifespan value).
struct Precision(i32);

/// Adds two numbers.
#[tool(read_only)]
async fn add(a: f64, b: f64, precision: Lifespan<Precision>) -> f64 {
    round(a + b, precision.0 .0)
}

/// Divides `a` by `b`; dividing by zero is a tool error.
#[tool(read_only)]
async fn divide(a: f64, b: f64, precision: Lifespan<Precision>) -> Result<f64, ToolError> {
    if b == 0.0 {
        return Err(ToolError::new("cannot divide by zero"));
    }
    Ok(round(a / b, precision.0 .0))
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// What counts as a word for the `text` server (its lifespan value).
struct Words {
    min_len: usize,
}

/// Counts the words of a text (of at least the server's minimum length), as
/// a background task when the client asks.
#[tool(task = true)]
async fn word_count(text: String, words: Lifespan<Words>) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().count() >= words.min_len)
        .count()
}

/// The root server's lifespan: its own live catalog, once built.
#[derive(Clone, Default)]
struct Switch(Arc<OnceLock<LiveCatalog>>);

/// Searches the beta index (disabled until `unlock_beta` runs).
#[tool(read_only)]
async fn beta_search(query: String) -> String {
    format!("beta results for {query:?}")
}

/// Switches `beta_search` on for every client.
#[tool]
async fn unlock_beta(switch: Lifespan<Switch>) -> Result<String, ToolError> {
    let catalog = switch
        .0
         .0
        .get()
        .ok_or_else(|| ToolError::new("the server is still starting"))?;
    let changed = catalog
        .enable(&Item::tool("beta_search"))
        .map_err(|e| ToolError::new(e.to_string()))?;
    Ok(if changed {
        "beta_search is on".into()
    } else {
        "beta_search was already on".into()
    })
}

/// Two servers mounted into one, with middleware around every request.
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
    let math = Server::builder("math")
        .lifespan(|| async { Ok::<_, std::io::Error>(Precision(2)) })
        .tools(tools![add, divide])
        .build()
        .await?;
    let text = Server::builder("text")
        .lifespan(|| async { Ok::<_, std::io::Error>(Words { min_len: 2 }) })
        .tools(tools![word_count])
        .build()
        .await?;
    let switch = Switch::default();
    let lifespan = switch.clone();
    let server = Server::builder("composed")
        .version(env!("CARGO_PKG_VERSION"))
        .lifespan(move || async move { Ok::<_, std::io::Error>(lifespan) })
        // The first layer is the outermost: the audit log sees refusals too.
        .layer(audit::layer())
        .layer(PerSubjectLimit::new(
            cli.calls_per_minute,
            Duration::from_secs(60),
        ))
        .layer(ferrymcp::tower::timeout::TimeoutLayer::new(
            Duration::from_millis(cli.timeout_ms),
        ))
        .mount("math", math)
        .mount("text", text)
        .tools(tools![beta_search, unlock_beta])
        .build()
        .await?;
    server.catalog().disable(&Item::tool("beta_search"))?;
    let _ = switch.0.set(server.catalog());
    let listener = tokio::net::TcpListener::bind(&cli.bind).await?;
    println!("http://{}/mcp", listener.local_addr()?);
    ferrymcp::transport::http::serve(listener, server.router_at("/mcp")).await?;
    server.shutdown().await;
    Ok(())
}
