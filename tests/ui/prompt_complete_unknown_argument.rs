// A completion function for an argument the prompt does not have.
use ferrymcp::{prompt, prompts};

async fn languages(_value: String) -> Vec<String> {
    Vec::new()
}

/// Reviews code.
#[prompt(complete(lang = languages))]
async fn review(code: String, language: String) -> String {
    format!("Review this {language}: {code}")
}

fn main() {
    let _ = ferrymcp::catalog::Catalog::new::<()>(Default::default(), prompts![review]);
}
