//! stdio: newline-delimited JSON-RPC on a reader and a writer.
//!
//! One loop reads the client's messages, and nothing a request waits for may
//! stop it: a request that may wait (a tool, a prompt, a read or a completion
//! that asks the client, `tasks/result` waiting for its task, storage) runs
//! beside the reader, so that the client's answers, `ping` and
//! `notifications/cancelled` are read while it waits. Only requests that
//! answer at once from memory and whose order matters (`initialize`,
//! `logging/setLevel`, subscriptions, the lists) are answered in the loop, in
//! the order they arrived.
//!
//! At most [`MAX_CONCURRENT_REQUESTS`] requests run beside the reader; one
//! more, or a request whose id is already in use by a running one, is refused
//! at once (-32600) rather than left unread. Each request's messages
//! (progress, logs, questions) and then its one response leave in order on
//! the one writer.

use crate::call::ChannelOutbound;
use crate::protocol::jsonrpc::{error_response, parse_message};
use crate::protocol::{ErrorObject, Incoming, Method, RequestId};
use crate::server::Server;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// The longest line accepted; longer ones are answered with -32600 and skipped.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// How many requests of one stdio connection may run beside the reader at
/// once. One more is refused (-32600) instead of waiting for room: the room
/// could only come from an answer the reader would have to read first.
pub const MAX_CONCURRENT_REQUESTS: usize = 128;

/// Serves one session on a reader and a writer (stdin and stdout for a real
/// stdio server) until the reader closes, then waits for the calls in flight.
///
/// Requests that may wait run concurrently, so that the client's answers,
/// `ping` and `notifications/cancelled` are read meanwhile; the others are
/// answered in the order they arrived. At most [`MAX_CONCURRENT_REQUESTS`]
/// requests run beside the reader.
pub async fn serve_io<R, W>(server: &Server, reader: R, writer: W) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Value>(1024);
    let writer_task = tokio::spawn(write_lines(writer, rx));
    let session = server.session(Arc::new(ChannelOutbound(tx.clone())));
    let mut reader = BufReader::new(reader);
    let running = Running::default();
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
            Ok(Incoming::Request(request)) if answers_at_once(&request.method) => {
                if let Err(error) = running.check(&request.id) {
                    let _ = tx.send(error_response(Some(&request.id), &error)).await;
                    continue;
                }
                // In order: `initialize` must finish before what follows it.
                if let Some(response) = session.handle(Incoming::Request(request)).await {
                    let _ = tx.send(response).await;
                }
            }
            Ok(Incoming::Request(request)) => {
                let slot = match running.claim(&request.id) {
                    Ok(slot) => slot,
                    Err(error) => {
                        let _ = tx.send(error_response(Some(&request.id), &error)).await;
                        continue;
                    }
                };
                let session = session.clone();
                let tx = tx.clone();
                calls.spawn(async move {
                    let outbound = Arc::new(ChannelOutbound(tx.clone()));
                    let response = session
                        .handle_request(request, outbound, http::Extensions::new())
                        .await;
                    // The id is free before the client can see its response.
                    drop(slot);
                    if let Some(response) = response {
                        let _ = tx.send(response).await;
                    }
                });
            }
            Ok(Incoming::Response(response)) => session.handle_response(response),
            Ok(Incoming::Notification(notification)) => session.handle_notification(notification),
        }
        while calls.try_join_next().is_some() {}
    }
    // Nothing can answer a question now: the calls waiting on one end.
    session.end_of_input();
    while calls.join_next().await.is_some() {}
    drop(session);
    drop(tx);
    writer_task
        .await
        .map_err(|e| std::io::Error::other(format!("stdio writer failed: {e}")))?
}

/// Requests answered in the reading loop: those that answer at once from
/// memory, in an order that matters ([`Method::answers_at_once`]). Every
/// other request, known or not, runs beside the reader.
fn answers_at_once(method: &str) -> bool {
    Method::parse(method).is_some_and(Method::answers_at_once)
}

/// The ids of the requests running beside the reader.
#[derive(Clone, Default)]
struct Running(Arc<Mutex<HashSet<RequestId>>>);

impl Running {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<RequestId>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Refuses an id a running request uses (its response would be
    /// ambiguous, and its cancellation would reach the wrong request).
    fn check(&self, id: &RequestId) -> Result<(), ErrorObject> {
        match self.lock().contains(id) {
            true => Err(id_in_use(id)),
            false => Ok(()),
        }
    }

    /// Records `id` as running, when it is free and there is room.
    fn claim(&self, id: &RequestId) -> Result<Slot, ErrorObject> {
        let mut running = self.lock();
        if running.contains(id) {
            return Err(id_in_use(id));
        }
        if running.len() >= MAX_CONCURRENT_REQUESTS {
            return Err(ErrorObject::invalid_request(format!(
                "Invalid request: {MAX_CONCURRENT_REQUESTS} requests of this connection are already running; wait for a response before sending more"
            )));
        }
        running.insert(id.clone());
        Ok(Slot {
            running: self.clone(),
            id: id.clone(),
        })
    }
}

fn id_in_use(id: &RequestId) -> ErrorObject {
    ErrorObject::invalid_request(format!(
        "Invalid request: the request id {id} is already in use by a request that is still running; use a fresh id"
    ))
}

/// A running request's id, freed however the request ends (even if its
/// handler panics).
struct Slot {
    running: Running,
    id: RequestId,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.running.lock().remove(&self.id);
    }
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

impl Server {
    /// Serves one client over stdin and stdout (newline-delimited JSON) until
    /// stdin closes. Log with `tracing` to stderr: stdout carries only messages.
    pub async fn serve_stdio(&self) -> std::io::Result<()> {
        serve_io(self, tokio::io::stdin(), tokio::io::stdout()).await
    }
}
