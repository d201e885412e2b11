// A `#[tool]` on a method: tools are free functions.
use ferrymcp::prelude::*;

struct Calculator;

impl Calculator {
    #[tool]
    async fn add(&self, a: i64, b: i64) -> i64 {
        a + b
    }
}

fn main() {
    let _ = Calculator.add(1, 2);
}
