// A prompt that returns something that is not prompt messages.
use ferrymcp::{prompt, prompts};

/// A number.
#[prompt]
async fn number() -> u32 {
    7
}

fn main() {
    let _ = ferrymcp::catalog::Catalog::new::<()>(Default::default(), prompts![number]);
}
