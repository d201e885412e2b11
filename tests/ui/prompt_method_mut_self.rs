// A `#[prompt]` method that takes `&mut self`: one instance serves every get.
use ferrymcp::prelude::*;
use ferrymcp::{prompt, prompts};

struct Style {
    uses: u64,
}

impl Style {
    #[prompt]
    async fn review(&mut self, code: String) -> String {
        self.uses += 1;
        format!("Review {code}")
    }
}

fn main() {
    let style = Style { uses: 0 };
    let _ = Server::builder("style").prompts(prompts![style => Style::review]);
}
