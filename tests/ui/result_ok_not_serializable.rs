// A `Result` whose success type is neither content nor serializable data.
use ferrymcp::prelude::*;

struct Report;

#[tool]
async fn report() -> Result<Report, ToolError> {
    Ok(Report)
}

fn main() {
    let _ = Server::builder("report").tools(tools![report]);
}
