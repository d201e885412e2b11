// A `Result` whose error type cannot be shown to the client (not `Display`).
use ferrymcp::prelude::*;

#[derive(Debug)]
struct Oops;

#[tool]
async fn fallible() -> Result<String, Oops> {
    Err(Oops)
}

fn main() {
    let _ = Server::builder("fallible").tools(tools![fallible]);
}
