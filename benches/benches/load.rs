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
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use watchword_store::testing::RedisServer;
use watchword_testkit::passkey::{Page, Passkey};

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

// ---------------------------------------------------------------------------------------------
// The client: kept-alive connections, timed flows.

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// Why an operation failed.
type Failure = String;

/// One answer.
struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Answer {
    /// The body as JSON, when the status is `expected`.
    fn json(&self, expected: u16) -> Result<Value, Failure> {
        if self.status != expected {
            return Err(format!(
                "status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body[..self.body.len().min(200)])
            ));
        }
        serde_json::from_slice(&self.body).map_err(|e| format!("not JSON: {e}"))
    }
}

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

/// A request; a JSON body gets its content type.
async fn send(
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
struct Slot {
    worker: usize,
    n: u64,
}

static NEXT_FLOW: AtomicU64 = AtomicU64::new(1);

impl Slot {
    /// One of `len` things, in turn.
    fn pick(self, len: usize) -> usize {
        usize::try_from(self.n).unwrap_or(usize::MAX) % len.max(1)
    }

    /// An address of the flow's own, so per-network limits see as many customers as flows.
    fn ip(self) -> String {
        let n = self.n;
        format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
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
        count(self.latencies.len()) / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency below which `percent` of the operations finished (nearest rank).
    fn percentile(&self, percent: usize) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let rank = (sorted.len() * percent).div_ceil(100).saturating_sub(1);
        sorted.get(rank).copied().unwrap_or_default()
    }
}

/// Runs operations for `duration` over `concurrency` kept-alive connections to `addr`. A failed
/// operation is counted (its first few reasons printed) and its connection replaced.
async fn drive<F, Fut>(addr: SocketAddr, duration: Duration, concurrency: usize, op: F) -> Run
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
async fn get_ok(mut sender: Sender, path: &str) -> Result<Sender, Failure> {
    send(&mut sender, "GET", path, &[], None)
        .await?
        .json(200)
        .or_else(|e| {
            if e.starts_with("not JSON") {
                Ok(Value::Null)
            } else {
                Err(e)
            }
        })?;
    Ok(sender)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

// ---------------------------------------------------------------------------------------------
// The flows.

/// What the flows of one surface need, made before the run.
enum Fixture {
    /// Captcha sites: `(id, secret)`.
    Captcha(Vec<(String, String)>),
    /// Per worker, passkeys of clients of their own.
    Passkey(Vec<Mutex<Vec<PasskeyAccount>>>),
    /// Two-way app and portal clients: their `Authorization`s.
    Twoway(Vec<(String, String)>),
    /// Per worker, a wallet; the host's own origin.
    AuthHost(Vec<Wallet>, String),
    /// Per worker, customers with an enrolled device, each of a partner of its own (a partner's
    /// starts have a per-minute budget); before the enrolment, the partners' server keys.
    Approval(Vec<Vec<Approver>>, Vec<String>),
}

async fn flow(fixture: &Fixture, mut sender: Sender, slot: Slot) -> Result<Sender, Failure> {
    match fixture {
        Fixture::Captcha(sites) => {
            captcha_flow(&mut sender, &sites[slot.pick(sites.len())], slot).await?;
        }
        Fixture::Passkey(accounts) => {
            passkey_flow(&mut sender, &accounts[slot.worker], slot).await?;
        }
        Fixture::Twoway(clients) => {
            twoway_flow(&mut sender, &clients[slot.pick(clients.len())], slot).await?;
        }
        Fixture::AuthHost(wallets, origin) => {
            auth_host_flow(&mut sender, &wallets[slot.worker], origin, slot).await?;
        }
        Fixture::Approval(approvers, _) => {
            let mine = &approvers[slot.worker];
            approval_flow(&mut sender, &mine[slot.pick(mine.len())], slot).await?;
        }
    }
    Ok(sender)
}

async fn captcha_flow(
    sender: &mut Sender,
    site: &(String, String),
    slot: Slot,
) -> Result<(), Failure> {
    let (id, secret) = site;
    let ip = slot.ip();
    let client = [("origin", ORIGIN), ("x-forwarded-for", ip.as_str())];
    let challenge = send(
        sender,
        "GET",
        &format!("/v1/sites/{id}/challenge?kind=proof_of_work"),
        &client,
        None,
    )
    .await?
    .json(200)?;
    let challenge_id = challenge["id"].as_str().ok_or("no id")?.to_owned();
    let token = challenge["pow"]["token"]
        .as_str()
        .and_then(|token| watchword_captcha::PowToken::parse(token).ok())
        .ok_or("no proof-of-work token")?;
    let solution = watchword_captcha::pow::solve(token.challenge(), 1 << 20).ok_or("unsolvable")?;
    let answered = send(
        sender,
        "POST",
        &format!("/v1/sites/{id}/challenges/{challenge_id}"),
        &client,
        Some(&json!({ "solution": solution })),
    )
    .await?
    .json(200)?;
    if answered["state"] != "valid" {
        return Err(format!("answer not valid: {answered}"));
    }
    let mut claims = watchword_token::Claims::new(watchword_token::UnixTime(now() + 60));
    claims.iss = Some(id.clone());
    claims.sub = Some(challenge_id.clone());
    claims.jti = Some(format!("load-{}", slot.n));
    let key = watchword_token::HmacKey::hs512(secret.as_bytes()).map_err(|e| e.to_string())?;
    let jwt = watchword_token::SigningKey::Hmac(key)
        .sign(&claims)
        .map_err(|e| e.to_string())?;
    let auth = format!("Bearer {jwt}");
    let checked = send(
        sender,
        "GET",
        &format!("/v1/sites/{id}/challenges/{challenge_id}"),
        &[("authorization", &auth)],
        None,
    )
    .await?
    .json(200)?;
    if checked["state"] != "valid" {
        return Err(format!("check not valid: {checked}"));
    }
    Ok(())
}

/// A passkey client and the passkey of one identity of it.
struct PasskeyAccount {
    client_id: String,
    secret: String,
    app_id: String,
    email: String,
    passkey: Option<Passkey>,
}

const PASSKEY_PAGE: Page<'static> = Page {
    rp_id: DOMAIN,
    origin: ORIGIN,
};

/// A backend call of a passkey client.
async fn passkey_backend(
    sender: &mut Sender,
    account: &PasskeyAccount,
    path: &str,
    body: &Value,
) -> Result<Value, Failure> {
    send(
        sender,
        "POST",
        path,
        &[
            ("clientId", &account.client_id),
            ("clientSecret", &account.secret),
        ],
        Some(body),
    )
    .await?
    .json(200)
}

/// Initiates a ceremony for the account's identity and fetches its options: `(id, options)`.
async fn passkey_options(
    sender: &mut Sender,
    account: &PasskeyAccount,
    ip: &str,
) -> Result<(String, Value), Failure> {
    let started = passkey_backend(
        sender,
        account,
        "/auth/v1/webauthn",
        &json!({
            "identityType": "EMAIL",
            "identityValue": account.email,
            "rpName": "Load shop",
            "domain": DOMAIN,
            "userDisplayName": "Load customer",
        }),
    )
    .await?;
    let id = started["requestId"]
        .as_str()
        .ok_or("no requestId")?
        .to_owned();
    let options = send(
        sender,
        "GET",
        &format!("/auth/v1/webauthn/{id}"),
        &[
            ("origin", ORIGIN),
            ("x-otpless-appid", &account.app_id),
            ("x-forwarded-for", ip),
        ],
        None,
    )
    .await?
    .json(200)?;
    Ok((id, options))
}

/// Completes ceremony `id` with `credential` and validates the token it gives.
async fn passkey_complete(
    sender: &mut Sender,
    account: &PasskeyAccount,
    id: &str,
    credential: &str,
    ip: &str,
) -> Result<(), Failure> {
    let credential: Value = serde_json::from_str(credential).map_err(|e| e.to_string())?;
    let completed = send(
        sender,
        "POST",
        &format!("/auth/v1/webauthn/{id}"),
        &[("origin", ORIGIN), ("x-forwarded-for", ip)],
        Some(&credential),
    )
    .await?
    .json(200)?;
    let token = completed["token"].as_str().ok_or("no token")?;
    let valid = passkey_backend(
        sender,
        account,
        "/auth/v1/validate/token",
        &json!({ "token": token }),
    )
    .await?;
    if valid["status"] != "SUCCESS" {
        return Err(format!("token not valid: {valid}"));
    }
    Ok(())
}

/// Registers the passkey of every account (before the run).
async fn passkey_register(
    sender: &mut Sender,
    account: &mut PasskeyAccount,
    slot: Slot,
) -> Result<(), Failure> {
    let ip = slot.ip();
    let (id, options) = passkey_options(sender, account, &ip).await?;
    if options["ceremony"] != "registration" {
        return Err(format!("not a registration: {options}"));
    }
    let (passkey, credential) = Passkey::create(&options, &PASSKEY_PAGE);
    passkey_complete(sender, account, &id, &credential, &ip).await?;
    account.passkey = Some(passkey);
    Ok(())
}

async fn passkey_flow(
    sender: &mut Sender,
    accounts: &Mutex<Vec<PasskeyAccount>>,
    slot: Slot,
) -> Result<(), Failure> {
    let ip = slot.ip();
    // The worker's accounts in turn: each client's per-minute budget is its own.
    let mut taken = {
        let mut mine = accounts.lock().map_err(|_| "poisoned")?;
        let at = slot.pick(mine.len());
        mine.swap_remove(at)
    };
    let outcome = async {
        let (id, options) = passkey_options(sender, &taken, &ip).await?;
        let passkey = taken.passkey.as_mut().ok_or("no passkey")?;
        let assertion = passkey.get(&options, &PASSKEY_PAGE, None);
        passkey_complete(sender, &taken, &id, &assertion, &ip).await
    }
    .await;
    accounts.lock().map_err(|_| "poisoned")?.push(taken);
    outcome
}

async fn twoway_flow(
    sender: &mut Sender,
    clients: &(String, String),
    slot: Slot,
) -> Result<(), Failure> {
    let (app, portal) = clients;
    let ip = slot.ip();
    let init = send(
        sender,
        "POST",
        "/oauth/custom-registration/load/init",
        &[("authorization", app), ("x-forwarded-for", &ip)],
        Some(&json!({})),
    )
    .await?
    .json(200)?;
    let transaction = init["transaction_id"].as_str().ok_or("no transaction_id")?;
    let code = init["data"].as_str().ok_or("no client code")?;
    let response = send(
        sender,
        "POST",
        "/portal/v1/load/response-code",
        &[("authorization", portal), ("x-forwarded-for", &ip)],
        Some(&json!({ "client_code": code, "user_id": format!("user-{}", slot.n) })),
    )
    .await?
    .json(200)?;
    let response = response["data"].as_str().ok_or("no response code")?;
    let completed = send(
        sender,
        "POST",
        "/oauth/custom-registration/load/complete",
        &[("authorization", app), ("x-forwarded-for", &ip)],
        Some(&json!({ "transaction_id": transaction, "data": response })),
    )
    .await?
    .json(200)?;
    if completed["status"] != 2000 {
        return Err(format!("not paired: {completed}"));
    }
    Ok(())
}

/// A Bitcoin key and its native segwit address.
struct Wallet {
    key: watchword_bip322::SecretKey,
    address: String,
}

impl Wallet {
    fn new(worker: usize) -> Result<Self, Failure> {
        let mut seed = [7u8; 32];
        seed[..8].copy_from_slice(&(worker as u64 + 1).to_be_bytes());
        let key = watchword_bip322::SecretKey::from_slice(&seed).map_err(|e| e.to_string())?;
        let address = watchword_bip322::address(
            &key,
            watchword_bip322::KeyAddress::P2wpkh,
            watchword_bip322::Network::Bitcoin,
        )
        .to_string();
        Ok(Wallet { key, address })
    }
}

async fn auth_host_flow(
    sender: &mut Sender,
    wallet: &Wallet,
    origin: &str,
    slot: Slot,
) -> Result<(), Failure> {
    let ip = slot.ip();
    let challenge = send(
        sender,
        "GET",
        &format!("/api/challenge?addr={}", wallet.address),
        &[("x-forwarded-for", &ip)],
        None,
    )
    .await?
    .json(200)?;
    let message = challenge["message"].as_str().ok_or("no message")?;
    let nonce = challenge["nonce"].as_str().ok_or("no nonce")?;
    let mut aux = [0u8; 32];
    aux[..8].copy_from_slice(&slot.n.to_be_bytes());
    let signature = watchword_bip322::sign_simple(
        &wallet.key,
        watchword_bip322::KeyAddress::P2wpkh,
        message.as_bytes(),
        aux,
    );
    let signed_in = send(
        sender,
        "POST",
        "/api/auth/signin",
        &[("origin", origin), ("x-forwarded-for", &ip)],
        Some(&json!({
            "address": wallet.address,
            "message": message,
            "signature": signature,
            "nonce": nonce,
        })),
    )
    .await?;
    let cookies: Vec<String> = signed_in
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect();
    signed_in.json(200)?;
    let me = send(
        sender,
        "GET",
        "/api/auth/me",
        &[("cookie", &cookies.join("; ")), ("x-forwarded-for", &ip)],
        None,
    )
    .await?
    .json(200)?;
    if me["session"]["address"] != wallet.address.as_str() {
        return Err(format!("me shows another session: {me}"));
    }
    Ok(())
}

/// A customer and the approver app enrolled for them: a P-256 key that signs each call.
struct Approver {
    /// The partner's server key.
    srv: String,
    mail: String,
    device: String,
    key: EcdsaKeyPair,
}

impl Approver {
    fn auth(&self, method: &str, path: &str, body: &[u8]) -> Result<String, Failure> {
        let time = now();
        let mut message = format!("{method} {path}\n{time}\n").into_bytes();
        message.extend_from_slice(body);
        let signature = self
            .key
            .sign(&ring::rand::SystemRandom::new(), &message)
            .map_err(|_| "could not sign")?;
        Ok(format!(
            "Device {}.{time}.{}",
            self.device,
            watchword_testkit::passkey::b64(signature.as_ref())
        ))
    }

    /// Enrols a device for `mail` through the partner's enrolment link.
    async fn enrol(
        sender: &mut Sender,
        srv: &str,
        mail: String,
        slot: Slot,
    ) -> Result<Self, Failure> {
        let ip = slot.ip();
        let link = send(
            sender,
            "POST",
            "/api/GetEnrolmentLink",
            &[("SrvAPIKey", srv), ("x-forwarded-for", &ip)],
            Some(&json!({ "UserMail": mail })),
        )
        .await?
        .json(200)?;
        let code = link["EnrolmentURL"]
            .as_str()
            .and_then(|url| url.split("#enrol=").nth(1))
            .ok_or("no enrolment code")?
            .to_owned();
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| "no key")?;
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|_| "no key")?;
        let point = key.public_key().as_ref();
        let b64 = watchword_testkit::passkey::b64;
        let enrolled = send(
            sender,
            "POST",
            "/device/api/enrol/finish",
            &[("x-forwarded-for", &ip)],
            Some(&json!({ "code": code, "public_key": {
                "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..]),
            } })),
        )
        .await?
        .json(201)?;
        let device = enrolled["device_id"]
            .as_str()
            .ok_or("no device id")?
            .to_owned();
        Ok(Approver {
            srv: srv.to_owned(),
            mail,
            device,
            key,
        })
    }
}

async fn approval_flow(
    sender: &mut Sender,
    approver: &Approver,
    slot: Slot,
) -> Result<(), Failure> {
    let ip = slot.ip();
    let partner = [
        ("SrvAPIKey", approver.srv.as_str()),
        ("x-forwarded-for", ip.as_str()),
    ];
    let started = send(
        sender,
        "POST",
        "/api/getTransactionID",
        &partner,
        Some(&json!({ "UserMail": approver.mail, "requestype": 0, "Message": "Sign in to Load shop" })),
    )
    .await?
    .json(200)?;
    let id = started["TransactionID"]
        .as_str()
        .ok_or("no TransactionID")?;
    let number = started["Number"].as_u64().ok_or("no Number")?;
    let wanted = watchword_approval::TransactionId::parse(id)
        .map_err(|e| e.to_string())?
        .storage_key();
    let auth = approver.auth("GET", "/device/api/pending", b"")?;
    let pending = send(
        sender,
        "GET",
        "/device/api/pending",
        &[("authorization", &auth), ("x-forwarded-for", &ip)],
        None,
    )
    .await?
    .json(200)?;
    let reference = pending["requests"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|p| p["ref"].as_str() == Some(wanted.as_str()))
        })
        .map(|p| p["ref"].clone())
        .ok_or("the request is not pending on the device")?;
    let decision = json!({ "ref": reference, "answer": "approve", "number": number });
    let auth = approver.auth(
        "POST",
        "/device/api/decide",
        decision.to_string().as_bytes(),
    )?;
    send(
        sender,
        "POST",
        "/device/api/decide",
        &[("authorization", &auth), ("x-forwarded-for", &ip)],
        Some(&decision),
    )
    .await?
    .json(200)?;
    let status = send(
        sender,
        "GET",
        &format!("/page/{id}/status"),
        &[("x-forwarded-for", &ip)],
        None,
    )
    .await?
    .json(200)?;
    let token = status["token"].as_str().ok_or("no token on the page")?;
    let verified = send(
        sender,
        "POST",
        "/api/VerifyToken",
        &partner,
        Some(&json!({ "token": token })),
    )
    .await?
    .json(200)?;
    if verified["isValid"] != true {
        return Err(format!("token not valid: {verified}"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// What each surface needs before its run.

/// A store client on `redis_url`, and the time.
fn opened(
    redis_url: &str,
) -> Result<(Arc<dyn watchword_store::Store>, watchword_http::UnixTime), Failure> {
    let store = watchword_store::open(redis_url).map_err(|e| e.to_string())?;
    Ok((store, watchword_http::system_clock().now()))
}

/// The store-side part, written before the server starts: sites, clients, partners.
async fn prepare(
    surface: Surface,
    redis_url: &str,
    concurrency: usize,
    addr: SocketAddr,
) -> Result<Fixture, Failure> {
    match surface {
        Surface::Captcha => captcha_sites(redis_url).await,
        Surface::Passkey => passkey_clients(redis_url, concurrency).await,
        Surface::Twoway => twoway_clients(redis_url).await,
        Surface::AuthHost => Ok(Fixture::AuthHost(
            (0..concurrency)
                .map(Wallet::new)
                .collect::<Result<_, _>>()?,
            format!("http://{addr}"),
        )),
        Surface::Approval => approval_partners(redis_url, concurrency).await,
    }
}

/// Captcha sites that offer proofs of work.
async fn captcha_sites(redis_url: &str) -> Result<Fixture, Failure> {
    let (store, now) = opened(redis_url)?;
    let store = store.as_ref();
    let mut rng = rand_core::OsRng;
    let registry =
        watchword_captcha_server::sites::Sites::new(Vec::new()).map_err(|e| e.to_string())?;
    let mut sites = Vec::new();
    for n in 0..PARTNERS {
        let site = registry
            .add(
                store,
                watchword_captcha_server::sites::NewSite {
                    id: Some(format!("load-{n}")),
                    origins: vec![ORIGIN.into()],
                    kinds: vec![watchword_captcha::Kind::ProofOfWork],
                    ..Default::default()
                },
                &mut rng,
                now.0,
            )
            .await
            .map_err(|e| e.to_string())?;
        sites.push((format!("load-{n}"), site.secret));
    }
    Ok(Fixture::Captcha(sites))
}

/// Passkey clients, several per worker, with an identity each.
async fn passkey_clients(redis_url: &str, concurrency: usize) -> Result<Fixture, Failure> {
    let (store, now) = opened(redis_url)?;
    let store = store.as_ref();
    let mut rng = rand_core::OsRng;
    let service = watchword_passkey_server::PasskeyService::new(
        watchword_store::open(redis_url).map_err(|e| e.to_string())?,
        watchword_http::system_clock(),
    );
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let mut accounts = Vec::new();
        for n in 0..per_worker(concurrency) {
            let added = service
                .clients()
                .add(
                    store,
                    watchword_http::clients::NewClient {
                        role: watchword_passkey_server::ROLE_APP.into(),
                        name: format!("load {worker}.{n}"),
                        origins: vec![ORIGIN.into()],
                        scopes: vec![DOMAIN.into()],
                        app_id: Some(watchword_passkey_server::new_app_id(&mut rng)),
                        ..Default::default()
                    },
                    &mut rng,
                    now,
                )
                .await
                .map_err(|e| e.to_string())?;
            accounts.push(PasskeyAccount {
                client_id: added.client.id,
                secret: added.secret,
                app_id: added.client.app_id.unwrap_or_default(),
                email: format!("customer-{worker}-{n}@load.test"),
                passkey: None,
            });
        }
        workers.push(Mutex::new(accounts));
    }
    Ok(Fixture::Passkey(workers))
}

/// Two-way app and portal clients.
async fn twoway_clients(redis_url: &str) -> Result<Fixture, Failure> {
    let (store, now) = opened(redis_url)?;
    let store = store.as_ref();
    let mut rng = rand_core::OsRng;
    let registry = watchword_http::clients::Clients::new("twoway").map_err(|e| e.to_string())?;
    let basic = |id: &str, secret: &str| {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        )
    };
    let mut pairs = Vec::new();
    for n in 0..PARTNERS {
        let mut auths = Vec::new();
        for role in ["app", "portal"] {
            let added = registry
                .add(
                    store,
                    watchword_http::clients::NewClient {
                        role: role.into(),
                        name: format!("load {role} {n}"),
                        scopes: vec!["load".into()],
                        ..Default::default()
                    },
                    &mut rng,
                    now,
                )
                .await
                .map_err(|e| e.to_string())?;
            auths.push(basic(&added.client.id, &added.secret));
        }
        pairs.push((auths[0].clone(), auths[1].clone()));
    }
    Ok(Fixture::Twoway(pairs))
}

/// Approval partners, several per worker.
async fn approval_partners(redis_url: &str, concurrency: usize) -> Result<Fixture, Failure> {
    let (store, now) = opened(redis_url)?;
    let store = store.as_ref();
    let mut rng = rand_core::OsRng;
    let registry = watchword_approval_server::Partners::new().map_err(|e| e.to_string())?;
    let mut keys = Vec::new();
    for n in 0..per_worker(concurrency) * concurrency {
        let added = registry
            .add(
                store,
                watchword_approval_server::NewPartner {
                    id: Some(format!("load-{n}")),
                    name: format!("Load shop {n}"),
                    origins: vec![ORIGIN.into()],
                    keys: None,
                },
                &mut rng,
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
        keys.push(added.server_key.expose().to_owned());
    }
    Ok(Fixture::Approval(Vec::new(), keys))
}

/// How many partners each worker's flows take in turn: [`PARTNERS`] in all, at least two each.
fn per_worker(concurrency: usize) -> usize {
    PARTNERS.div_ceil(concurrency).max(2)
}

/// The part made through the running server: passkeys registered, approver apps enrolled.
async fn enrol(fixture: &mut Fixture, addr: SocketAddr, concurrency: usize) -> Result<(), Failure> {
    let mut sender = connect(addr).await?;
    let slot = || Slot {
        worker: 0,
        n: NEXT_FLOW.fetch_add(1, Ordering::Relaxed),
    };
    match fixture {
        Fixture::Passkey(workers) => {
            for accounts in workers.iter_mut() {
                let accounts = accounts.get_mut().map_err(|_| "poisoned")?;
                for account in accounts.iter_mut() {
                    passkey_register(&mut sender, account, slot()).await?;
                }
            }
        }
        Fixture::Approval(approvers, keys) => {
            for (worker, keys) in keys.chunks(per_worker(concurrency)).enumerate() {
                let mut mine = Vec::new();
                for (n, srv) in keys.iter().enumerate() {
                    let mail = format!("customer-{worker}-{n}@load.test");
                    mine.push(Approver::enrol(&mut sender, srv, mail, slot()).await?);
                }
                approvers.push(mine);
            }
        }
        Fixture::Captcha(_) | Fixture::Twoway(_) | Fixture::AuthHost(..) => {}
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Processes.

/// A process this harness started, killed (by its pid) when dropped.
struct Process {
    child: Child,
}

/// A loopback address no one listens on now.
fn free_addr() -> Result<SocketAddr, Failure> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))
}

impl Process {
    /// Starts this program again as `kind` (a surface or `hello`) on `addr` with `args`, its
    /// log to `log`, and waits until it answers `ready`.
    async fn start(
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

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last lines of a log, for a failure message.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(5)..].join(" | ")
}

/// The server side: this program as a surface's server (the binaries' own `main`) or as a
/// bare hyper hello-world.
fn serve(kind: &str) -> ExitCode {
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

// ---------------------------------------------------------------------------------------------
// Redis.

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

/// `redis-benchmark` GET and SET against `redis`, `pipeline` requests at a time per client.
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

type Calls = std::collections::BTreeMap<String, u64>;

/// The calls Redis has answered so far, per command (`INFO commandstats`).
fn redis_calls(redis: &RedisServer) -> Option<Calls> {
    let text = redis.command(&["INFO", "commandstats"]).ok()?;
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

/// The commands per flow between two readings, per command and in all; the harness's own
/// `INFO` is left out.
fn per_flow(before: &Calls, after: &Calls, flows: usize) -> (f64, Vec<(String, f64)>) {
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

// ---------------------------------------------------------------------------------------------
// One surface's run, and the report.

/// What one surface's run measured.
struct Measured {
    surface: Surface,
    flows: Run,
    healthz: Run,
    commands_per_flow: f64,
    /// Each command's share of `commands_per_flow`.
    commands: Vec<(String, f64)>,
    rss_idle_mb: f64,
    rss_load_mb: f64,
}

impl Measured {
    /// The flow's Redis ceiling: `get_per_second` ÷ Redis commands per flow.
    fn ceiling(&self, get_per_second: f64) -> f64 {
        if self.commands_per_flow > 0.0 {
            get_per_second / self.commands_per_flow
        } else {
            0.0
        }
    }
}

async fn run_surface(
    surface: Surface,
    redis: &RedisServer,
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
    // Warm up connections, the store clients and the allocators.
    let warm = run((options.seconds / 4.0).min(1.0)).await;
    if warm.latencies.is_empty() {
        return Err(format!(
            "no {} flow succeeded while warming up",
            surface.name()
        ));
    }
    let before = redis_calls(redis);
    let flows = run(options.seconds).await;
    let after = redis_calls(redis);
    let (commands_per_flow, commands) = match (before, after) {
        (Some(before), Some(after)) => per_flow(&before, &after, flows.latencies.len()),
        _ => (0.0, Vec::new()),
    };
    let rss_load_mb = server.rss_mb();
    let healthz = drive(
        addr,
        Duration::from_secs_f64(options.seconds / 2.0),
        options.concurrency,
        |sender, _| get_ok(sender, "/healthz"),
    )
    .await;
    drop(server);
    Ok(Measured {
        surface,
        flows,
        healthz,
        commands_per_flow,
        commands,
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
    get_per_second: f64,
    unix_socket: bool,
) {
    eprintln!(
        "\nload: {} s per surface over {} connections; servers and hello-world in processes of \
         their own, store redis ({}), this machine:",
        options.seconds,
        options.concurrency,
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
        let ceiling = m.ceiling(get_per_second);
        let each: Vec<String> = m
            .commands
            .iter()
            .map(|(name, per)| format!("{name} {per:.2}"))
            .collect();
        let half = m.flows.per_second() / ceiling.max(1.0);
        let health = m.healthz.per_second() / hello.per_second().max(1.0);
        eprintln!(
            "\n{}: {:.2} Redis commands per flow ({}); Redis ceiling {:.0} flows/s; RSS {:.1} MB \
             idle, {:.1} MB after the load",
            m.surface.name(),
            m.commands_per_flow,
            each.join(", "),
            ceiling,
            m.rss_idle_mb,
            m.rss_load_mb
        );
        eprintln!(
            "  targets: flows/s ÷ ceiling {half:.2} (≥ 0.5 {}), /healthz ÷ hello-world {health:.2} \
             (≥ 0.7 {}), RSS idle ≤ 20 MB {}, under load ≤ 64 MB {}",
            verdict(half >= 0.5),
            verdict(health >= 0.7),
            verdict(m.rss_idle_mb <= 20.0),
            verdict(m.rss_load_mb <= 64.0)
        );
    }
}

/// Writes `target/load/report.json`.
fn write_report(dir: &Path, measured: &[Measured], hello: &Run, get_per_second: f64) {
    let ms = |d: Duration| (d.as_secs_f64() * 1e5).round() / 100.0;
    let tenth = |x: f64| (x * 10.0).round() / 10.0;
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
                    "redis_cmds_per_flow": (m.commands_per_flow * 100.0).round() / 100.0,
                    "ceiling_flows_per_s": m.ceiling(get_per_second).round(),
                    "healthz_rps": m.healthz.per_second().round(),
                    "rss_idle_mb": tenth(m.rss_idle_mb),
                    "rss_load_mb": tenth(m.rss_load_mb),
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
    let mut measured = Vec::new();
    for surface in &options.surfaces {
        eprintln!("load: {} …", surface.name());
        measured.push(run_surface(*surface, &redis, options, &dir).await?);
    }
    let hello_addr = free_addr()?;
    let hello_server =
        Process::start("hello", hello_addr, &[], &dir.join("hello.log"), "/").await?;
    let hello = drive(
        hello_addr,
        Duration::from_secs_f64(options.seconds / 2.0),
        options.concurrency,
        |sender, _| get_ok(sender, "/"),
    )
    .await;
    drop(hello_server);
    let requests = if options.smoke { 20_000 } else { 200_000 };
    let mut redis_rows = redis_benchmark(&redis, requests, options.concurrency, 1);
    redis_rows.extend(redis_benchmark(
        &redis,
        requests * 4,
        options.concurrency,
        16,
    ));
    let get_per_second = redis_rows
        .iter()
        .find(|row| row.0 == "GET")
        .map_or(0.0, |row| row.1);
    report(
        options,
        &measured,
        &hello,
        &redis_rows,
        get_per_second,
        redis.socket_path().is_some(),
    );
    write_report(&dir, &measured, &hello, get_per_second);
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
