// `#[tool]` on something that is not a function.
use ferrymcp::prelude::*;

#[tool]
struct Add {
    a: i64,
}

fn main() {
    let _ = Add { a: 1 }.a;
}
