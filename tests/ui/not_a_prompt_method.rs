// `prompts![state => ..]` given a method that has no `#[prompt]`.
use ferrymcp::prelude::*;
use ferrymcp::{prompt, prompts};

struct Style;

impl Style {
    #[prompt]
    async fn review(&self, code: String) -> String {
        format!("Review {code}")
    }

    async fn helper(&self) -> String {
        String::new()
    }
}

fn main() {
    let _ = Server::builder("style").prompts(prompts![Style => Style::review, Style::helper]);
}
