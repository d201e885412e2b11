//! The socket of one connection, with the timeouts that hyper does not keep:
//!
//! * between requests (no request in progress), the connection must start
//!   its next request within `idle_timeout`, and, once its first byte has
//!   come, complete the request's head within `header_read_timeout` (the
//!   first request's head is timed from the connection's opening);
//! * while a request is in progress nothing is timed on the read side: the
//!   body has its own limits ([`request_body`](super::request_body)) and the
//!   app may take as long as it needs; nor after a response switched
//!   protocols (101, such as a WebSocket upgrade);
//! * a write that cannot make progress for `write_timeout` (the client does
//!   not read) fails, which closes the connection and drops the response.
//!
//! A failed wait is an I/O error, on which hyper closes the connection. The
//! socket also holds the connection's place under the caps, given back when
//! hyper drops it.
//!
//! On the way of a request this costs two relaxed atomic loads per read and
//! two clock readings per request; the timer is moved only when a read must
//! wait, which for a keep-alive connection is once per request (to the next
//! idle deadline, later than the last: a compare-and-swap).

use super::limits::ConnectionSlot;
use super::service::ConnectionState;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

/// The timeouts of a connection's socket.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SocketTimeouts {
    pub(crate) header_read: Duration,
    pub(crate) idle: Duration,
    pub(crate) write: Duration,
}

/// Where the connection is, as seen from its reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the next request's first byte, until the deadline.
    Idle,
    /// Reading a request's head, until the deadline.
    Head,
    /// A request is in progress.
    Busy,
}

/// A connection's socket with its timeouts and its place under the caps.
pub(crate) struct TimedIo {
    stream: TcpStream,
    state: Arc<ConnectionState>,
    timeouts: SocketTimeouts,
    phase: Phase,
    /// `finished` of the connection's state when last looked at.
    seen_finished: u32,
    /// The read deadline of `Idle` or `Head`.
    read_deadline: Instant,
    /// Set to `read_deadline` only when a read waits: a head that arrives
    /// whole never moves the timer, and moving it later (to the next idle
    /// deadline) is a compare-and-swap where moving it earlier takes the
    /// timer driver's lock.
    read_timer: Pin<Box<Sleep>>,
    /// When writes started to wait, while they do.
    write_stalled_since: Option<Instant>,
    /// Made the first time a write waits.
    write_timer: Option<Pin<Box<Sleep>>>,
    _slot: ConnectionSlot,
}

impl TimedIo {
    /// The socket of a new connection, whose first request head is due at
    /// `head_due`.
    pub(crate) fn new(
        stream: TcpStream,
        state: Arc<ConnectionState>,
        timeouts: SocketTimeouts,
        head_due: Instant,
        slot: ConnectionSlot,
    ) -> TimedIo {
        TimedIo {
            stream,
            state,
            timeouts,
            phase: Phase::Head,
            seen_finished: 0,
            read_deadline: head_due,
            read_timer: Box::pin(tokio::time::sleep_until(head_due)),
            write_stalled_since: None,
            write_timer: None,
            _slot: slot,
        }
    }

    /// Follows the requests: busy while one is in progress, idle from when
    /// one finishes.
    fn follow_requests(&mut self) {
        let (begun, finished) = self.state.counts();
        if begun != finished || self.state.upgraded() {
            self.phase = Phase::Busy;
        } else if self.phase == Phase::Busy || finished != self.seen_finished {
            self.phase = Phase::Idle;
            self.set_read_deadline(Instant::now() + self.timeouts.idle);
        }
        self.seen_finished = finished;
    }

    fn set_read_deadline(&mut self, deadline: Instant) {
        self.read_deadline = deadline;
    }

    /// A read had to wait: fails once the phase's deadline has passed.
    fn poll_read_deadline(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.phase == Phase::Busy {
            return Poll::Pending;
        }
        if self.read_timer.deadline() != self.read_deadline {
            self.read_timer.as_mut().reset(self.read_deadline);
        }
        if self.read_timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let what = match self.phase {
            Phase::Idle => "no request came within the idle timeout",
            _ => "the request head did not arrive within the header read timeout",
        };
        tracing::debug!(
            peer = ?self.stream.peer_addr().ok(),
            "closing the connection: {what}"
        );
        Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, what)))
    }

    /// Times a write: fails when writes have waited for `write` in a row.
    fn watch_write<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if poll.is_ready() {
            self.write_stalled_since = None;
            return poll;
        }
        if self.write_stalled_since.is_none() {
            let now = Instant::now();
            self.write_stalled_since = Some(now);
            let deadline = now + self.timeouts.write;
            match &mut self.write_timer {
                Some(timer) => timer.as_mut().reset(deadline),
                None => self.write_timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
        }
        let waited_enough = self
            .write_timer
            .as_mut()
            .is_some_and(|timer| timer.as_mut().poll(cx).is_ready());
        if !waited_enough {
            return Poll::Pending;
        }
        tracing::debug!(
            peer = ?self.stream.peer_addr().ok(),
            "closing the connection: the client has not read for {:?}",
            self.timeouts.write
        );
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client did not read the response within the write timeout",
        )))
    }
}

impl AsyncRead for TimedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.follow_requests();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if this.phase == Phase::Idle && buf.filled().len() > before {
                    this.phase = Phase::Head;
                    this.set_read_deadline(Instant::now() + this.timeouts.header_read);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => this.poll_read_deadline(cx),
        }
    }
}

impl AsyncWrite for TimedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.watch_write(cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.watch_write(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.stream).poll_flush(cx);
        this.watch_write(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.stream).poll_shutdown(cx);
        this.watch_write(cx, poll)
    }
}
