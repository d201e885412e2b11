// A `#[prompt]` method that takes `self` by value: no get can consume the instance.
use ferrymcp::prelude::*;
use ferrymcp::{prompt, prompts};

struct Style {
    tone: String,
}

impl Style {
    #[prompt]
    async fn review(self, code: String) -> String {
        format!("Review {code}, {}", self.tone)
    }
}

fn main() {
    let style = Style { tone: "kindly".into() };
    let _ = Server::builder("style").prompts(prompts![style => Style::review]);
}
