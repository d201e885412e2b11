// A return type that is neither content nor `Serialize + JsonSchema`.
use ferrymcp::prelude::*;

struct Report {
    lines: usize,
}

#[tool]
async fn report() -> Report {
    Report { lines: 0 }
}

fn main() {
    let _ = Server::builder("report").tools(tools![report]);
}
