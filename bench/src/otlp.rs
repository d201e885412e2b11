//! `serve` with OpenTelemetry exporting (the `otel` feature): with
//! `FERRYMCP_BENCH_OTLP=URL`, an SDK tracer provider (batch) and meter
//! provider (every 5 s) export over OTLP/HTTP to `URL/v1/traces` and
//! `URL/v1/metrics`, behind a `tracing-opentelemetry` layer at `info` (the
//! request span's level). Without it nothing is installed: the feature is
//! compiled in, no SDK, no subscriber.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use std::time::Duration;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// The providers; dropping them flushes and stops the exporters.
pub struct Providers {
    tracer: opentelemetry_sdk::trace::SdkTracerProvider,
    meter: opentelemetry_sdk::metrics::SdkMeterProvider,
}

impl Drop for Providers {
    fn drop(&mut self) {
        let _ = self.tracer.shutdown();
        let _ = self.meter.shutdown();
    }
}

/// Installs the exporting providers when `FERRYMCP_BENCH_OTLP` is set.
pub fn from_env() -> Option<Providers> {
    let base = std::env::var("FERRYMCP_BENCH_OTLP").ok()?;
    let base = base.trim_end_matches('/');
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name("ferrymcp-bench")
        .build();
    let spans = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("{base}/v1/traces"))
        .build()
        .expect("an OTLP span exporter");
    let tracer = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(spans)
        .with_resource(resource.clone())
        .build();
    let metrics = opentelemetry_otlp::MetricExporter::builder()
        .with_http()
        .with_endpoint(format!("{base}/v1/metrics"))
        .build()
        .expect("an OTLP metric exporter");
    let reader = opentelemetry_sdk::metrics::PeriodicReader::builder(metrics)
        .with_interval(Duration::from_secs(5))
        .build();
    let meter = opentelemetry_sdk::metrics::SdkMeterProvider::builder()
        .with_reader(reader)
        .with_resource(resource)
        .build();
    opentelemetry::global::set_meter_provider(meter.clone());
    let traces = tracing_opentelemetry::layer()
        .with_tracer(tracer.tracer("ferrymcp-bench"))
        .with_filter(tracing_subscriber::filter::LevelFilter::INFO);
    tracing_subscriber::registry().with(traces).init();
    eprintln!("exporting traces and metrics to {base} (OTLP/HTTP)");
    Some(Providers { tracer, meter })
}
