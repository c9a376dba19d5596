//! The load harness: each surface's main flow, driven against that surface's server running as
//! a process of its own with its production settings, on a real `redis-server`; beside them, in
//! the same run, a bare hyper hello-world, each server's `/healthz` and `redis-benchmark` on the
//! same Redis, so every number reads against its floor.
//!
//! ```text
//! cargo xtask load [--surface S|all] [--seconds N] [--concurrency C]
//! ```
//!
//! - **The servers** are this program started again as `watchword-<surface>` (the same
//!   `watchword_http::main` the server binaries are, so the same flags, defaults and request
//!   logging, to `target/load/<surface>.log`), with `--trust-forwarded`, since the harness is
//!   their proxy. This process is only their client.
//! - **The flows** (each a chain of requests on one kept-alive connection; each flow comes from
//!   an address of its own in `X-Forwarded-For`, as many customers would):
//!   - captcha: create a proof-of-work challenge → answer it → the partner's check with a fresh
//!     HS512 JWT. The server runs with `--pow-bits 0 --pow-max-bits 0`, so the client's
//!     hashing is not what is timed;
//!   - passkey: initiate → options → complete (a software authenticator signs) → validate the
//!     token, signing in with passkeys registered before the run;
//!   - twoway: init → the portal's response code → complete;
//!   - auth-host: a BIP-322 challenge → sign-in with the signed message → `/api/auth/me` with
//!     the session cookie;
//!   - approval: `getTransactionID` → the device's pending list → its signed decision → the
//!     page's token → `VerifyToken`. The server runs with `--prompts-per-minute 1000000`: each
//!     worker's customer is prompted many times a second.
//!
//!   Partners' own per-minute budgets stay as they are; the harness spreads its flows over
//!   enough partners (sites, clients) to stay inside them, as that much traffic would be.
//! - **Counted, never a panic:** a flow that does not end as it should, a failed request or a
//!   timeout is an error; a broken connection is replaced.
//! - **Redis commands per flow** come from `INFO commandstats` before and after the run, so a
//!   flow's Redis ceiling is `redis-benchmark` GET/s ÷ commands per flow.
//! - **Memory:** each server's resident set idle (just started) and at the end of its run.
//!
//! It prints a table and writes `target/load/report.json`. Under `cargo bench -- --test` (what
//! `cargo xtask test` runs) it does a short smoke run of every surface and fails if any flow
//! ended in an error.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use watchword_store::testing::RedisServer;

use client::{drive, get_ok, Failure, Run};
use flows::{enrol, flow, prepare};
use process::{free_addr, serve, Process};
use redis::{
    add_calls, per_flow, redis_benchmark, redis_calls, redis_get_rate, round_trips, spent, Calls,
    RedisRow,
};

/// The environment variable that makes this program a server: a surface's name or `hello`.
const SERVE: &str = "WATCHWORD_LOAD_SERVE";

/// The partner sites' origin and the passkey relying party.
const ORIGIN: &str = "https://load.test";
const DOMAIN: &str = "load.test";

/// How long one request may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How many partners (captcha sites, passkey and two-way clients) the flows are spread over:
/// each has a per-minute budget of its own.
const PARTNERS: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Surface {
    Captcha,
    Passkey,
    Twoway,
    AuthHost,
    Approval,
}

const SURFACES: [Surface; 5] = [
    Surface::Captcha,
    Surface::Passkey,
    Surface::Twoway,
    Surface::AuthHost,
    Surface::Approval,
];

impl Surface {
    fn name(self) -> &'static str {
        match self {
            Surface::Captcha => "captcha",
            Surface::Passkey => "passkey",
            Surface::Twoway => "twoway",
            Surface::AuthHost => "auth-host",
            Surface::Approval => "approval",
        }
    }

    /// What one flow is, for the table.
    fn flow(self) -> &'static str {
        match self {
            Surface::Captcha => "create, answer, check (3 requests)",
            Surface::Passkey => "initiate, options, complete, validate (4)",
            Surface::Twoway => "init, portal, complete (3)",
            Surface::AuthHost => "challenge, sign-in, me (3)",
            Surface::Approval => "start, pending, decide, token, verify (5)",
        }
    }

    /// The flags beyond the common ones: only where a flow needs them (see the module docs).
    fn flags(self, addr: SocketAddr) -> Vec<String> {
        let flags: Vec<String> = match self {
            Surface::Captcha => vec![
                "--pow-bits".into(),
                "0".into(),
                "--pow-max-bits".into(),
                "0".into(),
            ],
            Surface::AuthHost => vec!["--public-url".into(), format!("http://{addr}")],
            Surface::Approval => vec!["--prompts-per-minute".into(), "1000000".into()],
            Surface::Passkey | Surface::Twoway => Vec::new(),
        };
        flags
    }
}

struct Options {
    surfaces: Vec<Surface>,
    seconds: f64,
    concurrency: usize,
    smoke: bool,
}

fn options() -> Result<Options, String> {
    let args: Vec<String> = std::env::args().collect();
    let smoke = args.iter().any(|a| a == "--test");
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let surfaces = match value("--surface").map(String::as_str) {
        None | Some("all") => SURFACES.to_vec(),
        Some(name) => vec![SURFACES
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                format!("no surface {name}: captcha, passkey, twoway, auth-host, approval or all")
            })?],
    };
    let number = |name: &str, default: f64| -> Result<f64, String> {
        value(name).map_or(Ok(default), |v| {
            v.parse::<f64>()
                .ok()
                .filter(|n| *n > 0.0)
                .ok_or_else(|| format!("{name} takes a positive number, not {v}"))
        })
    };
    let seconds = number("--seconds", if smoke { 1.0 } else { 10.0 })?;
    let concurrency = number("--concurrency", if smoke { 4.0 } else { 32.0 })?;
    Ok(Options {
        surfaces,
        seconds,
        // A whole number of connections, at most 1024.
        concurrency: (1..=1024)
            .find(|n| count(*n) >= concurrency.min(1024.0))
            .unwrap_or(1024),
        smoke,
    })
}

/// A count as a float (exact up to 2^32, which no run reaches).
fn count(n: impl TryInto<u32>) -> f64 {
    n.try_into().map_or(f64::from(u32::MAX), f64::from)
}

mod client;
mod flows;
mod process;
mod redis;

/// What one surface's run measured, over rounds that take turns: a slice of flows, a slice of
/// `/healthz`, a slice of the hello-world, and `redis-benchmark` GET.
struct Measured {
    surface: Surface,
    flows: Run,
    healthz: Run,
    hello: Run,
    commands_per_flow: f64,
    /// Each command's share of `commands_per_flow`.
    commands: Vec<(String, f64)>,
    /// Per round, `redis-benchmark` GET/s.
    get_rates: Vec<f64>,
    /// Per round, the flows/s ÷ the flow's Redis ceiling in that round.
    ceiling_ratios: Vec<f64>,
    /// Per round, `/healthz`/s ÷ hello-world/s.
    healthz_ratios: Vec<f64>,
    rss_idle_mb: f64,
    rss_load_mb: f64,
}

impl Measured {
    /// The flow's Redis ceiling: the median `redis-benchmark` GET/s ÷ Redis commands per flow.
    fn ceiling(&self) -> f64 {
        if self.commands_per_flow > 0.0 {
            median(&self.get_rates) / self.commands_per_flow
        } else {
            0.0
        }
    }
}

/// The median of `values` (0 when there are none).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => f64::midpoint(sorted[n / 2 - 1], sorted[n / 2]),
    }
}

impl Run {
    /// This run and `other` as one.
    fn merge(&mut self, other: Run) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        self.elapsed += other.elapsed;
    }

    fn empty() -> Run {
        Run {
            latencies: Vec::new(),
            errors: 0,
            elapsed: Duration::ZERO,
        }
    }
}

/// How many rounds each surface's measurement takes turns over.
fn rounds(options: &Options) -> usize {
    if options.smoke {
        3
    } else {
        5
    }
}

async fn run_surface(
    surface: Surface,
    redis: &RedisServer,
    hello: SocketAddr,
    options: &Options,
    dir: &Path,
) -> Result<Measured, Failure> {
    let addr = free_addr()?;
    let mut fixture = prepare(surface, &redis.url(), options.concurrency, addr).await?;
    let mut args = vec![
        "--store".to_owned(),
        redis.url(),
        "--trust-forwarded".to_owned(),
    ];
    args.extend(surface.flags(addr));
    let log = dir.join(format!("{}.log", surface.name()));
    let server = Process::start(surface.name(), addr, &args, &log, "/healthz").await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss_idle_mb = server.rss_mb();
    enrol(&mut fixture, addr, options.concurrency).await?;
    let fixture = Arc::new(fixture);
    let run = |seconds: f64| {
        let fixture = fixture.clone();
        drive(
            addr,
            Duration::from_secs_f64(seconds),
            options.concurrency,
            move |sender, slot| {
                let fixture = fixture.clone();
                async move { flow(&fixture, sender, slot).await }
            },
        )
    };
    let get = |path: &'static str, at: SocketAddr, seconds: f64| {
        drive(
            at,
            Duration::from_secs_f64(seconds),
            options.concurrency,
            move |sender, _| get_ok(sender, path),
        )
    };
    // Warm up connections, the store clients and the allocators.
    let warm = run((options.seconds / 4.0).min(1.0)).await;
    if warm.latencies.is_empty() {
        return Err(format!(
            "no {} flow succeeded while warming up",
            surface.name()
        ));
    }
    let slice = options.seconds / count(rounds(options));
    let gets = if options.smoke { 10_000 } else { 50_000 };
    let (mut flows, mut healthz, mut hellos) = (Run::empty(), Run::empty(), Run::empty());
    let mut spent_calls = Calls::new();
    let (mut get_rates, mut ceiling_ratios, mut healthz_ratios) =
        (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds(options) {
        let before = redis_calls(redis);
        let these = run(slice).await;
        let after = redis_calls(redis);
        let (commands, _) = match (&before, &after) {
            (Some(before), Some(after)) => {
                let spent = spent(before, after);
                add_calls(&mut spent_calls, &spent);
                per_flow(&spent, these.latencies.len())
            }
            _ => (0.0, Vec::new()),
        };
        let health = get("/healthz", addr, slice / 2.0).await;
        let floor = get("/", hello, slice / 2.0).await;
        let get_rate = redis_get_rate(redis, gets, options.concurrency);
        if commands > 0.0 && get_rate > 0.0 {
            ceiling_ratios.push(these.per_second() / (get_rate / commands));
        }
        healthz_ratios.push(health.per_second() / floor.per_second().max(1.0));
        get_rates.push(get_rate);
        flows.merge(these);
        healthz.merge(health);
        hellos.merge(floor);
    }
    let (commands_per_flow, commands) = per_flow(&spent_calls, flows.latencies.len());
    let rss_load_mb = server.rss_mb();
    drop(server);
    Ok(Measured {
        surface,
        flows,
        healthz,
        hello: hellos,
        commands_per_flow,
        commands,
        get_rates,
        ceiling_ratios,
        healthz_ratios,
        rss_idle_mb,
        rss_load_mb,
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Prints the table and the targets.
fn report(
    options: &Options,
    measured: &[Measured],
    hello: &Run,
    redis_rows: &[RedisRow],
    unix_socket: bool,
) {
    eprintln!(
        "\nload: {} s of flows per surface over {} connections, in {} rounds that take turns with \
         /healthz, hello-world and redis-benchmark GET; servers and hello-world in processes of \
         their own, store redis ({}), this machine:",
        options.seconds,
        options.concurrency,
        rounds(options),
        if unix_socket { "unix socket" } else { "tcp" }
    );
    eprintln!(
        "{:<54} {:>10} {:>8} {:>8} {:>7}",
        "what", "per second", "p50 ms", "p99 ms", "errors"
    );
    let row = |what: &str, run: &Run| {
        eprintln!(
            "{:<54} {:>10.0} {:>8.2} {:>8.2} {:>7}",
            what,
            run.per_second(),
            ms(run.percentile(50)),
            ms(run.percentile(99)),
            run.errors
        );
    };
    for m in measured {
        row(
            &format!("{} flow: {}", m.surface.name(), m.surface.flow()),
            &m.flows,
        );
        row(&format!("{} /healthz", m.surface.name()), &m.healthz);
    }
    row("hyper hello-world request", hello);
    for (test, rps, p50, p99) in redis_rows {
        eprintln!(
            "{:<54} {:>10.0} {:>8.2} {:>8.2}",
            format!("redis-benchmark {test}"),
            rps,
            p50,
            p99
        );
    }
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    for m in measured {
        let each: Vec<String> = m
            .commands
            .iter()
            .map(|(name, per)| format!("{name} {per:.2}"))
            .collect();
        let half = median(&m.ceiling_ratios);
        let health = median(&m.healthz_ratios);
        let (trips, what) = round_trips(&m.commands);
        eprintln!(
            "\n{}: {:.2} Redis commands per flow ({}), in {:.1} round trips ({}); Redis ceiling \
             {:.0} flows/s; RSS {:.1} MB idle, {:.1} MB after the load",
            m.surface.name(),
            m.commands_per_flow,
            each.join(", "),
            trips,
            what,
            m.ceiling(),
            m.rss_idle_mb,
            m.rss_load_mb
        );
        eprintln!(
            "  targets (ratios: medians of the rounds): flows/s ÷ ceiling {half:.2} (≥ 0.5 {}), \
             /healthz ÷ hello-world {health:.2} (≥ 0.7 {}), RSS idle ≤ 20 MB {}, under load \
             ≤ 64 MB {}",
            verdict(half >= 0.5),
            verdict(health >= 0.7),
            verdict(m.rss_idle_mb <= 20.0),
            verdict(m.rss_load_mb <= 64.0)
        );
    }
}

/// Writes `target/load/report.json`.
fn write_report(dir: &Path, measured: &[Measured], hello: &Run) {
    let ms = |d: Duration| (d.as_secs_f64() * 1e5).round() / 100.0;
    let round = |x: f64, places: i32| {
        let scale = 10f64.powi(places);
        (x * scale).round() / scale
    };
    let surfaces: serde_json::Map<String, Value> = measured
        .iter()
        .map(|m| {
            (
                m.surface.name().to_owned(),
                json!({
                    "flows_per_s": m.flows.per_second().round(),
                    "p50_ms": ms(m.flows.percentile(50)),
                    "p99_ms": ms(m.flows.percentile(99)),
                    "errors": m.flows.errors,
                    "redis_cmds_per_flow": round(m.commands_per_flow, 2),
                    "redis_round_trips_per_flow": round(round_trips(&m.commands).0, 2),
                    "ceiling_flows_per_s": m.ceiling().round(),
                    "healthz_rps": m.healthz.per_second().round(),
                    "rss_idle_mb": round(m.rss_idle_mb, 1),
                    "rss_load_mb": round(m.rss_load_mb, 1),
                    "flows_over_ceiling": round(median(&m.ceiling_ratios), 2),
                    "healthz_over_hello": round(median(&m.healthz_ratios), 2),
                }),
            )
        })
        .collect();
    let report = json!({ "hello_rps": hello.per_second().round(), "surfaces": surfaces });
    let path = dir.join("report.json");
    let text = serde_json::to_string_pretty(&report).unwrap_or_default();
    if std::fs::write(&path, text + "\n").is_ok() {
        eprintln!("\nreport: {}", path.display());
    } else {
        eprintln!("could not write {}", path.display());
    }
}

fn target_dir() -> Result<PathBuf, Failure> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("benches lives in the workspace")?;
    let dir = workspace.join("target/load");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

async fn load(options: &Options) -> Result<usize, Failure> {
    let dir = target_dir()?;
    let redis = RedisServer::start()
        .map_err(|e| format!("redis-server (install the redis-server package): {e}"))?;
    let hello_addr = free_addr()?;
    let hello_server =
        Process::start("hello", hello_addr, &[], &dir.join("hello.log"), "/").await?;
    let mut measured = Vec::new();
    for surface in &options.surfaces {
        eprintln!("load: {} …", surface.name());
        measured.push(run_surface(*surface, &redis, hello_addr, options, &dir).await?);
    }
    drop(hello_server);
    let mut hello = Run::empty();
    for m in &mut measured {
        hello.merge(std::mem::replace(&mut m.hello, Run::empty()));
    }
    let requests = if options.smoke { 20_000 } else { 200_000 };
    let mut redis_rows = redis_benchmark(&redis, "set,get", requests, options.concurrency, 1);
    redis_rows.extend(redis_benchmark(
        &redis,
        "set,get",
        requests * 4,
        options.concurrency,
        16,
    ));
    report(
        options,
        &measured,
        &hello,
        &redis_rows,
        redis.socket_path().is_some(),
    );
    write_report(&dir, &measured, &hello);
    Ok(measured
        .iter()
        .map(|m| m.flows.errors + m.healthz.errors)
        .sum::<usize>()
        + hello.errors)
}

fn main() -> ExitCode {
    if let Ok(kind) = std::env::var(SERVE) {
        return serve(&kind);
    }
    // A test runner asking which tests this binary has (`cargo nextest` lists every target):
    // none. The load run is its own command.
    if std::env::args().any(|a| a == "--list") {
        return ExitCode::SUCCESS;
    }
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("load: {message}");
            return ExitCode::from(2);
        }
    };
    let Ok(runtime) = tokio::runtime::Runtime::new() else {
        eprintln!("load: no tokio runtime");
        return ExitCode::FAILURE;
    };
    match runtime.block_on(load(&options)) {
        Ok(0) => {
            if options.smoke {
                eprintln!(
                    "(smoke run: numbers are indicative only; `cargo xtask load` is the full run)"
                );
            }
            ExitCode::SUCCESS
        }
        Ok(errors) => {
            eprintln!("load: {errors} operations failed");
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("load: {message}");
            ExitCode::FAILURE
        }
    }
}
