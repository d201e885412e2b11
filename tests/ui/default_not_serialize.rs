// An argument with `#[arg(default = ..)]` whose type is not `Serialize`: the
// default goes into the input schema.
use ferrymcp::prelude::*;

#[derive(serde::Deserialize, schemars::JsonSchema)]
enum Mode {
    Fast,
    Thorough,
}

#[tool]
async fn scan(#[arg(default = Mode::Fast)] mode: Mode) -> String {
    match mode {
        Mode::Fast => "fast".to_string(),
        Mode::Thorough => "thorough".to_string(),
    }
}

fn main() {
    let _ = Server::builder("scan").tools(tools![scan]);
}
