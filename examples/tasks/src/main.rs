//! Background tasks with ferrymcp.
//!
//! ```text
//! cargo run -p tasks -- --bind 127.0.0.1:8000 [--dev-token TOKEN]
//! ```
//!
//! `slow_task` may run as a task: a client of 2025-11-25 asks for one with
//! `params.task`, a client of 2026-07-28 opts into the tasks extension; other
//! clients get it inline. It reports progress every 100 ms, can be cancelled
//! (`tasks/cancel`), and reads the caller's token and the server's lifespan
//! value, which are the same inside the worker as inline. `report` only runs
//! as a task.
//!
//! The MCP endpoint is nested at `/mcp` of an app whose middleware puts the
//! tenant (header `X-Tenant`, default `public`) in the request's extensions;
//! the server carries it into tasks (`.carry::<Tenant>()`).
//!
//! With `--dev-token TOKEN`, the endpoint requires `Authorization: Bearer
//! TOKEN` (subject `dev`); without it there is no authorization, so a task is
//! bound to the session that created it (2025-11-25) or to nobody
//! (2026-07-28: the unguessable id is the only protection) and tasks are kept
//! five minutes.
//!
//! Prints the MCP URL on stdout once it accepts connections.

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use ferrymcp::auth::{AccessToken, AuthConfig, StaticTokenVerifier};
use ferrymcp::prelude::*;
use ferrymcp::TaskOptions;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// The server's lifespan value: what every call shares, inline or in a worker.
struct App {
    /// Where the app runs (stands in for a database pool, a client, ...).
    region: String,
    started: Instant,
}

/// The tenant the app's middleware resolved; carried into tasks.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Tenant(String);

/// Adds two numbers.
#[tool(read_only)]
async fn add(
    /// The first addend.
    a: i64,
    /// The second addend.
    b: i64,
) -> i64 {
    a + b
}

/// Works for a while, reporting progress; may run as a background task.
#[tool(task = true)]
async fn slow_task(
    /// How long to work, in seconds (default 1).
    seconds: Option<f64>,
    /// How long to work, in milliseconds (overrides `seconds`).
    duration: Option<u64>,
    ctx: Ctx,
    token: Option<AccessToken>,
    app: Lifespan<App>,
    tenant: Option<Extension<Tenant>>,
) -> Result<String, ToolError> {
    let total_ms = match (duration, seconds) {
        (Some(ms), _) => ms,
        (None, Some(s)) if s.is_finite() && s >= 0.0 => (s * 1000.0) as u64,
        (None, Some(s)) => return Err(ToolError::new(format!("`seconds` must be >= 0, got {s}"))),
        (None, None) => 1000,
    };
    let steps = total_ms.div_ceil(100).max(1);
    for step in 1..=steps {
        tokio::select! {
            _ = ctx.cancelled() => return Err(ToolError::new("cancelled")),
            _ = tokio::time::sleep(Duration::from_millis(total_ms / steps)) => {}
        }
        let message = format!("step {step} of {steps}");
        ctx.progress(step as f64, Some(steps as f64), Some(&message))
            .await;
    }
    let who = token
        .as_ref()
        .and_then(|t| t.subject())
        .unwrap_or("anonymous");
    let tenant = tenant.map_or_else(|| "none".to_string(), |t| t.0 .0.clone());
    Ok(format!(
        "worked {total_ms} ms for {who} (tenant {tenant}) in {} ({}; server up {} s)",
        app.region,
        match ctx.task_id() {
            Some(id) => format!("task {id}"),
            None => "inline".to_string(),
        },
        app.started.elapsed().as_secs()
    ))
}

/// Builds a report; only runs as a background task.
#[tool(task = "required")]
async fn report(
    /// What the report is about.
    topic: String,
    ctx: Ctx,
    app: Lifespan<App>,
) -> String {
    ctx.progress(1.0, Some(2.0), Some("collecting")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    ctx.progress(2.0, Some(2.0), Some("writing")).await;
    format!("report on {topic} from {}", app.region)
}

/// The app's middleware: resolves the tenant before any route runs.
async fn resolve_tenant(mut request: Request, next: Next) -> Response {
    let tenant = request
        .headers()
        .get("x-tenant")
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.is_empty())
        .unwrap_or("public")
        .to_string();
    request.extensions_mut().insert(Tenant(tenant));
    next.run(request).await
}

struct Args {
    bind: String,
    dev_token: Option<String>,
}

fn args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut args = Args {
        bind: "127.0.0.1:8000".into(),
        dev_token: None,
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--bind" => args.bind = it.next().ok_or("--bind needs HOST:PORT")?,
            "--dev-token" => args.dev_token = Some(it.next().ok_or("--dev-token needs a value")?),
            "-h" | "--help" => {
                println!("usage: tasks [--bind HOST:PORT] [--dev-token TOKEN]");
                std::process::exit(0);
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: [--bind HOST:PORT] [--dev-token TOKEN]"
                ))
            }
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = args()?;
    let listener = tokio::net::TcpListener::bind(&args.bind).await?;
    let url = format!("http://{}/mcp", listener.local_addr()?);
    let mut builder = Server::builder("tasks")
        .version(env!("CARGO_PKG_VERSION"))
        .lifespan(|| async {
            Ok::<_, std::io::Error>(App {
                region: "eu-west".into(),
                started: Instant::now(),
            })
        })
        .tools(tools![add, slow_task, report])
        .carry_as::<Tenant>("tenant")
        .task_options(TaskOptions::default().concurrency(4));
    if let Some(token) = args.dev_token {
        let auth = AuthConfig::builder(
            StaticTokenVerifier::new().token(token, AccessToken::builder().subject("dev")),
        )
        .resource(url.clone())
        .authorization_server("https://auth.example.invalid")
        .build()?;
        builder = builder.auth(auth);
    }
    let server = builder.build().await?;
    let app = axum::Router::new()
        .route("/health", get(|| async { "ok\n" }))
        .nest("/mcp", server.router())
        .layer(middleware::from_fn(resolve_tenant));
    println!("{url}");
    let shutdown = {
        let server = server.clone();
        async move {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down: running tasks get 30 s to finish");
            server.shutdown().await;
        }
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
