// An imported `#[tool]` function (`use m::add; tools![add]`), a `&self`
// method tool, a blocking one and one declared in a block compile and
// register.
use ferrymcp::prelude::*;

mod math {
    use ferrymcp::prelude::*;

    /// Adds two numbers.
    #[tool]
    pub async fn add(a: i64, b: i64) -> i64 {
        a + b
    }

    /// Multiplies two numbers, on the blocking pool.
    #[tool]
    pub fn mul(a: i64, b: i64) -> i64 {
        a * b
    }
}

use math::{add, mul};

struct Repo {
    name: String,
}

impl Repo {
    /// The repository's name.
    #[tool]
    async fn name(&self) -> String {
        self.name.clone()
    }

    /// The name's length, on the blocking pool.
    #[tool]
    pub fn name_len(&self) -> usize {
        self.name.len()
    }
}

fn main() {
    // A tool declared in a block is found too.
    #[tool]
    async fn local() -> i64 {
        1
    }
    let repo = Repo { name: "r".into() };
    let list = tools![add, mul, local; repo => Repo::name, Repo::name_len];
    assert_eq!(list.len(), 5);
    // The functions themselves are unchanged.
    let _ = add(1, 2);
    assert_eq!(mul(2, 3), 6);
    let _ = Server::builder("calc").tools(list);
}
