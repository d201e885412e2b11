//! stdio: newline-delimited JSON-RPC on a reader and a writer.

use super::ChannelOutbound;
use crate::protocol::jsonrpc::{error_response, parse_message};
use crate::protocol::{ErrorObject, Incoming};
use crate::server::Server;
use serde_json::Value;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// The longest line accepted; longer ones are answered with -32600 and skipped.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Serves one session on a reader and a writer (stdin and stdout for a real
/// stdio server) until the reader closes, then waits for the calls in flight.
///
/// Tool calls run concurrently, so `notifications/cancelled` can stop a slow
/// one; every other request is answered in the order it arrived.
pub async fn serve_io<R, W>(server: &Server, reader: R, writer: W) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Value>(1024);
    let writer_task = tokio::spawn(write_lines(writer, rx));
    let session = server.session(Arc::new(ChannelOutbound(tx.clone())));
    let mut reader = BufReader::new(reader);
    let mut calls = JoinSet::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        match read_line(&mut reader, &mut line).await? {
            LineRead::Eof => break,
            LineRead::TooLong => {
                let error = ErrorObject::invalid_request(format!(
                    "Invalid request: message longer than {MAX_LINE_BYTES} bytes"
                ));
                let _ = tx.send(error_response(None, &error)).await;
                continue;
            }
            LineRead::Line => {}
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_message(&line) {
            Err(rejected) => {
                let _ = tx.send(rejected.to_response()).await;
            }
            Ok(Incoming::Request(request)) if !runs_long(&request.method) => {
                // Handled in order: `initialize` must finish before what follows it.
                if let Some(response) = session.handle(Incoming::Request(request)).await {
                    let _ = tx.send(response).await;
                }
            }
            Ok(Incoming::Request(request)) => {
                let session = session.clone();
                let tx = tx.clone();
                calls.spawn(async move {
                    let outbound = Arc::new(ChannelOutbound(tx.clone()));
                    if let Some(response) = session
                        .handle_request(request, outbound, http::Extensions::new())
                        .await
                    {
                        let _ = tx.send(response).await;
                    }
                });
            }
            Ok(other) => {
                session.handle(other).await;
            }
        }
        while calls.try_join_next().is_some() {}
    }
    while calls.join_next().await.is_some() {}
    drop(session);
    drop(tx);
    writer_task
        .await
        .map_err(|e| std::io::Error::other(format!("stdio writer failed: {e}")))?
}

/// Requests that may take long run concurrently, so that later messages (such as
/// `notifications/cancelled`) are read while they run; the rest are answered in order.
fn runs_long(method: &str) -> bool {
    matches!(method, "tools/call")
}

pub(crate) enum LineRead {
    Line,
    TooLong,
    Eof,
}

/// Reads up to a newline into `line`, refusing lines over [`MAX_LINE_BYTES`]
/// without buffering them.
pub(crate) async fn read_line<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
    line: &mut Vec<u8>,
) -> std::io::Result<LineRead> {
    let mut too_long = false;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(if too_long {
                LineRead::TooLong
            } else if line.is_empty() {
                LineRead::Eof
            } else {
                LineRead::Line
            });
        }
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], i + 1),
            None => (buf, buf.len()),
        };
        let found_newline = done > chunk.len();
        if !too_long {
            if line.len() + chunk.len() > MAX_LINE_BYTES {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        reader.consume(done);
        if found_newline {
            return Ok(if too_long {
                LineRead::TooLong
            } else {
                LineRead::Line
            });
        }
    }
}

async fn write_lines<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut rx: mpsc::Receiver<Value>,
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    while let Some(message) = rx.recv().await {
        buf.clear();
        serde_json::to_writer(&mut buf, &message).map_err(std::io::Error::other)?;
        buf.push(b'\n');
        writer.write_all(&buf).await?;
        writer.flush().await?;
    }
    Ok(())
}
