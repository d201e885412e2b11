//! A stdio server whose prompts, resources and completions ask the client
//! (elicitation), and whose task waits until it is cancelled: the child
//! process of the `stdio_waits` tests.

use ferrymcp::catalog::{Completion, CompletionContext, PromptMessage};
use ferrymcp::prelude::*;
use ferrymcp::{prompt, prompts, resource, resources, InputError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Topic {
    topic: String,
}

/// The topic the user gave, or `none`.
async fn ask_topic(ctx: &Ctx, message: &str) -> Result<String, InputError> {
    Ok(ctx
        .elicit::<Topic>(message)
        .await?
        .accepted()
        .map_or_else(|| "none".into(), |t| t.topic))
}

/// A prompt that asks the user for its topic first.
#[prompt]
async fn essay(ctx: Ctx) -> Result<PromptMessage, InputError> {
    let topic = ask_topic(&ctx, "Which topic?").await?;
    Ok(PromptMessage::user_text(format!(
        "Write an essay on {topic}"
    )))
}

/// A resource that asks the user which note to show.
#[resource(uri = "notes://chosen", mime_type = "text/plain")]
async fn chosen_note(ctx: Ctx) -> Result<String, InputError> {
    let topic = ask_topic(&ctx, "Which note?").await?;
    Ok(format!("the note on {topic}"))
}

/// A prompt whose argument's completion asks the user.
#[prompt(complete(subject = ask_for_suggestion))]
async fn about(
    /// The subject.
    subject: String,
) -> String {
    format!("Tell me about {subject}")
}

/// Suggests what the user says.
async fn ask_for_suggestion(_value: String, context: CompletionContext) -> Completion {
    let ctx = Ctx::new(context.scope().clone());
    match ask_topic(&ctx, "Suggest a subject").await {
        Ok(topic) => Completion::new(vec![topic]),
        Err(_) => Completion::new(Vec::new()),
    }
}

/// Counts the waits of `held` that ended without an answer (dropped).
#[derive(Default)]
struct Dropped {
    count: AtomicUsize,
    changed: Notify,
}

struct CountOnDrop(Arc<Dropped>);

impl Drop for CountOnDrop {
    fn drop(&mut self) {
        self.0.count.fetch_add(1, Ordering::SeqCst);
        self.0.changed.notify_waiters();
    }
}

/// A prompt that asks and holds its question until it is answered or
/// cancelled; a cancelled one is counted by `dropped_waits`.
#[prompt]
async fn held(ctx: Ctx, dropped: Lifespan<Dropped>) -> Result<String, InputError> {
    let guard = CountOnDrop(Arc::clone(&dropped.0));
    let topic = ask_topic(&ctx, "Hold on").await?;
    std::mem::forget(guard);
    Ok(format!("held {topic}"))
}

/// Waits until `count` waits of `held` were dropped; returns the count.
#[tool]
async fn dropped_waits(count: usize, dropped: Lifespan<Dropped>) -> String {
    loop {
        let changed = dropped.changed.notified();
        let now = dropped.count.load(Ordering::SeqCst);
        if now >= count {
            return format!("{now} dropped");
        }
        changed.await;
    }
}

/// Works in the background until it is cancelled.
#[tool(task = true)]
async fn until_cancelled(ctx: Ctx) -> Result<String, ToolError> {
    ctx.cancelled().await;
    Err(ToolError::new("cancelled"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::builder("stdio-asking")
        .lifespan(|| async { Ok::<_, std::io::Error>(Dropped::default()) })
        .tools(tools![dropped_waits, until_cancelled])
        .prompts(prompts![essay, about, held])
        .resources(resources![chosen_note])
        .build()
        .await?;
    server.serve_stdio().await?;
    server.shutdown().await;
    Ok(())
}
