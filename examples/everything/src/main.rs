//! The "everything server" the official MCP conformance suite tests, written
//! only with ferrymcp's public API: its fixture tools, resources, templates,
//! prompts and completion, and the task fixtures of the 2026-07-28 suite.
//!
//! ```text
//! cargo run -p everything -- --bind 127.0.0.1:8000
//! ```
//!
//! Prints the MCP URL on stdout once it accepts connections. The fixtures
//! that ask the client something (elicitation, sampling, roots) are in
//! `asking.rs`.

mod asking;
mod headers;

use asking::*;
use ferrymcp::call::Change;
use ferrymcp::catalog::{Blob, Completion, InvalidBase64, PromptMessage, ResourceContents};
use ferrymcp::prelude::*;
use ferrymcp::{prompt, prompts, resource, resources};
use serde_json::json;
use std::time::Duration;

/// A 1x1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
/// A minimal WAV file (44-byte header, no samples).
const WAV: &str = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=";

// --- tools ---

/// Returns a simple text response.
#[tool]
async fn test_simple_text() -> String {
    "This is a simple text response for testing.".into()
}

/// Returns an image.
#[tool]
async fn test_image_content() -> Content {
    Content::image(PNG, "image/png")
}

/// Returns audio.
#[tool]
async fn test_audio_content() -> Content {
    Content::audio(WAV, "audio/wav")
}

/// Returns an embedded resource.
#[tool]
async fn test_embedded_resource() -> Content {
    Content::embedded_text(
        "test://embedded-resource",
        "text/plain",
        "This is an embedded resource content.",
    )
}

/// Returns text, an image and an embedded resource.
#[tool]
async fn test_multiple_content_types() -> Vec<Content> {
    vec![
        Content::text("Multiple content types test:"),
        Content::image(PNG, "image/png"),
        Content::embedded_text(
            "test://mixed-content-resource",
            "application/json",
            json!({"test": "data", "value": 123}).to_string(),
        ),
    ]
}

/// Logs three messages while it runs.
#[tool]
async fn test_tool_with_logging(ctx: Ctx) -> String {
    for message in [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
    ] {
        ctx.info(message).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    "Logging test completed".into()
}

/// Always fails, as a tool error.
#[tool]
async fn test_error_handling() -> Result<String, ToolError> {
    Err(ToolError::new(
        "This tool intentionally returns an error for testing",
    ))
}

/// Reports progress 0, 50 and 100 of 100.
#[tool]
async fn test_tool_with_progress(ctx: Ctx) -> String {
    for step in [0.0, 50.0, 100.0] {
        ctx.progress(step, Some(100.0), None).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    "Progress test completed".into()
}

/// Closes its SSE stream mid-call, then answers: the client reconnects with
/// `Last-Event-ID` and receives the result there (SSE polling, SEP-1699).
#[tool]
async fn test_reconnection(ctx: Ctx) -> String {
    ctx.close_sse_stream();
    tokio::time::sleep(Duration::from_millis(100)).await;
    "Reconnection test completed: the result arrived after the stream was closed".into()
}

/// Greets someone.
#[tool]
async fn greet(
    /// Who to greet.
    name: String,
) -> String {
    format!("Hello, {name}!")
}

/// Computes slowly; may run as a task and can be cancelled.
#[tool(task = true)]
async fn slow_compute(
    /// How long to work, in seconds.
    #[arg(default = 1.0)]
    seconds: f64,
    /// A label echoed in the result.
    #[arg(default = String::new())]
    label: String,
    ctx: Ctx,
) -> Result<String, ToolError> {
    let seconds = seconds.clamp(0.0, 300.0);
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs_f64(seconds)) => {
            Ok(format!("Computed {label} in {seconds} seconds"))
        }
        _ = ctx.cancelled() => Err(ToolError::new("cancelled")),
    }
}

/// A job that fails with a tool error after about a second; only as a task.
#[tool(task = "required")]
async fn failing_job() -> Result<String, ToolError> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    Err(ToolError::new("The job failed"))
}

/// A job that fails with a protocol error; may run as a task.
#[tool(task = true)]
async fn protocol_error_job() -> Result<String, ToolError> {
    tokio::time::sleep(Duration::from_millis(200)).await;
    Err(ToolError::protocol(-32603, "The job hit an internal error"))
}

/// Announces that the tool list changed (the suite's trigger for
/// `notifications/tools/list_changed` on `subscriptions/listen` streams).
#[tool]
async fn test_trigger_tool_change(ctx: Ctx) -> String {
    ctx.notifier().announce(Change::ToolsListChanged);
    "Announced: the tool list changed".into()
}

/// Announces that the prompt list changed.
#[tool]
async fn test_trigger_prompt_change(ctx: Ctx) -> String {
    ctx.notifier().announce(Change::PromptsListChanged);
    "Announced: the prompt list changed".into()
}

/// Announces that `test://watched-resource` changed (subscribers hear
/// `notifications/resources/updated`).
#[tool]
async fn test_trigger_resource_update(ctx: Ctx) -> String {
    ctx.notifier()
        .announce(Change::ResourceUpdated("test://watched-resource".into()));
    "Announced: test://watched-resource changed".into()
}

// --- resources ---

/// A static text resource for testing.
#[resource(
    uri = "test://static-text",
    name = "Static Text Resource",
    mime_type = "text/plain"
)]
async fn static_text() -> String {
    "This is the content of the static text resource.".into()
}

/// A static binary resource (a 1x1 PNG) for testing.
#[resource(
    uri = "test://static-binary",
    name = "Static Binary Resource",
    mime_type = "image/png"
)]
async fn static_binary() -> Result<Blob, InvalidBase64> {
    Blob::from_base64(PNG)
}

/// A resource template with a parameter.
#[resource(
    uri = "test://template/{id}/data",
    name = "Resource Template",
    mime_type = "application/json",
    complete(id = known_ids)
)]
async fn template_data(id: String) -> String {
    json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {id}") }).to_string()
}

/// Suggests template ids.
async fn known_ids(value: String) -> Completion {
    Completion::matching(&value, ["123", "124", "200"])
}

/// A resource clients subscribe to.
#[resource(
    uri = "test://watched-resource",
    name = "Watched Resource",
    mime_type = "text/plain"
)]
async fn watched_resource() -> &'static str {
    "Watched resource content"
}

// --- prompts ---

/// A simple prompt without arguments.
#[prompt]
async fn test_simple_prompt() -> String {
    "This is a simple prompt for testing.".into()
}

/// A prompt with required arguments.
#[prompt(complete(arg1 = complete_arg1))]
async fn test_prompt_with_arguments(
    /// First test argument.
    arg1: String,
    /// Second test argument.
    arg2: String,
) -> PromptMessage {
    PromptMessage::user_text(format!(
        "Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"
    ))
}

/// Suggests values for `arg1`.
async fn complete_arg1(value: String) -> Completion {
    Completion::matching(&value, ["testValue1", "testValue2"])
}

/// A prompt with an embedded resource.
#[prompt]
async fn test_prompt_with_embedded_resource(
    /// URI of the resource to embed.
    #[arg(rename = "resourceUri")]
    resource_uri: String,
) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::embedded(
            ResourceContents::text(resource_uri, "Embedded resource content for testing.")
                .with_mime_type("text/plain"),
        )),
        PromptMessage::user_text("Please process the embedded resource above."),
    ]
}

/// A prompt with an image.
#[prompt]
async fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::image(PNG, "image/png")),
        PromptMessage::user_text("Please analyze the image above."),
    ]
}

/// The conformance suite's everything-server, built only with ferrymcp's public API.
///
/// Serves streamable HTTP at `/mcp` and prints the MCP URL on stdout once it
/// accepts connections; logs go to stderr (`RUST_LOG`, default `warn`).
#[derive(clap::Parser)]
#[command(name = "everything", version, about, long_about)]
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
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let bind = <Cli as clap::Parser>::parse().bind;
    let server = Server::builder("everything")
        .version(env!("CARGO_PKG_VERSION"))
        .tools(tools![
            test_simple_text,
            test_image_content,
            test_audio_content,
            test_embedded_resource,
            test_multiple_content_types,
            test_tool_with_logging,
            test_error_handling,
            test_tool_with_progress,
            test_reconnection,
            greet,
            slow_compute,
            failing_job,
            protocol_error_job,
            test_sampling,
            test_elicitation,
            test_elicitation_sep1034_defaults,
            test_elicitation_sep1330_enums,
            test_input_required_result_elicitation,
            test_input_required_result_sampling,
            test_input_required_result_list_roots,
            test_input_required_result_request_state,
            test_input_required_result_multiple_inputs,
            test_input_required_result_multi_round,
            test_input_required_result_tampered_state,
            test_input_required_result_capabilities,
            test_missing_capability,
            test_streaming_elicitation,
            test_logging_tool,
            confirm_delete,
            multi_input,
            test_tool_with_task,
            test_trigger_tool_change,
            test_trigger_prompt_change,
            test_trigger_resource_update,
            headers::test_custom_headers,
            headers::json_schema_2020_12_tool
        ])
        .resources(resources![
            static_text,
            static_binary,
            template_data,
            watched_resource
        ])
        .prompts(prompts![
            test_simple_prompt,
            test_prompt_with_arguments,
            test_prompt_with_embedded_resource,
            test_prompt_with_image,
            test_input_required_result_prompt
        ])
        .skills_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/skills"))
        .build()
        .await?;
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    let app = axum_app(&server);
    println!("http://{}/mcp", listener.local_addr()?);
    ferrymcp::transport::http::serve(listener, app).await?;
    Ok(())
}

fn axum_app(server: &Server) -> ferrymcp::transport::http::Router {
    server.router_at("/mcp")
}
