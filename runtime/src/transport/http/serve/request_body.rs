//! Request bodies that must keep arriving: a body that stops for longer than
//! `body_read_timeout`, or comes slower on average than `min_body_rate`
//! once `body_rate_grace` has passed, ends in an error (the response
//! becomes 408, see [`service`](super::service)).
//!
//! Nothing is timed while data is at hand: the clock is read, and the timer
//! created, only when the app waits for bytes that have not come, so a body
//! that arrives with its headers costs nothing.

use super::service::ConnectionState;
use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// The limits a request body is held to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    /// The longest wait for more bytes.
    pub(crate) read_timeout: Duration,
    /// The slowest average, in bytes per second; 0 for none.
    pub(crate) min_rate: u64,
    /// How long any rate is fine.
    pub(crate) rate_grace: Duration,
}

/// How a body failed to arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyTimeout {
    /// No byte for `read_timeout`.
    Stalled,
    /// Under `min_rate` on average.
    TooSlow,
}

/// The error a timed-out body ends with.
#[derive(Debug)]
pub(crate) struct BodyTimeoutError {
    kind: BodyTimeout,
    limits: BodyLimits,
    received: u64,
}

impl fmt::Display for BodyTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            BodyTimeout::Stalled => write!(
                f,
                "no byte of the request body came for {:?}",
                self.limits.read_timeout
            ),
            BodyTimeout::TooSlow => write!(
                f,
                "the request body arrived too slowly: {} bytes, under the minimum of {} bytes/s",
                self.received, self.limits.min_rate
            ),
        }
    }
}

impl std::error::Error for BodyTimeoutError {}

/// A request body held to [`BodyLimits`].
pub(crate) struct TimedBody {
    inner: Incoming,
    limits: BodyLimits,
    /// Where a timeout is recorded for the response; `None` for an empty
    /// body, which has nothing to time.
    connection: Option<Arc<ConnectionState>>,
    received: u64,
    wait: Option<Wait>,
    timed_out: bool,
}

/// The clock of a body the app has had to wait for.
struct Wait {
    /// When the app first waited: the rate is measured from here.
    first: Instant,
    /// When new bytes were last seen.
    progress: Instant,
    /// `received` at that moment.
    received_then: u64,
    sleep: Pin<Box<Sleep>>,
}

impl TimedBody {
    pub(crate) fn new(
        inner: Incoming,
        limits: BodyLimits,
        connection: &Arc<ConnectionState>,
    ) -> TimedBody {
        let connection = (!inner.is_end_stream()).then(|| Arc::clone(connection));
        TimedBody {
            inner,
            limits,
            connection,
            received: 0,
            wait: None,
            timed_out: false,
        }
    }

    /// Called when the app waits for bytes: fails the body once a limit is
    /// passed, else makes sure the task wakes when the next one would be.
    fn poll_limits(&mut self, cx: &mut Context<'_>) -> Poll<Option<BodyTimeout>> {
        let now = Instant::now();
        let received = self.received;
        let wait = self.wait.get_or_insert_with(|| Wait {
            first: now,
            progress: now,
            received_then: received,
            sleep: Box::pin(tokio::time::sleep_until(now)),
        });
        if received != wait.received_then {
            wait.received_then = received;
            wait.progress = now;
        }
        let mut deadline = (
            wait.progress + self.limits.read_timeout,
            BodyTimeout::Stalled,
        );
        if self.limits.min_rate > 0 {
            let allowed = u128::from(received) * 1_000_000_000 / u128::from(self.limits.min_rate);
            let allowed = Duration::from_nanos(u64::try_from(allowed).unwrap_or(u64::MAX));
            if let Some(at) = wait
                .first
                .checked_add(self.limits.rate_grace)
                .and_then(|t| t.checked_add(allowed))
            {
                if at < deadline.0 {
                    deadline = (at, BodyTimeout::TooSlow);
                }
            }
        }
        if now >= deadline.0 {
            return Poll::Ready(Some(deadline.1));
        }
        if wait.sleep.deadline() != deadline.0 {
            wait.sleep.as_mut().reset(deadline.0);
        }
        match wait.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(deadline.1)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Body for TimedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.timed_out {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match this.poll_limits(cx) {
                Poll::Ready(Some(kind)) => {
                    this.timed_out = true;
                    if let Some(connection) = &this.connection {
                        connection.record_body_timeout(kind);
                    }
                    tracing::debug!(received = this.received, ?kind, "request body timed out");
                    Poll::Ready(Some(Err(Box::new(BodyTimeoutError {
                        kind,
                        limits: this.limits,
                        received: this.received,
                    }))))
                }
                _ => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.timed_out || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
