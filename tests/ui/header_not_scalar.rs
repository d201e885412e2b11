// An `#[arg(header)]` argument whose values cannot be a header (a number with
// a fraction): only strings, integers and booleans can be mirrored.
use ferrymcp::prelude::*;

#[tool]
async fn scale(#[arg(header = "Factor")] factor: Option<f64>) -> String {
    format!("{factor:?}")
}

fn main() {
    let _ = Server::builder("scale").tools(tools![scale]);
}
