// `ask_first` on a tool that never runs as a task.
use ferrymcp::prelude::*;

/// Asks first, but never runs as a task.
#[tool(ask_first)]
async fn confirm(ctx: Ctx) -> String {
    let _ = ctx;
    "ok".into()
}

fn main() {}
