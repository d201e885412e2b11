//! Fixtures that ask the client during a call: elicitation, sampling and
//! roots. The same code serves 2025-11-25 sessions (a request on the call's
//! stream) and 2026-07-28 stateless requests (`InputRequiredResult`, retried
//! with `inputResponses`).

use ferrymcp::ask::SamplingRequest;
use ferrymcp::prelude::*;
use ferrymcp::{prompt, InputError, PromptMessage};
use serde::Deserialize;
use serde_json::{json, Value};

/// `{username, email}`, both required.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct UserInfo {
    /// User's response
    username: String,
    /// User's email address
    email: String,
}

/// Asks the client's model to answer a prompt.
#[tool]
pub async fn test_sampling(
    /// The prompt to send to the model.
    prompt: String,
    ctx: Ctx,
) -> Result<String, ToolError> {
    let answer = ctx.sample(SamplingRequest::new(100).user(prompt)).await?;
    Ok(format!(
        "LLM response: {}",
        answer.text().unwrap_or("(no text)")
    ))
}

/// Asks the user for a username and an email address.
#[tool]
pub async fn test_elicitation(
    /// The message to show the user.
    message: String,
    ctx: Ctx,
) -> Result<String, ToolError> {
    Ok(match ctx.elicit::<UserInfo>(message).await? {
        Elicitation::Accept(info) => format!(
            "User response: action: accept, content: {{username: {}, email: {}}}",
            info.username, info.email
        ),
        Elicitation::Decline => "User response: action: decline".into(),
        Elicitation::Cancel => "User response: action: cancel".into(),
    })
}

/// A status with a default.
#[derive(Debug, Default, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Status {
    #[default]
    Active,
    Inactive,
    Pending,
}

fn default_name() -> String {
    "John Doe".into()
}
fn default_age() -> i64 {
    30
}
fn default_score() -> f64 {
    95.5
}
fn default_verified() -> bool {
    true
}

/// A form whose fields have defaults (SEP-1034), derived from the type.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct Profile {
    #[serde(default = "default_name")]
    name: String,
    #[serde(default = "default_age")]
    age: i64,
    #[serde(default = "default_score")]
    score: f64,
    #[serde(default)]
    status: Status,
    #[serde(default = "default_verified")]
    verified: bool,
}

/// Asks for a profile whose fields all have defaults.
#[tool]
pub async fn test_elicitation_sep1034_defaults(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx.elicit::<Profile>("Please review your profile").await?;
    Ok(match answer {
        Elicitation::Accept(p) => format!(
            "Elicitation completed: action=accept, content={{name: {}, age: {}, score: {}, status: {:?}, verified: {}}}",
            p.name, p.age, p.score, p.status, p.verified
        ),
        other => format!("Elicitation completed: action={:?}", other.action()),
    })
}

/// The five enum forms of SEP-1330.
fn enum_forms() -> Value {
    json!({
        "type": "object",
        "properties": {
            "untitledSingle": {"type": "string", "enum": ["option1", "option2", "option3"]},
            "titledSingle": {"type": "string", "oneOf": [
                {"const": "value1", "title": "First Option"},
                {"const": "value2", "title": "Second Option"},
                {"const": "value3", "title": "Third Option"}
            ]},
            "legacyEnum": {"type": "string", "enum": ["opt1", "opt2", "opt3"],
                "enumNames": ["Option One", "Option Two", "Option Three"]},
            "untitledMulti": {"type": "array",
                "items": {"type": "string", "enum": ["option1", "option2", "option3"]}},
            "titledMulti": {"type": "array", "items": {"anyOf": [
                {"const": "value1", "title": "First Choice"},
                {"const": "value2", "title": "Second Choice"},
                {"const": "value3", "title": "Third Choice"}
            ]}}
        }
    })
}

/// Asks the user to pick from enums of every form (SEP-1330).
#[tool]
pub async fn test_elicitation_sep1330_enums(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx
        .elicit_with_schema("Pick your options", enum_forms())
        .await?;
    Ok(format!(
        "Elicitation completed: action={}, content={}",
        answer["action"].as_str().unwrap_or_default(),
        answer.get("content").cloned().unwrap_or(Value::Null)
    ))
}

// --- 2026-07-28 multi round-trip (the same code runs over 2025-11-25 sessions) ---

/// `{name}`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

/// `{ok}`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct Confirm {
    ok: bool,
}

/// `{color}`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct Color {
    color: String,
}

/// `{context}`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct PromptContext {
    context: String,
}

fn name_of(answer: Elicitation<Name>) -> String {
    answer
        .accepted()
        .map_or_else(|| "stranger".into(), |n| n.name)
}

/// Asks for the user's name, then greets them.
#[tool]
pub async fn test_input_required_result_elicitation(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx
        .ask("user_name")
        .elicit::<Name>("What is your name?")
        .await?;
    Ok(format!("Hello, {}!", name_of(answer)))
}

/// Asks the client's model a question.
#[tool]
pub async fn test_input_required_result_sampling(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx
        .ask("capital_question")
        .sample(SamplingRequest::new(100).user("What is the capital of France?"))
        .await?;
    Ok(format!(
        "The model says: {}",
        answer.text().unwrap_or("(no text)")
    ))
}

/// Asks the client for its roots.
#[tool]
pub async fn test_input_required_result_list_roots(ctx: Ctx) -> Result<String, ToolError> {
    let roots = ctx.ask("client_roots").list_roots().await?;
    let uris: Vec<&str> = roots.iter().map(|r| r.uri.as_str()).collect();
    Ok(format!(
        "The client shares {} root(s): {}",
        roots.len(),
        uris.join(", ")
    ))
}

/// Asks for a confirmation; the answer comes back with the sealed state.
#[tool]
pub async fn test_input_required_result_request_state(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx
        .ask("confirm")
        .elicit::<Confirm>("Please confirm")
        .await?;
    let ok = answer.accepted().is_some_and(|c| c.ok);
    Ok(format!("state-ok: confirmed={ok}"))
}

/// Asks three questions at once: a name, a greeting from the model, the roots.
#[tool]
pub async fn test_input_required_result_multiple_inputs(ctx: Ctx) -> Result<String, ToolError> {
    let (name, greeting, roots) = tokio::join!(
        ctx.ask("user_name").elicit::<Name>("What is your name?"),
        ctx.ask("greeting")
            .sample(SamplingRequest::new(50).user("Generate a greeting")),
        ctx.ask("client_roots").list_roots(),
    );
    Ok(format!(
        "{} Your name is {}; you share {} root(s).",
        greeting?.text().unwrap_or("Hello!"),
        name_of(name?),
        roots?.len()
    ))
}

/// Asks two questions, one round each.
#[tool]
pub async fn test_input_required_result_multi_round(ctx: Ctx) -> Result<String, ToolError> {
    let name = name_of(
        ctx.ask("step1")
            .elicit::<Name>("Step 1: What is your name?")
            .await?,
    );
    let color = ctx
        .ask("step2")
        .elicit::<Color>("Step 2: What is your favorite color?")
        .await?
        .accepted()
        .map_or_else(|| "no color".into(), |c| c.color);
    Ok(format!("{name} likes {color}"))
}

/// Asks for a confirmation (a client that alters the state is refused).
#[tool]
pub async fn test_input_required_result_tampered_state(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx
        .ask("confirm")
        .elicit::<Confirm>("Please confirm")
        .await?;
    let ok = answer.accepted().is_some_and(|c| c.ok);
    Ok(format!("confirmed={ok}"))
}

/// Asks the user when the client can show forms, else the client's model.
#[tool]
pub async fn test_input_required_result_capabilities(ctx: Ctx) -> Result<String, ToolError> {
    if ctx.client_supports("elicitation") {
        let answer = ctx
            .ask("user_name")
            .elicit::<Name>("What is your name?")
            .await?;
        return Ok(format!("Hello, {}!", name_of(answer)));
    }
    let answer = ctx
        .ask("model_name")
        .sample(SamplingRequest::new(20).user("Suggest a name for a user"))
        .await?;
    Ok(format!("Hello, {}!", answer.text().unwrap_or("stranger")))
}

/// A prompt that asks the user for context first.
#[prompt]
pub async fn test_input_required_result_prompt(ctx: Ctx) -> Result<PromptMessage, InputError> {
    let context = ctx
        .ask("user_context")
        .elicit::<PromptContext>("What context should the prompt use?")
        .await?
        .accepted()
        .map_or_else(|| "none".into(), |c| c.context);
    Ok(PromptMessage::user_text(format!(
        "Answer using this context: {context}"
    )))
}

// --- 2026-07-28 diagnostics (server-stateless) ---

/// Needs sampling: a client that did not declare it gets -32021.
#[tool]
pub async fn test_missing_capability(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx.sample(SamplingRequest::new(10).user("Say hi")).await?;
    Ok(answer.text().unwrap_or_default().to_owned())
}

/// Asks the user at once: over 2026-07-28, the answer to the call is an
/// `InputRequiredResult`, never a request on the response stream.
#[tool]
pub async fn test_streaming_elicitation(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx.elicit::<Name>("What is your name?").await?;
    Ok(format!("Hello, {}!", name_of(answer)))
}

/// Logs a message; a request that set no log level receives none.
#[tool]
pub async fn test_logging_tool(ctx: Ctx) -> String {
    ctx.info("test_logging_tool ran").await;
    "logged".into()
}

// --- questions inside tasks (2026-07-28 `inputRequests` / `tasks/update`) ---

/// `{confirm}`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct ConfirmDelete {
    /// Whether to delete the file.
    confirm: bool,
}

/// `{name, confirm}`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct NamedConfirm {
    name: String,
    confirm: bool,
}

/// Deletes a file after the user confirms; may run as a task, which then
/// waits in `input_required`.
#[tool(task = true)]
pub async fn confirm_delete(
    /// The file to delete.
    filename: String,
    ctx: Ctx,
) -> Result<String, ToolError> {
    let answer = ctx
        .elicit::<ConfirmDelete>(format!("Delete {filename}?"))
        .await?;
    Ok(match answer.accepted() {
        Some(ConfirmDelete { confirm: true }) => format!("Deleted {filename}"),
        _ => format!("Kept {filename}"),
    })
}

/// Asks two questions at once; may run as a task.
#[tool(task = true)]
pub async fn multi_input(ctx: Ctx) -> Result<String, ToolError> {
    let (first, second) = tokio::join!(
        ctx.ask("first")
            .elicit::<NamedConfirm>("First: your name, and confirm"),
        ctx.ask("second")
            .elicit::<NamedConfirm>("Second: your name, and confirm"),
    );
    let describe = |answer: Elicitation<NamedConfirm>| match answer {
        Elicitation::Accept(a) => format!("{} (confirm={})", a.name, a.confirm),
        other => format!("{:?}", other.action()),
    };
    Ok(format!(
        "first: {}; second: {}",
        describe(first?),
        describe(second?)
    ))
}

/// Asks for the user's name, then works in the background; only as a task.
/// Over 2026-07-28 the question is answered in the foreground, before the
/// task exists (`ask_first`); over 2025-11-25 the task waits in
/// `input_required`.
#[tool(task = "required", ask_first)]
pub async fn test_tool_with_task(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx
        .ask("user_name")
        .elicit::<Name>("What is your name?")
        .await?;
    let name = name_of(answer);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    Ok(format!("Hello, {name}! The background work is done."))
}
