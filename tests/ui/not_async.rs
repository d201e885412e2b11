// A `#[tool]` on a plain `fn`: tools must be `async fn`.
use ferrymcp::prelude::*;

#[tool]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {
    let _ = Server::builder("calc").tools(tools![add]);
    // The function itself is still there and callable.
    let _ = add(1, 2);
}
