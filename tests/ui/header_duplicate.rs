// Two arguments mirrored into the same header: header names are
// case-insensitive, so `Region` and `region` collide.
use ferrymcp::prelude::*;

#[tool]
async fn route(
    #[arg(header = "Region")] region: String,
    #[arg(header = "region")] fallback: String,
) -> String {
    format!("{region} {fallback}")
}

fn main() {
    let _ = Server::builder("route").tools(tools![route]);
}
