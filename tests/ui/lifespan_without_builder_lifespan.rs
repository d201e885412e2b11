// A tool asks for `Lifespan<Db>`, but the server was given no lifespan.
use ferrymcp::prelude::*;

struct Db;

#[tool]
async fn query(db: Lifespan<Db>) -> String {
    let _ = &*db;
    String::new()
}

fn main() {
    let _ = Server::builder("db").tools(tools![query]);
}
