// A prompt argument whose type cannot be parsed from the argument's text.
use ferrymcp::{prompt, prompts};

struct Point {
    x: f64,
}

/// Describes a point.
#[prompt]
async fn describe(point: Option<Point>) -> String {
    format!("{}", point.map_or(0.0, |p| p.x))
}

fn main() {
    let _ = ferrymcp::catalog::Catalog::new::<()>(Default::default(), prompts![describe]);
}
