// A misspelled `#[tool]` option: the error names the valid ones.
use ferrymcp::prelude::*;

#[tool(readonly)]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {
    let _ = Server::builder("calc").tools(tools![add]);
}
