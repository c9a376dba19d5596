//! The servers: this program started again as a surface or a hello-world.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::client::{connect, send, Failure};
use super::SERVE;

/// A process this harness started, killed (by its pid) when dropped.
pub(crate) struct Process {
    pub(crate) child: Child,
}

/// A loopback address no one listens on now.
pub(crate) fn free_addr() -> Result<SocketAddr, Failure> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))
}

impl Process {
    /// Starts this program again as `kind` (a surface or `hello`) on `addr` with `args`, its
    /// log to `log`, and waits until it answers `ready`.
    pub(crate) async fn start(
        kind: &str,
        addr: SocketAddr,
        args: &[String],
        log: &Path,
        ready: &str,
    ) -> Result<Self, Failure> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let log_file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let child = Command::new(exe)
            .env(SERVE, kind)
            .arg("--listen")
            .arg(addr.to_string())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("starting {kind}: {e}"))?;
        let mut process = Process { child };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut sender) = connect(addr).await {
                if send(&mut sender, "GET", ready, &[], None)
                    .await
                    .is_ok_and(|a| a.status == 200)
                {
                    return Ok(process);
                }
            }
            if let Ok(Some(status)) = process.child.try_wait() {
                return Err(format!("{kind} stopped ({status}): {}", tail(log)));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{kind} did not answer {ready} in 20 s: {}",
                    tail(log)
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Resident memory in MB, from `/proc`.
    pub(crate) fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last lines of a log, for a failure message.
pub(crate) fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(5)..].join(" | ")
}

/// The server side: this program as a surface's server (the binaries' own `main`) or as a
/// bare hyper hello-world.
pub(crate) fn serve(kind: &str) -> ExitCode {
    match kind {
        "captcha" => watchword_http::main::<watchword_captcha_server::Captcha>(),
        "passkey" => watchword_http::main::<watchword_passkey_server::PasskeyService>(),
        "twoway" => watchword_http::main::<watchword_twoway_server::Twoway>(),
        "auth-host" => watchword_http::main::<watchword_auth_host_server::AuthHost>(),
        "approval" => watchword_http::main::<watchword_approval_server::Approval>(),
        "hello" => {
            let args: Vec<String> = std::env::args().collect();
            let Some(addr) = args
                .iter()
                .position(|a| a == "--listen")
                .and_then(|i| args.get(i + 1))
            else {
                return ExitCode::from(2);
            };
            let Ok(runtime) = tokio::runtime::Runtime::new() else {
                return ExitCode::FAILURE;
            };
            runtime.block_on(async {
                match TcpListener::bind(addr).await {
                    Ok(listener) => {
                        hello_world(listener).await;
                        ExitCode::SUCCESS
                    }
                    Err(_) => ExitCode::FAILURE,
                }
            })
        }
        _ => ExitCode::from(2),
    }
}

/// A bare hyper server answering `hello` to everything: the floor of one request.
pub(crate) async fn hello_world(listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(|_request| async {
                Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                    Bytes::from_static(b"hello"),
                )))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
