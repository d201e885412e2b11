// `task` given a value it does not take.
use ferrymcp::prelude::*;

#[tool(task = "sometimes")]
async fn reindex(repo: String) -> String {
    repo
}

fn main() {
    let _ = Server::builder("repo").tools(tools![reindex]);
}
