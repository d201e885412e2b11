// A `#[prompt]` method of a generic `impl`: the item needs a concrete type.
use ferrymcp::prelude::*;
use ferrymcp::{prompt, prompts};

struct Style<T> {
    tone: T,
}

impl<T: std::fmt::Display + Send + Sync + 'static> Style<T> {
    #[prompt]
    async fn review(&self, code: String) -> String {
        format!("Review {code}, {}", self.tone)
    }
}

fn main() {
    let style = Style { tone: "kindly" };
    let _ = Server::builder("style").prompts(prompts![style => Style::review]);
}
