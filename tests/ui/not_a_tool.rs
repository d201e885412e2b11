// `tools![..]` given a function that has no `#[tool]`.
use ferrymcp::prelude::*;

async fn helper(a: i64) -> i64 {
    a
}

fn main() {
    let _ = Server::builder("calc").tools(tools![helper]);
}
