//! stdio framing (`transport/stdio.rs`): lines read off a reader that
//! hands its bytes over in pieces, and a whole session served over them.
//!
//! The input's first byte says how many of the next bytes are piece sizes
//! (at most seven); the rest is what the client writes. The lines read
//! must be the bytes between newlines, whatever the pieces; served, every
//! line the server writes back is one JSON-RPC message, every answer names
//! a request that was sent, and every line that is not JSON gets its parse
//! error.

use crate::protocol::jsonrpc::{code, parse_message, Incoming, RequestId};
use crate::server::Server;
use crate::transport::serve_io;
use crate::transport::stdio::{read_line, LineRead};
use serde_json::Value;
use std::collections::HashSet;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, BufReader, ReadBuf};

/// The longest input served as a session (framing is checked on all).
const MAX_SERVED: usize = 64 * 1024;

/// The check.
pub fn check(data: &[u8]) {
    let Some((&count, rest)) = data.split_first() else {
        return;
    };
    let (sizes, stream) = rest.split_at(usize::from(count % 8).min(rest.len()));
    let lines = read_lines(stream, sizes);
    let expected: Vec<&[u8]> = match stream.strip_suffix(b"\n") {
        _ if stream.is_empty() => Vec::new(),
        Some(ended) => ended.split(|&b| b == b'\n').collect(),
        None => stream.split(|&b| b == b'\n').collect(),
    };
    assert_eq!(
        lines,
        expected,
        "{:?} in pieces of {sizes:?}",
        String::from_utf8_lossy(stream)
    );
    if stream.len() <= MAX_SERVED {
        check_session(stream, &lines);
    }
}

/// A reader that hands over at most the next of `sizes` bytes (plus one) at
/// a time.
struct Pieces<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    turn: usize,
}

impl AsyncRead for Pieces<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let size = match self.sizes {
            [] => 4096,
            sizes => 1 + usize::from(sizes[self.turn % sizes.len()]),
        };
        let n = size.min(self.data.len()).min(buf.remaining());
        buf.put_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.turn += 1;
        Poll::Ready(Ok(()))
    }
}

/// Every line `read_line` reads, until the end.
fn read_lines(stream: &[u8], sizes: &[u8]) -> Vec<Vec<u8>> {
    let pieces = Pieces {
        data: stream,
        sizes,
        turn: 0,
    };
    let mut reader = BufReader::with_capacity(64, pieces);
    let mut lines = Vec::new();
    futures::executor::block_on(async {
        loop {
            let mut line = Vec::new();
            match read_line(&mut reader, &mut line).await.expect("in memory") {
                LineRead::Line => lines.push(line),
                LineRead::Eof => break,
                LineRead::TooLong => panic!("no line here is too long"),
            }
        }
    });
    lines
}

/// Says back what it is given.
#[crate::tool]
async fn echo(
    /// The text.
    text: String,
) -> String {
    text
}

/// The runtime the sessions run on.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

/// The server every session is served by.
fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        runtime()
            .block_on(Server::builder("fuzz").tools(crate::tools![echo]).build())
            .expect("the server builds")
    })
}

/// What the server writes, kept.
#[derive(Clone, Default)]
struct Written(Arc<Mutex<Vec<u8>>>);

impl AsyncWrite for Written {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.0.lock().expect("not poisoned").extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Serves `stream` as one stdio session and checks what comes back.
fn check_session(stream: &[u8], lines: &[Vec<u8>]) {
    let written = Written::default();
    let session = serve_io(server(), stream, written.clone());
    let served =
        runtime().block_on(async { tokio::time::timeout(Duration::from_secs(10), session).await });
    served
        .expect("the session ends when its input does")
        .expect("in memory");
    let output = std::mem::take(&mut *written.0.lock().expect("not poisoned"));

    let mut ids = HashSet::new();
    let (mut parse_errors, mut without_id) = (0, 0);
    let mut messages = 0;
    // Lines of whitespace are skipped, as the server skips them.
    for line in lines
        .iter()
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
    {
        messages += 1;
        match parse_message(line) {
            Ok(Incoming::Request(request)) => {
                ids.insert(request.id);
            }
            Err(rejected) => match rejected.id {
                Some(id) => {
                    ids.insert(id);
                }
                None => {
                    without_id += 1;
                    parse_errors += usize::from(rejected.error.code == code::PARSE_ERROR);
                }
            },
            Ok(_) => {}
        }
    }
    let text = String::from_utf8(output).expect("the server writes UTF-8");
    assert!(text.is_empty() || text.ends_with('\n'), "{text:?}");
    let (mut answers, mut parse_errors_answered, mut answered_without_id) = (0, 0, 0);
    for line in text.lines() {
        let message: Value = serde_json::from_str(line).expect("each line is JSON");
        assert_eq!(message["jsonrpc"], "2.0", "{line}");
        if message.get("method").is_some() {
            continue;
        }
        answers += 1;
        let id = serde_json::from_value::<Option<RequestId>>(message["id"].clone())
            .expect("an answer's id");
        match id {
            Some(id) => assert!(ids.contains(&id), "an answer to no request: {line}"),
            None => {
                answered_without_id += 1;
                parse_errors_answered += usize::from(message["error"]["code"] == code::PARSE_ERROR);
            }
        }
    }
    assert!(
        answers <= messages,
        "{answers} answers to {messages} messages"
    );
    // A message without a readable id is answered with `id: null`.
    assert_eq!(answered_without_id, without_id, "{text}");
    assert_eq!(parse_errors_answered, parse_errors, "{text}");
}
