//! The tools, lifespan and settings of the `tasks` example, shared by its
//! HTTP node (`tasks`) and its worker process (`worker`): a distributed
//! deployment runs the same tool code everywhere.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use ferrymcp::auth::AccessToken;
use ferrymcp::prelude::*;
use ferrymcp::task::redis::{RedisBackend, RedisChangeRelay, RedisConfig};
use ferrymcp::{ServerBuilder, TaskOptions};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// The server's lifespan value: what every call shares, inline or in a worker.
pub struct App {
    /// Where the app runs (stands in for a database pool, a client, ...).
    pub region: String,
    /// When the process started.
    pub started: Instant,
}

/// The tenant the app's middleware resolved; carried into tasks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tenant(pub String);

/// Adds two numbers.
#[tool(read_only)]
pub async fn add(
    /// The first addend.
    a: i64,
    /// The second addend.
    b: i64,
) -> i64 {
    a + b
}

/// Works for a while, reporting progress; may run as a background task.
#[tool(task = true)]
pub async fn slow_task(
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
        if total_ms > 0 {
            let message = format!("step {step} of {steps}");
            ctx.progress(step as f64, Some(steps as f64), Some(&message))
                .await;
        }
    }
    let who = token
        .as_ref()
        .and_then(|t| t.subject())
        .unwrap_or("anonymous");
    let tenant = tenant.map_or_else(|| "none".to_string(), |t| t.0 .0.clone());
    Ok(format!(
        "worked {total_ms} ms for {who} (tenant {tenant}) in {} ({}, attempt {}; process {} up {} s)",
        app.region,
        match ctx.task_id() {
            Some(id) => format!("task {id}"),
            None => "inline".to_string(),
        },
        ctx.attempt(),
        std::process::id(),
        app.started.elapsed().as_secs()
    ))
}

/// Builds a report; only runs as a background task.
#[tool(task = "required")]
pub async fn report(
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
pub async fn resolve_tenant(mut request: Request, next: Next) -> Response {
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

/// The server of both processes, before transport-specific settings.
pub fn builder(options: TaskOptions) -> ServerBuilder<App> {
    Server::builder("tasks")
        .version(env!("CARGO_PKG_VERSION"))
        .lifespan(|| async {
            Ok::<_, std::io::Error>(App {
                region: "eu-west".into(),
                started: Instant::now(),
            })
        })
        .tools(tools![add, slow_task, report])
        .carry_as::<Tenant>("tenant")
        .task_options(options)
}

/// The Redis settings both processes take on their command line.
#[derive(Debug, Default, clap::Args)]
#[command(next_help_heading = "Tasks in Redis")]
pub struct RedisArgs {
    /// Store tasks in the Redis at this URL (e.g. `redis://127.0.0.1:6379`),
    /// shared by every HTTP node and worker.
    #[arg(long = "redis", value_name = "URL")]
    pub url: Option<String>,
    /// The prefix of every Redis key [default: ferrymcp]; processes that
    /// share a prefix share tasks.
    #[arg(long, value_name = "P")]
    pub prefix: Option<String>,
    /// Split the task queue into N shards, each under its own hash tag
    /// (its own slot on a Redis Cluster) [default: 1]; every process of a
    /// deployment must use the same N.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub shards: Option<u16>,
    /// Encrypt task snapshots with this key: a key id, a colon and 32 bytes
    /// in base64 [default: $FERRYMCP_SNAPSHOT_KEY].
    #[arg(long = "snapshot-key", value_name = "KEY_ID:BASE64")]
    pub key: Option<String>,
    /// A retired snapshot key, still accepted for reading (repeatable).
    #[arg(long = "old-snapshot-key", value_name = "KEY_ID:BASE64")]
    pub old_keys: Vec<String>,
    /// How long a worker holds a task before another may take it over, in
    /// milliseconds [default: 30000].
    #[arg(long = "visibility-timeout-ms", value_name = "N")]
    pub visibility_ms: Option<u64>,
    /// How many tasks this process runs at once [default: 4].
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Keep the caller's raw bearer token in task snapshots (for tools that
    /// forward it); without --snapshot-key it is stored unencrypted.
    #[arg(long)]
    pub keep_raw_token: bool,
    /// How many queued or running tasks one caller may have [default: 100].
    #[arg(long = "max-active-tasks-per-caller", value_name = "N")]
    pub max_active_per_caller: Option<usize>,
}

impl RedisArgs {
    /// The task options these arguments ask for.
    pub fn options(&self) -> TaskOptions {
        let mut options = TaskOptions::default()
            .concurrency(self.concurrency.unwrap_or(4))
            .shutdown_grace(Duration::from_secs(10));
        if let Some(n) = self.max_active_per_caller {
            options = options.max_active_tasks_per_caller(n);
        }
        if self.keep_raw_token {
            options.keep_raw_token()
        } else {
            options
        }
    }

    /// The Redis backend, when `--redis` was given.
    pub fn backend(&self) -> Result<Option<RedisBackend>, Box<dyn std::error::Error>> {
        match self.config()? {
            Some(config) => Ok(Some(RedisBackend::new(config)?)),
            None => Ok(None),
        }
    }

    /// The relay of change announcements between nodes and workers, when
    /// `--redis` was given.
    pub fn change_relay(&self) -> Result<Option<RedisChangeRelay>, Box<dyn std::error::Error>> {
        match self.config()? {
            Some(config) => Ok(Some(RedisChangeRelay::new(&config)?)),
            None => Ok(None),
        }
    }

    fn config(&self) -> Result<Option<RedisConfig>, Box<dyn std::error::Error>> {
        let Some(url) = &self.url else {
            return Ok(None);
        };
        let mut config = RedisConfig::new(url.clone());
        if let Some(prefix) = &self.prefix {
            config = config.prefix(prefix.clone());
        }
        if let Some(n) = self.shards {
            config = config.shards(usize::from(n));
        }
        if let Some(ms) = self.visibility_ms {
            config = config.visibility_timeout(Duration::from_millis(ms));
        }
        for old in &self.old_keys {
            config = config.snapshot_key_text(old, false)?;
        }
        let key = self
            .key
            .clone()
            .or_else(|| std::env::var("FERRYMCP_SNAPSHOT_KEY").ok());
        match key {
            Some(key) => config = config.snapshot_key_text(&key, true)?,
            None if self.keep_raw_token => tracing::warn!(
                "task snapshots are stored in Redis unencrypted, with the caller's raw token (--keep-raw-token); set --snapshot-key (or FERRYMCP_SNAPSHOT_KEY)"
            ),
            None => tracing::info!("task snapshots are stored in Redis unencrypted (without the caller's raw token)"),
        }
        Ok(Some(config))
    }
}

/// Logs to stderr (stdout carries only the URL), `RUST_LOG` or `info`.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
}

/// Where to export OpenTelemetry traces and metrics.
#[derive(Debug, Default, clap::Args)]
#[command(next_help_heading = "Telemetry")]
pub struct TelemetryArgs {
    /// Export OpenTelemetry traces and metrics to this OTLP/HTTP collector
    /// (protobuf over plain HTTP), e.g. http://127.0.0.1:4318; /v1/traces and
    /// /v1/metrics are added to it. A task's run on a worker is in the trace
    /// of the request that created it.
    #[arg(long, value_name = "URL")]
    pub otlp: Option<String>,
}

/// Flushes and stops the OpenTelemetry exporters when dropped.
#[derive(Default)]
pub struct Telemetry {
    tracer: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
    meter: Option<opentelemetry_sdk::metrics::SdkMeterProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(tracer) = self.tracer.take() {
            let _ = tracer.shutdown();
        }
        if let Some(meter) = self.meter.take() {
            let _ = meter.shutdown();
        }
    }
}

/// Logs as [`init_logging`] does and, with `--otlp URL`, exports the
/// spans (at `info`) and the metrics of `service` to that collector. Keep
/// the returned value until the process ends: dropping it flushes.
pub fn init_telemetry(
    service: &'static str,
    args: &TelemetryArgs,
) -> Result<Telemetry, Box<dyn std::error::Error>> {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::WithExportConfig;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{EnvFilter, Layer};

    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()));
    let Some(base) = args.otlp.as_deref() else {
        tracing_subscriber::registry().with(logs).init();
        return Ok(Telemetry::default());
    };
    let base = base.trim_end_matches('/');
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(service)
        .build();
    let spans = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("{base}/v1/traces"))
        .build()?;
    let tracer = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(spans)
        .with_resource(resource.clone())
        .build();
    let metrics = opentelemetry_otlp::MetricExporter::builder()
        .with_http()
        .with_endpoint(format!("{base}/v1/metrics"))
        .build()?;
    let meter = opentelemetry_sdk::metrics::SdkMeterProvider::builder()
        .with_periodic_exporter(metrics)
        .with_resource(resource)
        .build();
    // Before the server is built: its instruments are made on first use.
    opentelemetry::global::set_meter_provider(meter.clone());
    let traces = tracing_opentelemetry::layer()
        .with_tracer(tracer.tracer("ferrymcp"))
        // The request and task spans are at INFO; the exporter's own HTTP
        // client logs below it, so its requests are never traced.
        .with_filter(EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .init();
    tracing::info!("exporting traces and metrics to {base} (OTLP/HTTP)");
    Ok(Telemetry {
        tracer: Some(tracer),
        meter: Some(meter),
    })
}
