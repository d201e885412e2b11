// A misspelled `uri` option: one error, naming the valid options (not also
// "`uri` is missing").
use ferrymcp::{resource, resources};

/// The readme.
#[resource(url = "docs://readme")]
async fn readme() -> String {
    "# Hello".into()
}

fn main() {
    let _ = ferrymcp::catalog::Catalog::new::<()>(resources![readme], Default::default());
}
