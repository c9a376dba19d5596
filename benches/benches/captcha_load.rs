//! The captcha load harness: drives whole Ocapi flows (create → answer → partner check) against
//! a captcha server on a real `redis-server`, and in the same session a bare hyper hello-world,
//! the server's `/healthz` and `redis-benchmark` on the same Redis, so the numbers read against
//! their floor.
//!
//! ```text
//! cargo xtask load [--flows N] [--concurrency C]     # or: cargo bench --bench captcha_load -- …
//! ```
//!
//! The captcha server and the hello-world run as processes of their own (this program started
//! again with `--serve`), the captcha server with request logging on (to
//! `target/load/captcha.log`), as in production; this process is only their client. Rate
//! limits are off, since every request comes from one address. Each flow is three requests on
//! a kept-alive connection: `GET …/challenge` (proof of work at zero bits, so the client's work
//! does not count), `POST …/challenges/{id}` with the solution, `GET …/challenges/{id}` with a
//! fresh HS512 partner JWT. A flow that does not end `valid`, a failed request or a timeout is
//! counted as an error, never a panic; a broken connection is replaced.
//!
//! Beside the flows it reads Redis's `INFO commandstats` before and after them (the commands
//! one flow costs, hence the flow's Redis ceiling: `redis-benchmark` GET/s ÷ commands per
//! flow), the server's resident memory idle and after the load, and it fetches one
//! transcription image over and over (each answer is drawn afresh). It prints a table and
//! writes `target/load/report.json`.
//!
//! Under `cargo bench -- --test` (what `cargo xtask test` runs) it does a short smoke run and
//! fails if any flow ended in an error.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use watchword_captcha::{Difficulty, Kind, PowToken};
use watchword_captcha_server::sites::{NewSite, Sites};
use watchword_captcha_server::{Captcha, Settings};
use watchword_store::testing::RedisServer;
use watchword_token::{Claims, HmacKey, SigningKey, UnixTime};

const ORIGIN: &str = "https://load.test";

struct Options {
    flows: usize,
    concurrency: usize,
    smoke: bool,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let smoke = args.iter().any(|a| a == "--test");
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
    };
    Options {
        flows: value("--flows").unwrap_or(if smoke { 200 } else { 5000 }),
        concurrency: value("--concurrency").unwrap_or(if smoke { 8 } else { 32 }),
        smoke,
    }
}

/// Latencies of the operations that succeeded in one run, the ones that failed, and how long
/// the run took.
struct Run {
    latencies: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
}

impl Run {
    /// Successful operations per second.
    fn per_second(&self) -> f64 {
        count(self.latencies.len()) / self.elapsed.as_secs_f64()
    }

    /// The latency below which `percent` of the operations finished (nearest rank).
    fn percentile(&self, percent: usize) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let rank = (sorted.len() * percent).div_ceil(100).saturating_sub(1);
        sorted.get(rank).copied().unwrap_or_default()
    }
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// How long one request may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Why an operation failed.
type Failure = String;

async fn connect(addr: SocketAddr) -> Result<Sender, Failure> {
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

async fn send(
    sender: &mut Sender,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> Result<(u16, Bytes), Failure> {
    let mut request = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "load.test");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = Full::new(body.map(Bytes::from).unwrap_or_default());
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
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("body: {e}"))?
            .to_bytes();
        Ok((status, bytes))
    };
    tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| "timed out".to_owned())?
}

/// The status must be `expected`.
fn expect(status: u16, expected: u16, body: &Bytes) -> Result<(), Failure> {
    if status == expected {
        Ok(())
    } else {
        Err(format!(
            "status {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        ))
    }
}

/// Runs `total` operations over `concurrency` kept-alive connections to `addr`. A failed
/// operation is counted (its first few reasons printed) and its connection replaced.
async fn drive<F, Fut>(addr: SocketAddr, total: usize, concurrency: usize, op: F) -> Run
where
    F: Fn(Sender) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Sender, Failure>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let op = Arc::new(op);
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (next, errors, latencies, op) =
            (next.clone(), errors.clone(), latencies.clone(), op.clone());
        workers.push(tokio::spawn(async move {
            let mut sender = None;
            let mut mine = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let t0 = Instant::now();
                let outcome = match sender.take() {
                    Some(sender) => Ok(sender),
                    None => connect(addr).await,
                };
                match outcome.map(|s| op(s)) {
                    Ok(running) => match running.await {
                        Ok(kept) => {
                            mine.push(t0.elapsed());
                            sender = Some(kept);
                        }
                        Err(reason) => failed(&errors, &reason),
                    },
                    Err(reason) => failed(&errors, &reason),
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

fn failed(errors: &AtomicUsize, reason: &str) {
    if errors.fetch_add(1, Ordering::Relaxed) < 5 {
        eprintln!("load: an operation failed: {reason}");
    }
}

/// One whole flow; an error unless the partner check says `valid`.
async fn flow(mut sender: Sender, secret: Arc<String>) -> Result<Sender, Failure> {
    let json = |bytes: &Bytes| -> Result<serde_json::Value, Failure> {
        serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))
    };
    let (status, body) = send(
        &mut sender,
        "GET",
        "/v1/sites/load/challenge?kind=proof_of_work",
        &[("origin", ORIGIN)],
        None,
    )
    .await?;
    expect(status, 200, &body)?;
    let challenge = json(&body)?;
    let id = challenge["id"].as_str().ok_or("no id")?.to_owned();
    let token = challenge["pow"]["token"]
        .as_str()
        .and_then(|token| PowToken::parse(token).ok())
        .ok_or("no proof-of-work token")?;
    let solution = watchword_captcha::pow::solve(token.challenge(), 1 << 20).ok_or("unsolvable")?;
    let (status, body) = send(
        &mut sender,
        "POST",
        &format!("/v1/sites/load/challenges/{id}"),
        &[("origin", ORIGIN), ("content-type", "application/json")],
        Some(format!("{{\"solution\":{solution}}}")),
    )
    .await?;
    expect(status, 200, &body)?;
    if json(&body)?["state"] != "valid" {
        return Err(format!(
            "answer not valid: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut claims = Claims::new(UnixTime(now + 60));
    claims.iss = Some("load".into());
    claims.sub = Some(id.clone());
    claims.jti = Some(watchword_http::clients::random_token(
        &mut rand_core::OsRng,
        12,
    ));
    let key = HmacKey::hs512(secret.as_bytes()).map_err(|e| e.to_string())?;
    let jwt = SigningKey::Hmac(key)
        .sign(&claims)
        .map_err(|e| e.to_string())?;
    let auth = format!("Bearer {jwt}");
    let (status, body) = send(
        &mut sender,
        "GET",
        &format!("/v1/sites/load/challenges/{id}"),
        &[("authorization", &auth)],
        None,
    )
    .await?;
    expect(status, 200, &body)?;
    if json(&body)?["state"] != "valid" {
        return Err(format!(
            "check not valid: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    Ok(sender)
}

/// One `GET` of `path` that must answer 200.
async fn get_ok(mut sender: Sender, path: Arc<String>) -> Result<Sender, Failure> {
    let (status, body) = send(&mut sender, "GET", &path, &[], None).await?;
    expect(status, 200, &body)?;
    Ok(sender)
}

/// Fetches one transcription image `options.flows` times: each answer is drawn afresh.
async fn images(addr: SocketAddr, options: &Options) -> Result<Run, Failure> {
    let mut sender = connect(addr).await?;
    let (status, body) = send(
        &mut sender,
        "GET",
        "/v1/sites/load/challenge?kind=transcription",
        &[("origin", ORIGIN)],
        None,
    )
    .await?;
    expect(status, 200, &body)?;
    let challenge: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| format!("not JSON: {e}"))?;
    let path = Arc::new(
        challenge["images"][0]
            .as_str()
            .ok_or("no image")?
            .to_owned(),
    );
    Ok(drive(addr, options.flows, options.concurrency, move |c| {
        get_ok(c, path.clone())
    })
    .await)
}

/// A process this harness started, killed (by its pid) when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// Starts this program again with `--serve KIND …` and reads the address it listens on
    /// from its first line of output; its log goes to `log`.
    fn start(kind: &str, redis_url: &str, log: &Path) -> Self {
        let exe = std::env::current_exe().expect("the harness's own path");
        let log = std::fs::File::create(log).expect("log file");
        let mut child = Command::new(exe)
            .args(["--serve", kind, redis_url])
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("starting a server process");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("address line");
        let addr = line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("the {kind} server did not start: {line:?}")
        });
        Server { child, addr }
    }

    /// Resident memory in MB, from `/proc`.
    fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `--serve KIND REDIS_URL` side: `captcha` (the server on the store, logging on) or
/// `hello` (a bare hyper server answering `hello`). Prints the address, then serves until
/// killed.
fn serve(kind: &str, redis_url: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        if kind == "captcha" {
            watchword_http::init_logging(watchword_http::LogFormat::Text);
            let store = watchword_store::open(redis_url).expect("store");
            let captcha = Captcha::new(
                store,
                Sites::new(Vec::new()).expect("sites"),
                load_settings(),
                watchword_captcha_server::system_clock(),
            );
            println!("{addr}");
            if let Err(error) = captcha.app().serve(listener, std::future::pending()).await {
                eprintln!("the captcha server stopped: {error}");
            }
        } else {
            println!("{addr}");
            hello_world(listener).await;
        }
    });
}

/// The settings of the server under load: production ones, except zero proof-of-work bits
/// (the client's work would be timed) and no rate limits (every request is from one address).
fn load_settings() -> Settings {
    Settings {
        difficulty: Difficulty::new(0, u32::MAX, 0, 0).expect("zero bits"),
        rate_limits: false,
        ..Settings::default()
    }
}

/// A bare hyper server answering `hello` to everything: the floor of one request.
async fn hello_world(listener: TcpListener) {
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

/// The arguments that point a Redis tool at `redis`.
fn redis_target(redis: &RedisServer, command: &mut Command) {
    match redis.socket_path() {
        Some(path) => command.arg("-s").arg(path),
        None => command.args([
            "-h",
            "127.0.0.1",
            "-p",
            redis.url().rsplit(':').next().unwrap_or("6379"),
        ]),
    };
}

/// One row of `redis-benchmark`: the test, requests/s, p50 ms, p99 ms.
type RedisRow = (String, f64, f64, f64);

/// `redis-benchmark` GET and SET against `redis`, one request at a time per client and
/// `pipeline` at a time.
fn redis_benchmark(
    redis: &RedisServer,
    requests: usize,
    clients: usize,
    pipeline: usize,
) -> Vec<RedisRow> {
    let mut command = Command::new("redis-benchmark");
    redis_target(redis, &mut command);
    command.args([
        "-n",
        &requests.to_string(),
        "-c",
        &clients.to_string(),
        "-P",
        &pipeline.to_string(),
        "-t",
        "set,get",
        "--csv",
    ]);
    let output = match command.output() {
        Ok(output) if output.status.success() => output,
        Ok(output) => {
            eprintln!(
                "redis-benchmark failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            return Vec::new();
        }
        Err(error) => {
            eprintln!("redis-benchmark could not run ({error}); install redis-tools");
            return Vec::new();
        }
    };
    let suffix = if pipeline > 1 {
        format!(" (pipeline {pipeline})")
    } else {
        String::new()
    };
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(',').map(|f| f.trim_matches('"')).collect();
            let number = |i: usize| fields.get(i)?.parse::<f64>().ok();
            Some((
                format!("{}{suffix}", fields.first()?),
                number(1)?,
                number(4)?,
                number(6)?,
            ))
        })
        .collect()
}

/// The calls Redis has answered so far, per command (`INFO commandstats`).
fn redis_calls(redis: &RedisServer) -> Option<std::collections::BTreeMap<String, u64>> {
    let mut command = Command::new("redis-cli");
    redis_target(redis, &mut command);
    let output = command.args(["INFO", "commandstats"]).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let calls = text
        .lines()
        .filter_map(|line| {
            let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = stats.split("calls=").nth(1)?.split(',').next()?;
            Some((name.to_owned(), calls.parse::<u64>().ok()?))
        })
        .collect();
    Some(calls)
}

/// A count as a float (exact up to 2^32, which no run reaches).
fn count(n: impl TryInto<u32>) -> f64 {
    n.try_into().map_or(f64::from(u32::MAX), f64::from)
}

/// The commands per flow between two readings, per command and in all; the harness's own
/// `INFO` is left out.
fn per_flow(
    before: &std::collections::BTreeMap<String, u64>,
    after: &std::collections::BTreeMap<String, u64>,
    flows: usize,
) -> (f64, Vec<(String, f64)>) {
    let flows = count(flows.max(1));
    let each: Vec<(String, f64)> = after
        .iter()
        .filter(|(name, _)| name.as_str() != "info")
        .map(|(name, calls)| {
            let spent = calls.saturating_sub(before.get(name).copied().unwrap_or(0));
            (name.clone(), count(spent) / flows)
        })
        .filter(|(_, per)| *per > 0.0)
        .collect();
    (each.iter().map(|(_, per)| per).sum(), each)
}

/// What one session measured.
struct Measured {
    flows: Run,
    images: Run,
    hello: Run,
    healthz: Run,
    redis_rows: Vec<RedisRow>,
    commands_per_flow: f64,
    /// Each command's share of `commands_per_flow`.
    commands: Vec<(String, f64)>,
    rss_idle_mb: f64,
    rss_load_mb: f64,
}

impl Measured {
    /// redis-benchmark GET/s (no pipelining) ÷ Redis commands per flow.
    fn ceiling(&self) -> f64 {
        let get = self
            .redis_rows
            .iter()
            .find(|row| row.0 == "GET")
            .map_or(0.0, |row| row.1);
        if self.commands_per_flow > 0.0 {
            get / self.commands_per_flow
        } else {
            0.0
        }
    }
}

/// Prints the table of one session and the targets.
fn report(options: &Options, m: &Measured, unix_socket: bool) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    eprintln!(
        "\ncaptcha load: {} flows over {} connections, server and hello-world in processes of \
         their own, store redis ({}), this machine:",
        options.flows,
        options.concurrency,
        if unix_socket { "unix socket" } else { "tcp" }
    );
    eprintln!(
        "{:<40} {:>12} {:>10} {:>10} {:>8}",
        "what", "per second", "p50 ms", "p99 ms", "errors"
    );
    let row = |what: &str, run: &Run| {
        eprintln!(
            "{:<40} {:>12.0} {:>10.2} {:>10.2} {:>8}",
            what,
            run.per_second(),
            ms(run.percentile(50)),
            ms(run.percentile(99)),
            run.errors
        );
    };
    row("captcha flow (3 requests)", &m.flows);
    row("transcription image, drawn afresh", &m.images);
    row("captcha /healthz", &m.healthz);
    row("hyper hello-world request", &m.hello);
    for (test, rps, p50, p99) in &m.redis_rows {
        eprintln!(
            "{:<40} {:>12.0} {:>10.2} {:>10.2}",
            format!("redis-benchmark {test}"),
            rps,
            p50,
            p99
        );
    }
    let ceiling = m.ceiling();
    let each: Vec<String> = m
        .commands
        .iter()
        .map(|(name, per)| format!("{name} {per:.2}"))
        .collect();
    eprintln!(
        "redis commands per flow: {:.2} ({}); the flow's Redis ceiling: {:.0} flows/s",
        m.commands_per_flow,
        each.join(", "),
        ceiling
    );
    eprintln!(
        "server memory (RSS): {:.1} MB idle, {:.1} MB after the load",
        m.rss_idle_mb, m.rss_load_mb
    );
    let verdict = |ok: bool| if ok { "met" } else { "missed" };
    let half = m.flows.per_second() / ceiling.max(1.0);
    let health = m.healthz.per_second() / m.hello.per_second().max(1.0);
    eprintln!(
        "targets: flows/s ÷ ceiling {half:.2} (≥ 0.5 {}), /healthz ÷ hello-world {health:.2} \
         (≥ 0.7 {}), RSS idle ≤ 20 MB {}, under load ≤ 64 MB {}",
        verdict(half >= 0.5),
        verdict(health >= 0.7),
        verdict(m.rss_idle_mb <= 20.0),
        verdict(m.rss_load_mb <= 64.0)
    );
}

/// Adds the site `load` and the demo corpus to the store at `url`; returns the site's secret.
async fn provision(url: &str) -> String {
    let store = watchword_store::open(url).expect("store");
    let sites = Sites::new(Vec::new()).expect("sites");
    let site = sites
        .add(
            store.as_ref(),
            NewSite {
                id: Some("load".into()),
                origins: vec![ORIGIN.into()],
                kinds: vec![Kind::ProofOfWork, Kind::Transcription],
                ..NewSite::default()
            },
            &mut rand_core::OsRng,
            0,
        )
        .await
        .expect("site");
    let settings = load_settings();
    watchword_captcha_server::corpus::load(
        &watchword_captcha_server::corpus::Corpus::new(settings.votes, settings.punctuation),
        store.as_ref(),
        watchword_captcha::demo::corpus().iter().map(|item| {
            (
                item.id.as_str(),
                item.answer.as_deref(),
                item.png.as_slice(),
            )
        }),
    )
    .await
    .expect("demo corpus");
    site.secret
}

/// Writes `target/load/report.json`.
fn write_report(dir: &Path, m: &Measured) {
    let ms = |d: Duration| (d.as_secs_f64() * 1e5).round() / 100.0;
    let report = serde_json::json!({
        "hello_rps": m.hello.per_second().round(),
        "surfaces": {
            "captcha": {
                "flows_per_s": m.flows.per_second().round(),
                "p50_ms": ms(m.flows.percentile(50)),
                "p99_ms": ms(m.flows.percentile(99)),
                "errors": m.flows.errors,
                "redis_cmds_per_flow": (m.commands_per_flow * 100.0).round() / 100.0,
                "ceiling_flows_per_s": m.ceiling().round(),
                "healthz_rps": m.healthz.per_second().round(),
                "rss_idle_mb": (m.rss_idle_mb * 10.0).round() / 10.0,
                "rss_load_mb": (m.rss_load_mb * 10.0).round() / 10.0,
            }
        }
    });
    let path = dir.join("report.json");
    let text = serde_json::to_string_pretty(&report).unwrap_or_default();
    if std::fs::write(&path, text + "\n").is_ok() {
        eprintln!("report: {}", path.display());
    } else {
        eprintln!("could not write {}", path.display());
    }
}

fn target_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches lives in the workspace");
    let dir = workspace.join("target/load");
    std::fs::create_dir_all(&dir).expect("target/load");
    dir
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // A test runner asking which tests this binary has (`cargo nextest` lists every target):
    // none. The load run is its own command.
    if args.iter().any(|a| a == "--list") {
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--serve") {
        let kind = args.get(at + 1).map_or("hello", String::as_str);
        serve(kind, args.get(at + 2).map_or("memory://", String::as_str));
        return;
    }
    let options = options();
    let dir = target_dir();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let redis = RedisServer::start().expect("redis-server (install the redis-server package)");
        let secret = Arc::new(provision(&redis.url()).await);
        let captcha = Server::start("captcha", &redis.url(), &dir.join("captcha.log"));
        let hello = Server::start("hello", "", &dir.join("hello.log"));
        tokio::time::sleep(Duration::from_millis(300)).await;
        let rss_idle_mb = captcha.rss_mb();

        // Warm up connections, the store client and the allocator.
        let warm = options.concurrency * 4;
        let s = secret.clone();
        drive(captcha.addr, warm, options.concurrency, move |c| {
            flow(c, s.clone())
        })
        .await;

        let calls_before = redis_calls(&redis);
        let s = secret.clone();
        let flows = drive(captcha.addr, options.flows, options.concurrency, move |c| {
            flow(c, s.clone())
        })
        .await;
        let calls_after = redis_calls(&redis);
        let (commands_per_flow, commands) = match (calls_before, calls_after) {
            (Some(before), Some(after)) => per_flow(&before, &after, flows.latencies.len()),
            _ => (0.0, Vec::new()),
        };
        let rss_load_mb = captcha.rss_mb();
        let requests = |addr: SocketAddr, path: &str| {
            let path = Arc::new(path.to_owned());
            drive(addr, options.flows * 3, options.concurrency, move |c| {
                get_ok(c, path.clone())
            })
        };
        let healthz = requests(captcha.addr, "/healthz").await;
        let hello_run = requests(hello.addr, "/").await;
        let images = images(captcha.addr, &options)
            .await
            .unwrap_or_else(|reason| {
                eprintln!("load: the image run could not start: {reason}");
                Run {
                    latencies: Vec::new(),
                    errors: 1,
                    elapsed: Duration::from_secs(1),
                }
            });
        let mut redis_rows = redis_benchmark(&redis, options.flows * 10, options.concurrency, 1);
        redis_rows.extend(redis_benchmark(
            &redis,
            options.flows * 40,
            options.concurrency,
            16,
        ));

        let measured = Measured {
            flows,
            images,
            hello: hello_run,
            healthz,
            redis_rows,
            commands_per_flow,
            commands,
            rss_idle_mb,
            rss_load_mb,
        };
        report(&options, &measured, redis.socket_path().is_some());
        write_report(&dir, &measured);
        let errors = measured.flows.errors + measured.images.errors + measured.healthz.errors;
        if options.smoke {
            eprintln!(
                "(smoke run: numbers are indicative only; run `cargo xtask load` for the full run)"
            );
        }
        assert_eq!(errors, 0, "every flow and request succeeded");
        drop((captcha, hello));
    });
}
