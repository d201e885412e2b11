// A task tool whose future is not `Send`: it holds an `Rc` across an `.await`,
// so it cannot move to a worker thread.
use ferrymcp::prelude::*;
use std::rc::Rc;

#[tool(task = true)]
async fn count(n: i64) -> i64 {
    let shared = Rc::new(n);
    tokio::task::yield_now().await;
    *shared
}

fn main() {
    let _ = Server::builder("count").tools(tools![count]);
}
