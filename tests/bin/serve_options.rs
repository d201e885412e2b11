//! A server process for the tests that measure one from outside (its open
//! files, its resident memory): serves the `add` tool at `/mcp` on
//! 127.0.0.1, port chosen by the system, with `serve_with` and the options
//! given as arguments; prints `http://ADDR/mcp`, then serves until its
//! standard input closes.
//!
//! ```text
//! serve-options [--header-read-timeout-ms N] [--max-connections N] [--no-peer-cap]
//! ```

use ferrymcp::prelude::*;
use ferrymcp::transport::http::{serve_with, ServeOptions};
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// Adds two numbers.
#[tool(read_only)]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn options(args: &[String]) -> Result<ServeOptions, String> {
    let mut options = ServeOptions::new();
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut number = || -> Result<u64, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{flag} needs a number"))
        };
        options = match flag.as_str() {
            "--header-read-timeout-ms" => {
                options.header_read_timeout(Duration::from_millis(number()?))
            }
            "--max-connections" => options.max_connections(number()? as usize),
            "--no-peer-cap" => options.max_connections_per_peer(None),
            other => return Err(format!("unknown argument {other:?}")),
        };
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = options(&args)?;
    let server = Server::builder("serve-options")
        .tools(tools![add])
        .build()
        .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("http://{}/mcp", listener.local_addr()?);
    let app = server.router_at("/mcp");
    tokio::spawn(serve_with(listener, app, options));
    let mut sink = [0u8; 64];
    while tokio::io::stdin().read(&mut sink).await? > 0 {}
    Ok(())
}
