// A destructuring pattern as a parameter: an argument needs a name.
use ferrymcp::prelude::*;

#[tool]
async fn add((a, b): (i64, i64)) -> i64 {
    a + b
}

fn main() {
    let _ = Server::builder("calc").tools(tools![add]);
}
