//! The captcha load harness: drives whole Ocapi flows (create → answer → partner check) against
//! a captcha server on a real `redis-server`, and in the same session a bare hyper hello-world
//! and `redis-benchmark` on the same Redis, so the numbers read against their floor.
//!
//! ```text
//! cargo xtask load [--flows N] [--concurrency C]     # or: cargo bench --bench captcha_load -- …
//! ```
//!
//! Under `cargo bench -- --test` (what `cargo xtask test` runs) it does a short smoke run and
//! fails if any flow does not end `valid`. Each flow is three requests on a kept-alive
//! connection: `GET …/challenge` (proof of work at zero bits, so the client's work does not
//! count), `POST …/challenges/{id}` with the solution, `GET …/challenges/{id}` with a fresh
//! HS512 partner JWT. Rate limits are off; everything else is the production path.
//!
//! Beside the flows it fetches one transcription image over and over: the server decodes the
//! corpus image and draws it afresh for every request (no two answers share bytes), and this
//! row says what that costs.

use std::net::SocketAddr;
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

/// Latencies of one run and how long it took.
struct Run {
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Run {
    fn per_second(&self) -> f64 {
        f64::from(u32::try_from(self.latencies.len()).unwrap_or(u32::MAX))
            / self.elapsed.as_secs_f64()
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

async fn connect(addr: SocketAddr) -> Sender {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    sender
}

async fn send(
    sender: &mut Sender,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> (u16, Bytes) {
    let mut request = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "load.test");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = Full::new(body.map(Bytes::from).unwrap_or_default());
    sender.ready().await.expect("connection ready");
    let response = sender
        .send_request(request.body(body).expect("request"))
        .await
        .expect("response");
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, bytes)
}

/// Runs `total` operations over `concurrency` kept-alive connections to `addr`.
async fn drive<F, Fut>(addr: SocketAddr, total: usize, concurrency: usize, op: F) -> Run
where
    F: Fn(Sender) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Sender> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let op = Arc::new(op);
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (next, latencies, op) = (next.clone(), latencies.clone(), op.clone());
        workers.push(tokio::spawn(async move {
            let mut sender = connect(addr).await;
            let mut mine = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let t0 = Instant::now();
                sender = op(sender).await;
                mine.push(t0.elapsed());
            }
            latencies.lock().expect("lock").extend(mine);
        }));
    }
    for worker in workers {
        worker.await.expect("worker");
    }
    let elapsed = start.elapsed();
    let latencies = std::mem::take(&mut *latencies.lock().expect("lock"));
    Run { latencies, elapsed }
}

/// One whole flow; panics unless the partner check says `valid`.
async fn flow(mut sender: Sender, secret: Arc<String>) -> Sender {
    let json = |bytes: &Bytes| -> serde_json::Value {
        serde_json::from_slice(bytes).expect("JSON answer")
    };
    let (status, body) = send(
        &mut sender,
        "GET",
        "/v1/sites/load/challenge?kind=proof_of_work",
        &[("origin", ORIGIN)],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body:?}");
    let challenge = json(&body);
    let id = challenge["id"].as_str().expect("id").to_owned();
    let token = PowToken::parse(challenge["pow"]["token"].as_str().expect("token")).expect("token");
    let solution = watchword_captcha::pow::solve(token.challenge(), 1 << 20).expect("solvable");
    let (status, body) = send(
        &mut sender,
        "POST",
        &format!("/v1/sites/load/challenges/{id}"),
        &[("origin", ORIGIN), ("content-type", "application/json")],
        Some(format!("{{\"solution\":{solution}}}")),
    )
    .await;
    assert_eq!(json(&body)["state"], "valid", "{status}");
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
    let key = SigningKey::Hmac(HmacKey::hs512(secret.as_bytes()).expect("key"));
    let auth = format!("Bearer {}", key.sign(&claims).expect("signs"));
    let (_, body) = send(
        &mut sender,
        "GET",
        &format!("/v1/sites/load/challenges/{id}"),
        &[("authorization", &auth)],
        None,
    )
    .await;
    assert_eq!(json(&body)["state"], "valid");
    sender
}

/// Fetches one transcription image `options.flows` times: each answer is drawn afresh.
async fn images(addr: SocketAddr, options: &Options) -> Run {
    let mut sender = connect(addr).await;
    let (status, body) = send(
        &mut sender,
        "GET",
        "/v1/sites/load/challenge?kind=transcription",
        &[("origin", ORIGIN)],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body:?}");
    let challenge: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    let path = Arc::new(challenge["images"][0].as_str().expect("image").to_owned());
    drive(addr, options.flows, options.concurrency, move |mut c| {
        let path = path.clone();
        async move {
            let (status, _) = send(&mut c, "GET", &path, &[], None).await;
            assert_eq!(status, 200);
            c
        }
    })
    .await
}

/// A bare hyper server answering `hello` to everything: the floor of one request.
async fn hello_world() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
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
    });
    addr
}

/// `redis-benchmark` GET and SET against `redis`: `(test, requests/s, p50 ms, p99 ms)`.
fn redis_benchmark(
    redis: &RedisServer,
    requests: usize,
    clients: usize,
) -> Vec<(String, f64, f64, f64)> {
    let mut command = std::process::Command::new("redis-benchmark");
    match redis.socket_path() {
        Some(path) => command.arg("-s").arg(path),
        None => command.args([
            "-h",
            "127.0.0.1",
            "-p",
            redis.url().rsplit(':').next().unwrap_or("6379"),
        ]),
    };
    command.args([
        "-n",
        &requests.to_string(),
        "-c",
        &clients.to_string(),
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
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(',').map(|f| f.trim_matches('"')).collect();
            let number = |i: usize| fields.get(i)?.parse::<f64>().ok();
            Some((
                fields.first()?.to_string(),
                number(1)?,
                number(4)?,
                number(6)?,
            ))
        })
        .collect()
}

/// Prints the table of one session: captcha flows, hello-world, redis-benchmark, ratios.
fn report(
    options: &Options,
    flows: &Run,
    images: &Run,
    hello: &Run,
    redis_rows: &[(String, f64, f64, f64)],
    unix_socket: bool,
) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    eprintln!(
        "\ncaptcha load: {} flows over {} connections, store redis ({}), this machine:",
        options.flows,
        options.concurrency,
        if unix_socket { "unix socket" } else { "tcp" }
    );
    eprintln!(
        "{:<34} {:>12} {:>10} {:>10}",
        "what", "per second", "p50 ms", "p99 ms"
    );
    eprintln!(
        "{:<34} {:>12.0} {:>10.2} {:>10.2}",
        "captcha flow (3 requests)",
        flows.per_second(),
        ms(flows.percentile(50)),
        ms(flows.percentile(99))
    );
    eprintln!(
        "{:<34} {:>12.0} {:>10} {:>10}",
        "  = captcha requests",
        flows.per_second() * 3.0,
        "",
        ""
    );
    eprintln!(
        "{:<34} {:>12.0} {:>10.2} {:>10.2}",
        "transcription image, redrawn",
        images.per_second(),
        ms(images.percentile(50)),
        ms(images.percentile(99))
    );
    eprintln!(
        "{:<34} {:>12.0} {:>10.2} {:>10.2}",
        "hyper hello-world request",
        hello.per_second(),
        ms(hello.percentile(50)),
        ms(hello.percentile(99))
    );
    for (test, rps, p50, p99) in redis_rows {
        eprintln!(
            "{:<34} {:>12.0} {:>10.2} {:>10.2}",
            format!("redis-benchmark {test}"),
            rps,
            p50,
            p99
        );
    }
    eprintln!(
        "ratio captcha requests/s ÷ hello-world requests/s: {:.3}",
        flows.per_second() * 3.0 / hello.per_second()
    );
    if let Some((_, get_rps, _, _)) = redis_rows.iter().find(|row| row.0 == "GET") {
        eprintln!(
            "ratio captcha flows/s ÷ redis-benchmark GET/s: {:.4}",
            flows.per_second() / get_rps
        );
    }
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let redis = RedisServer::start().expect("redis-server (install the redis-server package)");
        let store = watchword_store::open(&redis.url()).expect("store");
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
        let settings = Settings {
            difficulty: Difficulty::new(0, u32::MAX, 0, 0).expect("zero bits"),
            rate_limits: false,
            ..Settings::default()
        };
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
        let captcha = Captcha::new(
            store,
            sites,
            settings,
            watchword_captcha_server::system_clock(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let captcha_addr = listener.local_addr().expect("addr");
        tokio::spawn(captcha.app().serve(listener, std::future::pending()));
        let hello_addr = hello_world().await;

        let secret = Arc::new(site.secret);
        // Warm up connections, the store client and the allocator.
        let warm = options.concurrency * 4;
        let s = secret.clone();
        drive(captcha_addr, warm, options.concurrency, move |c| {
            flow(c, s.clone())
        })
        .await;

        let s = secret.clone();
        let flows = drive(captcha_addr, options.flows, options.concurrency, move |c| {
            flow(c, s.clone())
        })
        .await;
        let hello = drive(
            hello_addr,
            options.flows * 3,
            options.concurrency,
            |mut c| async move {
                let (status, _) = send(&mut c, "GET", "/", &[], None).await;
                assert_eq!(status, 200);
                c
            },
        )
        .await;
        let images = images(captcha_addr, &options).await;
        let redis_rows = redis_benchmark(&redis, options.flows * 10, options.concurrency);

        report(
            &options,
            &flows,
            &images,
            &hello,
            &redis_rows,
            redis.socket_path().is_some(),
        );
        assert_eq!(
            flows.latencies.len(),
            options.flows,
            "every flow ended valid"
        );
        if options.smoke {
            eprintln!(
                "(smoke run: numbers are indicative only; run `cargo xtask load` for the full run)"
            );
        }
    });
}
