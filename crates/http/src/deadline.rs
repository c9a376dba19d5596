//! The header-read deadline of one connection.
//!
//! hyper's own `header_read_timeout` closes the connection without a word; ours answers
//! `408` with the usual JSON error first, so a slow client learns what happened, and closes an
//! idle keep-alive connection (no byte of a next request within the same time) silently.
//! hyper's timeout stays configured a little later as a backstop.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{sleep, Instant, Sleep};

/// Shared between the connection's IO and its service: `true` while a request is being
/// handled, when the header deadline does not apply.
#[derive(Debug, Clone, Default)]
pub(crate) struct InRequest(Arc<AtomicBool>);

impl InRequest {
    pub(crate) fn set(&self, busy: bool) {
        self.0.store(busy, Ordering::Release);
    }

    fn get(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

#[derive(Debug)]
enum Phase {
    /// Waiting for a request head; `read` bytes of it arrived so far.
    Head { read: usize },
    /// The deadline passed with part of a head read: writing the 408, `written` bytes so far.
    Answering { written: usize },
    /// Finished: every read is end-of-stream.
    Closed,
}

/// A stream that enforces the header deadline.
#[derive(Debug)]
pub(crate) struct HeaderDeadline<T> {
    inner: T,
    timeout: Duration,
    sleep: Pin<Box<Sleep>>,
    armed: bool,
    phase: Phase,
    in_request: InRequest,
}

impl<T> HeaderDeadline<T> {
    pub(crate) fn new(inner: T, timeout: Duration, in_request: InRequest) -> Self {
        Self {
            inner,
            timeout,
            sleep: Box::pin(sleep(timeout)),
            armed: true,
            phase: Phase::Head { read: 0 },
            in_request,
        }
    }
}

fn timeout_response(timeout: Duration) -> Vec<u8> {
    let body = format!(
        "{{\"error\":{{\"code\":\"header_timeout\",\"message\":\"request headers were not received within {} s\"}}}}",
        timeout.as_secs()
    );
    format!(
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for HeaderDeadline<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.in_request.get() {
            // The head is in; request and body time limits apply from here. Re-arm for the
            // next request on this connection.
            this.armed = false;
            this.phase = Phase::Head { read: 0 };
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        loop {
            match this.phase {
                Phase::Closed => return Poll::Ready(Ok(())),
                Phase::Answering { written } => {
                    let response = timeout_response(this.timeout);
                    if written >= response.len() {
                        ready!(Pin::new(&mut this.inner).poll_flush(cx))?;
                        this.phase = Phase::Closed;
                        continue;
                    }
                    let n = ready!(Pin::new(&mut this.inner).poll_write(cx, &response[written..]))?;
                    if n == 0 {
                        this.phase = Phase::Closed;
                        continue;
                    }
                    this.phase = Phase::Answering {
                        written: written + n,
                    };
                }
                Phase::Head { read } => {
                    if !this.armed {
                        this.armed = true;
                        this.sleep.as_mut().reset(Instant::now() + this.timeout);
                    }
                    let before = buf.filled().len();
                    match Pin::new(&mut this.inner).poll_read(cx, buf) {
                        Poll::Ready(result) => {
                            this.phase = Phase::Head {
                                read: read + buf.filled().len() - before,
                            };
                            return Poll::Ready(result);
                        }
                        Poll::Pending => {
                            ready!(this.sleep.as_mut().poll(cx));
                            // Deadline passed with no complete head.
                            this.phase = if read > 0 {
                                Phase::Answering { written: 0 }
                            } else {
                                Phase::Closed
                            };
                        }
                    }
                }
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for HeaderDeadline<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
