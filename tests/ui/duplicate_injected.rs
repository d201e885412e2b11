// The same injected parameter twice.
use ferrymcp::prelude::*;

#[tool]
async fn report(ctx: Ctx, again: Ctx) -> String {
    let _ = (ctx, again);
    String::new()
}

fn main() {
    let _ = Server::builder("report").tools(tools![report]);
}
