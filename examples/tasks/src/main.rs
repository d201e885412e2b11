//! Background tasks with ferrymcp.
//!
//! ```text
//! cargo run -p tasks -- --bind 127.0.0.1:8000 [--dev-token TOKEN]
//! cargo run -p tasks -- --bind 127.0.0.1:8000 --redis redis://127.0.0.1:6379 [--workers]
//! cargo run -p tasks -- --otlp http://127.0.0.1:4318   # traces and metrics to a collector
//! ```
//!
//! `slow_task` may run as a task: a client of 2025-11-25 asks for one with
//! `params.task`, a client of 2026-07-28 opts into the tasks extension; other
//! clients get it inline. It reports progress every 100 ms, can be cancelled
//! (`tasks/cancel`), and reads the caller's token and the server's lifespan
//! value, which are the same inside the worker as inline. `report` only runs
//! as a task.
//!
//! The MCP endpoint is mounted at `/mcp` (`router_at`) of an app whose middleware puts the
//! tenant (header `X-Tenant`, default `public`) in the request's extensions;
//! the server carries it into tasks (`.carry::<Tenant>()`).
//!
//! With `--dev-token TOKEN`, the endpoint requires `Authorization: Bearer
//! TOKEN` (subject `dev`); without it there is no authorization, so a task is
//! bound to the session that created it (2025-11-25) or to nobody
//! (2026-07-28: the unguessable id is the only protection) and tasks are kept
//! five minutes. Behind several nodes, use a token: a task bound to the
//! caller's identity is visible from every node; one bound to a session only
//! from the session's node.
//!
//! With `--redis URL`, tasks are stored in Redis and this process is an HTTP
//! node of a distributed deployment: it creates tasks and answers for them,
//! and the `worker` example runs them (add `--workers` to run tasks here as
//! well). See `ferrymcp::task::redis` and the Redis options of [`RedisArgs`].
//!
//! Prints the MCP URL on stdout once it accepts connections.

use axum::middleware;
use axum::routing::get;
use ferrymcp::auth::{AccessToken, AuthConfig, StaticTokenVerifier};
use tasks::{builder, init_telemetry, resolve_tenant, RedisArgs, TelemetryArgs};

/// ferrymcp background tasks: a slow task tool with progress, cancellation,
/// the caller's token and the server's lifespan inside the task.
///
/// Serves streamable HTTP at `/mcp` and prints the MCP URL on stdout once it
/// accepts connections; logs go to stderr (`RUST_LOG`, default `info`). With
/// --redis it is one HTTP node of a distributed deployment whose tasks the
/// `worker` example runs.
#[derive(clap::Parser)]
#[command(name = "tasks", version, about, long_about)]
struct Args {
    /// The address to listen on; port 0 picks a free one.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8000")]
    bind: String,
    /// Require `Authorization: Bearer TOKEN` (subject `dev`); without it
    /// there is no authorization.
    #[arg(long, value_name = "TOKEN")]
    dev_token: Option<String>,
    /// With --redis: run tasks in this process too, not only in workers.
    #[arg(long)]
    workers: bool,
    #[command(flatten)]
    redis: RedisArgs,
    #[command(flatten)]
    telemetry: TelemetryArgs,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = <Args as clap::Parser>::parse();
    let _telemetry = init_telemetry("tasks", &args.telemetry)?;
    let listener = tokio::net::TcpListener::bind(&args.bind).await?;
    let url = format!("http://{}/mcp", listener.local_addr()?);
    let backend = args.redis.backend()?;
    // With Redis, only the worker processes run tasks unless --workers.
    let options = args
        .redis
        .options()
        .run_workers(backend.is_none() || args.workers);
    let mut builder = builder(options);
    if let Some(backend) = backend {
        builder = builder.tasks(backend);
    }
    if let Some(relay) = args.redis.change_relay()? {
        builder = builder.change_relay(relay);
    }
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
        .merge(server.router_at("/mcp"))
        .layer(middleware::from_fn(resolve_tenant));
    println!("{url}");
    let shutdown = {
        let server = server.clone();
        async move {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down: running tasks get 10 s to finish");
            server.shutdown().await;
        }
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
