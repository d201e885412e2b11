//! A worker process of a distributed ferrymcp deployment: it builds the same
//! server as the `tasks` example (same tools, same lifespan), takes tasks
//! from Redis and runs them, and serves no HTTP.
//!
//! ```text
//! cargo run -p worker -- --redis redis://127.0.0.1:6379 [--concurrency 16] [--otlp http://127.0.0.1:4318]
//! ```
//!
//! Start as many as you like, on any machine that reaches Redis. A worker
//! that dies mid-task has its task taken over by another after the
//! visibility timeout (`--visibility-timeout-ms`, default 30 s); delivery is
//! at least once (`Ctx::attempt` counts deliveries). Ctrl-C (or SIGTERM) stops
//! taking tasks and lets the running ones finish (10 s).
//!
//! Prints `worker ready` on stdout once it runs.

use clap::{CommandFactory, Parser};
use tasks::{builder, init_telemetry, RedisArgs, TelemetryArgs};

/// A ferrymcp task worker: takes the `tasks` example's tasks from Redis and
/// runs them; serves no HTTP.
///
/// Prints `worker ready` on stdout once it runs; logs go to stderr
/// (`RUST_LOG`, default `info`). Ctrl-C or SIGTERM stops taking tasks and
/// gives the running ones 10 s to finish. --redis is required.
#[derive(Parser)]
#[command(
    name = "worker",
    version,
    about,
    long_about,
    override_usage = "worker --redis <URL> [OPTIONS]"
)]
struct Args {
    #[command(flatten)]
    redis: RedisArgs,
    #[command(flatten)]
    telemetry: TelemetryArgs,
}

/// The settings; exits with a usage error when --redis is missing.
fn args() -> Args {
    let args = Args::parse();
    if args.redis.url.is_none() {
        Args::command()
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "the following required argument was not provided: --redis <URL>",
            )
            .exit();
    }
    args
}

async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Args {
        redis: args,
        telemetry,
    } = args();
    let _telemetry = init_telemetry("worker", &telemetry)?;
    let backend = args.backend()?.ok_or("--redis URL is required")?;
    let relay = args.change_relay()?.ok_or("--redis URL is required")?;
    let server = builder(args.options())
        .tasks(backend)
        .change_relay(relay)
        .build()
        .await?;
    println!("worker ready");
    let stop = {
        let server = server.clone();
        async move {
            terminated().await;
            tracing::info!("shutting down: running tasks get 10 s to finish");
            server.shutdown().await;
        }
    };
    tokio::join!(server.run_task_workers(), stop);
    Ok(())
}
