//! The client side: kept-alive connections and flows timed over them.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use serde_json::Value;

use super::{count, DOMAIN, REQUEST_TIMEOUT};

pub(crate) type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// Why an operation failed.
pub(crate) type Failure = String;

/// One answer.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    /// Nothing, when the status is `expected`.
    pub(crate) fn expect(&self, expected: u16) -> Result<(), Failure> {
        if self.status == expected {
            return Ok(());
        }
        Err(format!(
            "status {}: {}",
            self.status,
            String::from_utf8_lossy(&self.body[..self.body.len().min(200)])
        ))
    }

    /// The body as JSON, when the status is `expected`.
    pub(crate) fn json(&self, expected: u16) -> Result<Value, Failure> {
        self.expect(expected)?;
        serde_json::from_slice(&self.body).map_err(|e| format!("not JSON: {e}"))
    }
}

pub(crate) async fn connect(addr: SocketAddr) -> Result<Sender, Failure> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// A request; a JSON body gets its content type.
pub(crate) async fn send(
    sender: &mut Sender,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Result<Answer, Failure> {
    let mut request = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", DOMAIN);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = Full::new(body.map(|b| Bytes::from(b.to_string())).unwrap_or_default());
    let request = request.body(body).map_err(|e| format!("request: {e}"))?;
    let exchange = async {
        sender
            .ready()
            .await
            .map_err(|e| format!("connection: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("response: {e}"))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("body: {e}"))?
            .to_bytes();
        Ok(Answer {
            status,
            headers,
            body,
        })
    };
    tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| "timed out".to_owned())?
}

/// Which flow this is: the worker running it and a number no other flow of the run has.
#[derive(Clone, Copy)]
pub(crate) struct Slot {
    pub(crate) worker: usize,
    pub(crate) n: u64,
}

pub(crate) static NEXT_FLOW: AtomicU64 = AtomicU64::new(1);

impl Slot {
    /// One of `len` things, in turn.
    pub(crate) fn pick(self, len: usize) -> usize {
        usize::try_from(self.n).unwrap_or(usize::MAX) % len.max(1)
    }

    /// An address of the flow's own, so per-network limits see as many customers as flows.
    pub(crate) fn ip(self) -> String {
        let n = self.n;
        format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
    }
}

/// Latencies of the operations that succeeded in one run, the ones that failed, and how long
/// the run took.
pub(crate) struct Run {
    pub(crate) latencies: Vec<Duration>,
    pub(crate) errors: usize,
    pub(crate) elapsed: Duration,
}

impl Run {
    /// Successful operations per second.
    pub(crate) fn per_second(&self) -> f64 {
        count(self.latencies.len()) / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency below which `percent` of the operations finished (nearest rank).
    pub(crate) fn percentile(&self, percent: usize) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let rank = (sorted.len() * percent).div_ceil(100).saturating_sub(1);
        sorted.get(rank).copied().unwrap_or_default()
    }
}

/// Runs operations for `duration` over `concurrency` kept-alive connections to `addr`. A failed
/// operation is counted (its first few reasons printed) and its connection replaced.
pub(crate) async fn drive<F, Fut>(
    addr: SocketAddr,
    duration: Duration,
    concurrency: usize,
    op: F,
) -> Run
where
    F: Fn(Sender, Slot) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Sender, Failure>> + Send,
{
    let errors = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let op = Arc::new(op);
    let start = Instant::now();
    let deadline = start + duration;
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let (errors, latencies, op) = (errors.clone(), latencies.clone(), op.clone());
        workers.push(tokio::spawn(async move {
            let mut sender = None;
            let mut mine = Vec::new();
            while Instant::now() < deadline {
                let slot = Slot {
                    worker,
                    n: NEXT_FLOW.fetch_add(1, Ordering::Relaxed),
                };
                let t0 = Instant::now();
                let outcome = match sender.take() {
                    Some(sender) => Ok(sender),
                    None => connect(addr).await,
                };
                let outcome = match outcome {
                    Ok(connected) => op(connected, slot).await,
                    Err(reason) => Err(reason),
                };
                match outcome {
                    Ok(kept) => {
                        mine.push(t0.elapsed());
                        sender = Some(kept);
                    }
                    Err(reason) => {
                        if errors.fetch_add(1, Ordering::Relaxed) < 5 {
                            eprintln!("load: an operation failed: {reason}");
                        }
                    }
                }
            }
            latencies.lock().map(|mut all| all.extend(mine)).ok();
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
    let elapsed = start.elapsed();
    let latencies = latencies
        .lock()
        .map(|mut all| std::mem::take(&mut *all))
        .unwrap_or_default();
    Run {
        latencies,
        errors: errors.load(Ordering::Relaxed),
        elapsed,
    }
}

/// One `GET` of `path` that must answer 200.
pub(crate) async fn get_ok(mut sender: Sender, path: &str) -> Result<Sender, Failure> {
    send(&mut sender, "GET", path, &[], None)
        .await?
        .expect(200)?;
    Ok(sender)
}

pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
