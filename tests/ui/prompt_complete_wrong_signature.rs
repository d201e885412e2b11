// A completion function with the wrong signature: it must take the value typed
// so far as a `String`.
use ferrymcp::{prompt, prompts};

async fn numbers(value: u32) -> Vec<String> {
    vec![value.to_string()]
}

/// Counts.
#[prompt(complete(count = numbers))]
async fn count_to(count: u32) -> String {
    format!("Count to {count}")
}

fn main() {
    let _ = ferrymcp::catalog::Catalog::new::<()>(Default::default(), prompts![count_to]);
}
