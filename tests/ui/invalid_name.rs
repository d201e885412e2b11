// A tool name with a character MCP does not allow (a space).
use ferrymcp::prelude::*;

#[tool(name = "has space")]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {
    let _ = Server::builder("calc").tools(tools![add]);
}
