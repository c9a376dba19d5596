//! The chaos harness: single-use things redeemed by storms of concurrent requests over two
//! replicas on one real `redis-server`, and flows driven through Redis faults.
//!
//! ```text
//! cargo xtask chaos [--trials N] [--only storms|faults|cluster|abuse]
//!                                       # or: cargo bench --bench chaos -- …
//! ```
//!
//! - **Replay storms.** For each single-use thing (an approval token, an approval decision, a
//!   device enrolment code, a two-way pairing, a captcha challenge's answer and its partner
//!   check, a passkey token, a wallet sign-in's nonce, an emailed sign-in code; the last four
//!   in `storms.rs`), 256 concurrent redemptions spread over two
//!   replicas, each with its own store client: exactly one may succeed, in every trial
//!   (1000 trials; the smoke under `cargo bench -- --test` runs 5). Each request comes from
//!   an address of its own (`X-Forwarded-For`, trusted here), so per-network rate limits do
//!   not thin the storm out.
//! - **Redis faults.** Approval flows run (16 at a time) while Redis is killed and restarted,
//!   stopped and continued (`SIGSTOP`/`SIGCONT`), and paused (`CLIENT PAUSE`). No token may be
//!   accepted twice, every failure must be a `503` (never a `500` or a wrong answer), and a
//!   flow must succeed within a second of Redis answering again. The harness's Redis keeps no
//!   data across a kill, so the partner is registered again after it, as a persistent Redis
//!   would have kept it.
//! - **Redis Cluster faults** (`cluster.rs`). The same flows on three masters with a replica
//!   each: a manual failover, then a master killed with `kill -9` while the others promote its
//!   replica. The same rules hold, counted from the moment the replica serves as master.
//! - **Abusive clients.** Slow senders, oversized bodies and a flood of idle connections,
//!   while a well-behaved client must still be served; the server's memory must stay bounded.
//!
//! Each check prints `ok` or `FAILED` with what it saw; the last line is `N passed, N failed`,
//! and the exit status is 1 if any failed.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use ring::signature::EcdsaKeyPair;
use serde_json::json;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;
use watchword_approval_server::{Approval, Config, NewPartner};
use watchword_store::testing::RedisServer;
use watchword_testkit::http::{request, send_raw, Reply};

mod cluster;
mod storms;

const STORM: usize = 256;

/// Tallies checks and prints them.
#[derive(Default)]
struct Report {
    passed: usize,
    failed: usize,
}

impl Report {
    fn check(&mut self, name: &str, ok: bool, detail: &str) {
        if ok {
            self.passed += 1;
            println!("ok      {name}: {detail}");
        } else {
            self.failed += 1;
            println!("FAILED  {name}: {detail}");
        }
    }
}

/// An address of its own for request `n` of trial `trial`.
fn address(trial: usize, n: usize) -> String {
    format!("10.{}.{}.{}", trial % 250, n / 250, n % 250 + 1)
}

fn with_ip<'a>(headers: &[(&'a str, &'a str)], ip: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut all = headers.to_vec();
    all.push(("x-forwarded-for", ip));
    all
}

/// Sends `STORM` copies of a request (built per index) over `replicas`, all at once.
async fn storm(replicas: &[SocketAddr], build: impl Fn(usize) -> Vec<u8>) -> Vec<Reply> {
    let start = Arc::new(tokio::sync::Barrier::new(STORM));
    let tasks: Vec<_> = (0..STORM)
        .map(|i| {
            let addr = replicas[i % replicas.len()];
            let raw = build(i);
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                send_raw(addr, &raw).await
            })
        })
        .collect();
    let mut replies = Vec::with_capacity(STORM);
    for task in tasks {
        replies.push(task.await.expect("storm request"));
    }
    replies
}

/// `count` approval servers on the store at `url`, each with its own store client.
async fn approvals(url: &str, count: usize) -> Vec<SocketAddr> {
    let mut replicas = Vec::new();
    for _ in 0..count {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let config = Config {
            public_url: format!("http://{addr}"),
            poll_interval: Duration::from_millis(50),
            // An operator setting (`--prompts-per-minute`): the fault runs ask one customer
            // many times a second.
            prompts_per_minute: 1_000_000,
            ..Config::default()
        };
        let approval = Approval::new(
            watchword_store::open(url).expect("store"),
            config,
            watchword_mail::Mailer::log("chaos <no-reply@localhost>").expect("mailer"),
            watchword_http::system_clock(),
            watchword_http::Rng::os(),
        )
        .expect("approval");
        tokio::spawn(
            approval
                .app()
                .trust_forwarded(true)
                .serve(listener, std::future::pending()),
        );
        replicas.push(addr);
    }
    replicas
}

/// A partner's server key, registered afresh under `id`.
async fn partner(redis_url: &str, id: &str) -> String {
    let store = watchword_store::open(redis_url).expect("store");
    let partners = watchword_approval_server::Partners::new().expect("registry");
    let _ = partners.remove(store.as_ref(), id).await;
    let added = partners
        .add(
            store.as_ref(),
            NewPartner {
                id: Some(id.into()),
                name: "Chaos shop".into(),
                origins: vec!["https://chaos.test".into()],
                keys: None,
            },
            &mut rand_core::OsRng,
            watchword_http::system_clock().now(),
        )
        .await
        .expect("partner");
    added.server_key.expose().to_owned()
}

fn json_request(path: &str, headers: &[(&str, &str)], body: &serde_json::Value) -> Vec<u8> {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    request("POST", path, &all, Some(body.to_string().as_bytes()))
}

/// An approver app as the browser one is: a P-256 key that signs each call.
struct Device {
    id: String,
    key: EcdsaKeyPair,
}

impl Device {
    fn enrol_body(code: &str, key: &EcdsaKeyPair) -> serde_json::Value {
        json!({ "code": code, "public_key": watchword_testkit::approver::device_jwk(key) })
    }

    /// The signed `Authorization` of a call made now.
    fn auth(&self, method: &str, path: &str, body: &[u8]) -> String {
        watchword_testkit::approver::device_authorization(
            &self.key,
            &self.id,
            method,
            path,
            watchword_http::system_clock().now().0,
            body,
        )
    }

    fn decide(&self, reference: &serde_json::Value, number: u64, ip: &str) -> Vec<u8> {
        let body = json!({ "ref": reference, "answer": "approve", "number": number }).to_string();
        let auth = self.auth("POST", "/device/api/decide", body.as_bytes());
        request(
            "POST",
            "/device/api/decide",
            &[
                ("content-type", "application/json"),
                ("authorization", &auth),
                ("x-forwarded-for", ip),
            ],
            Some(body.as_bytes()),
        )
    }

    async fn pending_reply(&self, addr: SocketAddr, ip: &str) -> Reply {
        let auth = self.auth("GET", "/device/api/pending", b"");
        send_raw(
            addr,
            &request(
                "GET",
                "/device/api/pending",
                &[("authorization", &auth), ("x-forwarded-for", ip)],
                None,
            ),
        )
        .await
    }

    async fn pending(&self, addr: SocketAddr, ip: &str) -> Vec<serde_json::Value> {
        self.pending_reply(addr, ip).await.json()["requests"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// An enrolment code for `mail` from the partner's `GetEnrolmentLink`.
async fn enrolment_code(addr: SocketAddr, srv: &str, mail: &str, ip: &str) -> Option<String> {
    let reply = send_raw(
        addr,
        &json_request(
            "/api/GetEnrolmentLink",
            &with_ip(&[("SrvAPIKey", srv)], ip),
            &json!({ "UserMail": mail }),
        ),
    )
    .await;
    let url = reply.json()["EnrolmentURL"].as_str()?.to_owned();
    url.split("#enrol=").nth(1).map(str::to_owned)
}

async fn enrol(addr: SocketAddr, srv: &str, mail: &str, ip: &str) -> Option<Device> {
    let code = enrolment_code(addr, srv, mail, ip).await?;
    let key = watchword_testkit::approver::device_key();
    let reply = send_raw(
        addr,
        &json_request(
            "/device/api/enrol/finish",
            &[("x-forwarded-for", ip)],
            &Device::enrol_body(&code, &key),
        ),
    )
    .await;
    let id = reply.json()["device_id"].as_str()?.to_owned();
    Some(Device { id, key })
}

/// `getTransactionID` for `mail`: `(id, number)`, or the status and error code.
async fn start(
    addr: SocketAddr,
    srv: &str,
    mail: &str,
    ip: &str,
) -> Result<(String, u64), (u16, String)> {
    let reply = send_raw(
        addr,
        &json_request(
            "/api/getTransactionID",
            &with_ip(&[("SrvAPIKey", srv)], ip),
            &json!({ "UserMail": mail, "requestype": 0, "Message": "chaos" }),
        ),
    )
    .await;
    if reply.status != 200 {
        return Err((reply.status, reply.error_code()));
    }
    let body = reply.json();
    Ok((
        body["TransactionID"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        body["Number"].as_u64().unwrap_or_default(),
    ))
}

/// Redemption storms of the approval surface's single-use things.
async fn approval_storms(report: &mut Report, trials: usize) {
    let redis = RedisServer::start().expect("redis-server");
    let redis_url = redis.url();
    let replicas = &approvals(&redis_url, 2).await;
    let mut bad_tokens = Vec::new();
    let mut bad_decisions = Vec::new();
    for trial in 0..trials {
        let srv = partner(&redis_url, &format!("chaos-{trial}")).await;
        let mail = format!("customer-{trial}@chaos.test");
        let ip = address(trial, 0);
        let Some(device) = enrol(replicas[0], &srv, &mail, &ip).await else {
            bad_decisions.push(format!("trial {trial}: enrolment failed"));
            continue;
        };
        let Ok((id, number)) = start(replicas[1], &srv, &mail, &ip).await else {
            bad_decisions.push(format!("trial {trial}: start failed"));
            continue;
        };
        let pending = device.pending(replicas[0], &ip).await;
        let Some(reference) = pending.first().map(|p| p["ref"].clone()) else {
            bad_decisions.push(format!("trial {trial}: nothing pending"));
            continue;
        };
        // 256 approvals of one request: one decides, the others find it decided.
        let replies = storm(replicas, |i| {
            device.decide(&reference, number, &address(trial, i))
        })
        .await;
        let won = replies.iter().filter(|r| r.status == 200).count();
        let lost = replies.iter().filter(|r| r.status == 409).count();
        if won != 1 || won + lost != STORM {
            bad_decisions.push(format!(
                "trial {trial}: {won} decided, {lost} refused of {STORM}"
            ));
        }
        // 256 redemptions of its token: one is valid.
        let status = send_raw(
            replicas[0],
            &request("GET", &format!("/page/{id}/status"), &[], None),
        )
        .await;
        let token = status.json()["token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let replies = storm(replicas, |i| {
            json_request(
                "/api/VerifyToken",
                &with_ip(&[("SrvAPIKey", &srv)], &address(trial, i)),
                &json!({ "token": token }),
            )
        })
        .await;
        let valid = replies
            .iter()
            .filter(|r| r.status == 200 && r.json()["isValid"] == true)
            .count();
        let answered = replies.iter().filter(|r| r.status == 200).count();
        if valid != 1 || answered != STORM {
            bad_tokens.push(format!(
                "trial {trial}: {valid} valid, {answered} answered of {STORM}"
            ));
        }
    }
    let detail = |bad: &[String]| {
        if bad.is_empty() {
            format!("exactly one success in each of {trials} trials")
        } else {
            format!("{} bad trials, first: {}", bad.len(), bad[0])
        }
    };
    report.check(
        "approval decision storm",
        bad_decisions.is_empty(),
        &detail(&bad_decisions),
    );
    report.check(
        "approval token storm (VerifyToken)",
        bad_tokens.is_empty(),
        &detail(&bad_tokens),
    );

    // One enrolment code, 256 redemptions: one device.
    let srv = partner(&redis_url, "chaos-enrol").await;
    let code = enrolment_code(replicas[0], &srv, "enrol@chaos.test", "10.251.0.1")
        .await
        .unwrap_or_default();
    let replies = storm(replicas, |i| {
        json_request(
            "/device/api/enrol/finish",
            &[("x-forwarded-for", &address(251, i))],
            &Device::enrol_body(&code, &watchword_testkit::approver::device_key()),
        )
    })
    .await;
    let enrolled = replies.iter().filter(|r| r.status == 201).count();
    report.check(
        "approval enrolment code storm",
        enrolled == 1,
        &format!("{enrolled} devices enrolled from one code by {STORM} requests"),
    );
}

/// Two twoway servers on `redis`, each with its own store client, sharing one signing key.
async fn twoway_replicas(redis: &RedisServer) -> Vec<SocketAddr> {
    let jwk = watchword_token::Jwk::generate_ed25519(&mut rand_core::OsRng);
    let mut keys = watchword_token::KeyRing::new();
    keys.add_signing_key(jwk.kid().expect("kid"), jwk.signing_key().expect("key"))
        .expect("ring");
    replicas(
        |store| {
            watchword_twoway_server::Twoway::new(
                store,
                keys.clone(),
                "https://chaos.test".into(),
                watchword_otp::PairingConfig::new(),
                watchword_http::system_clock(),
            )
            .expect("twoway")
            .app()
        },
        redis,
    )
    .await
}

/// Two replicas of an app on `redis`, each with its own store client, behind a proxy
/// (`X-Forwarded-For` trusted).
async fn replicas<S: Send + Sync + 'static>(
    make: impl Fn(std::sync::Arc<dyn watchword_store::Store>) -> watchword_http::App<S>,
    redis: &RedisServer,
) -> Vec<SocketAddr> {
    let mut addrs = Vec::new();
    for _ in 0..2 {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        addrs.push(listener.local_addr().expect("addr"));
        let store = watchword_store::open(&redis.url()).expect("store");
        tokio::spawn(
            make(store)
                .trust_forwarded(true)
                .serve(listener, std::future::pending()),
        );
    }
    addrs
}

/// An app and a portal client of the twoway surface on `redis`: their `Authorization`s.
async fn twoway_clients(redis: &RedisServer) -> (String, String) {
    use watchword_http::clients::{Clients, NewClient};
    let store = watchword_store::open(&redis.url()).expect("store");
    let clients = Clients::new("twoway").expect("registry");
    let now = watchword_http::system_clock().now();
    let add = |role: &str| NewClient {
        role: role.into(),
        name: role.into(),
        scopes: vec!["chaos".into()],
        ..NewClient::default()
    };
    let app = clients
        .add(store.as_ref(), add("app"), &mut rand_core::OsRng, now)
        .await
        .expect("app");
    let portal = clients
        .add(store.as_ref(), add("portal"), &mut rand_core::OsRng, now)
        .await
        .expect("portal");
    let basic = |id: &str, secret: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        )
    };
    let (app_auth, portal_auth) = (
        basic(&app.client.id, &app.secret),
        basic(&portal.client.id, &portal.secret),
    );
    (app_auth, portal_auth)
}

/// Redemption storms of two-way pairings: 256 `complete`s with the right response code.
async fn twoway_storms(report: &mut Report, trials: usize) {
    let redis = RedisServer::start().expect("redis-server");
    let replicas = twoway_replicas(&redis).await;
    let mut bad = Vec::new();
    for trial in 0..trials {
        // Clients of their own per trial: an app's and a portal's budgets are per minute.
        let (app_auth, portal_auth) = twoway_clients(&redis).await;
        let ip = address(trial, 0);
        let headers = [
            ("authorization", app_auth.as_str()),
            ("x-forwarded-for", ip.as_str()),
        ];
        let init = send_raw(
            replicas[0],
            &json_request(
                "/oauth/custom-registration/chaos/init",
                &headers,
                &json!({}),
            ),
        )
        .await
        .json();
        let (Some(transaction), Some(code)) =
            (init["transaction_id"].as_str(), init["data"].as_str())
        else {
            bad.push(format!("trial {trial}: init answered {init}"));
            continue;
        };
        let portal_headers = [
            ("authorization", portal_auth.as_str()),
            ("x-forwarded-for", ip.as_str()),
        ];
        let response = send_raw(
            replicas[1],
            &json_request(
                "/portal/v1/chaos/response-code",
                &portal_headers,
                &json!({ "client_code": code, "user_id": format!("user-{trial}") }),
            ),
        )
        .await
        .json();
        let response = response["data"].as_str().unwrap_or_default().to_owned();
        let replies = storm(&replicas, |i| {
            let ip = address(trial, i);
            json_request(
                "/oauth/custom-registration/chaos/complete",
                &[
                    ("authorization", app_auth.as_str()),
                    ("x-forwarded-for", ip.as_str()),
                ],
                &json!({ "transaction_id": transaction, "data": response }),
            )
        })
        .await;
        let paired = replies
            .iter()
            .filter(|r| r.status == 200 && r.json()["status"] == 2000)
            .count();
        if paired != 1 {
            bad.push(format!(
                "trial {trial}: {paired} pairings of {STORM} completions"
            ));
        }
    }
    report.check(
        "twoway pairing storm (complete)",
        bad.is_empty(),
        &if bad.is_empty() {
            format!("exactly one 2000 in each of {trials} trials")
        } else {
            format!("{} bad trials, first: {}", bad.len(), bad[0])
        },
    );
}

/// What the flows under faults saw.
struct Tally {
    /// When the run began.
    began: Instant,
    /// Milliseconds from `began` to Redis answering again (0 until then).
    fault_at: AtomicU64,
    ok: AtomicUsize,
    /// `503`: the store did not answer; nothing was accepted.
    unavailable: AtomicUsize,
    /// A `4xx` refusal (after a kill, the data a partner or device needs is briefly gone).
    refused: AtomicUsize,
    /// The refusals by status and the step that met them.
    refusals: std::sync::Mutex<std::collections::BTreeMap<String, usize>>,
    /// Any other `5xx`: never acceptable.
    server_errors: AtomicUsize,
    /// A token `VerifyToken` accepted twice: never acceptable.
    twice: AtomicUsize,
    /// Milliseconds from the start of the run to the first success after the fault.
    first_ok_after_ms: AtomicU64,
}

impl Tally {
    fn new() -> Self {
        Tally {
            began: Instant::now(),
            fault_at: AtomicU64::new(0),
            ok: AtomicUsize::new(0),
            unavailable: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            refusals: std::sync::Mutex::default(),
            server_errors: AtomicUsize::new(0),
            twice: AtomicUsize::new(0),
            first_ok_after_ms: AtomicU64::new(0),
        }
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.began.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Step `step` of a flow failed with `status`.
    fn failure(&self, step: &str, status: u16) {
        let counter = match status {
            503 => &self.unavailable,
            400..=499 => {
                if let Ok(mut refusals) = self.refusals.lock() {
                    *refusals.entry(format!("{step} {status}")).or_default() += 1;
                }
                &self.refused
            }
            _ => &self.server_errors,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The refusals, most frequent first: `start 429 × 12, …`.
    fn refusals(&self) -> String {
        let Ok(refusals) = self.refusals.lock() else {
            return String::new();
        };
        let mut all: Vec<(&String, &usize)> = refusals.iter().collect();
        all.sort_by(|a, b| b.1.cmp(a.1));
        all.iter()
            .map(|(what, n)| format!("{what} × {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One worker of the fault runs: a partner of its own (partners' budgets are per minute) and
/// a device of one customer, as registered (to restore after a kill).
struct Actor {
    id: String,
    srv: String,
    mail: String,
    device: Device,
    record: watchword_approval_server::records::Device,
}

async fn actors(redis_url: &str, replicas: &[SocketAddr]) -> Vec<Actor> {
    let store = watchword_store::open(redis_url).expect("store");
    let mut actors = Vec::new();
    for n in 0..16 {
        let id = format!("chaos-faults-{n}");
        let srv = partner(redis_url, &id).await;
        let mail = format!("fault-{n}@chaos.test");
        let device = enrol(replicas[n % 2], &srv, &mail, &address(252, n))
            .await
            .expect("enrol");
        let key = watchword_approval_server::records::device_key(&device.id).expect("key");
        let stored = store
            .get(&key)
            .await
            .expect("store")
            .expect("the device record");
        let record = serde_json::from_slice(&stored).expect("a device record");
        actors.push(Actor {
            id,
            srv,
            mail,
            device,
            record,
        });
    }
    actors
}

/// Writes the partners (with their server keys) and the devices back, as a persistent Redis
/// would have kept them.
async fn restore(redis_url: &str, actors: &[Actor]) {
    let store = watchword_store::open(redis_url).expect("store");
    let partners = watchword_approval_server::Partners::new().expect("registry");
    for actor in actors {
        let server_key = actor.srv.parse().expect("the server key");
        let browser_key = watchword_approval::ApiKey::generate(
            watchword_approval::KeyRole::Browser,
            &mut rand_core::OsRng,
        );
        let _ = partners
            .add(
                store.as_ref(),
                NewPartner {
                    id: Some(actor.id.clone()),
                    name: "Chaos shop".into(),
                    origins: vec!["https://chaos.test".into()],
                    keys: Some((server_key, browser_key)),
                },
                &mut rand_core::OsRng,
                watchword_http::system_clock().now(),
            )
            .await;
        let key = watchword_approval_server::records::device_key(&actor.device.id).expect("key");
        let _ = store
            .put(
                &key,
                &serde_json::to_vec(&actor.record).expect("json"),
                Duration::from_secs(3600),
            )
            .await;
    }
}

/// One approval flow (start, approve, verify twice), tallied.
async fn fault_flow(
    addr: SocketAddr,
    srv: &str,
    mail: &str,
    device: &Device,
    ip: &str,
    tally: &Tally,
) {
    let (id, number) = match start(addr, srv, mail, ip).await {
        Ok(started) => started,
        Err((status, code)) => return tally.failure(&format!("start {code}"), status),
    };
    let wanted = watchword_approval::TransactionId::parse(&id)
        .map(|t| t.storage_key())
        .unwrap_or_default();
    let pending = device.pending_reply(addr, ip).await;
    if pending.status != 200 {
        return tally.failure("pending", pending.status);
    }
    let requests = pending.json()["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let Some(reference) = requests
        .iter()
        .find(|p| p["ref"].as_str() == Some(wanted.as_str()))
    else {
        return tally.failure("not pending on the device", 404);
    };
    let decided = send_raw(addr, &device.decide(&reference["ref"], number, ip)).await;
    if decided.status != 200 {
        return tally.failure("decide", decided.status);
    }
    let status = send_raw(
        addr,
        &request("GET", &format!("/page/{id}/status"), &[], None),
    )
    .await;
    if status.status != 200 {
        return tally.failure("page status", status.status);
    }
    let token = status.json()["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut valid = 0;
    for _ in 0..2 {
        let reply = send_raw(
            addr,
            &json_request(
                "/api/VerifyToken",
                &with_ip(&[("SrvAPIKey", srv)], ip),
                &json!({ "token": token }),
            ),
        )
        .await;
        match reply.status {
            200 if reply.json()["isValid"] == true => valid += 1,
            200 => {}
            status => return tally.failure("verify", status),
        }
    }
    if valid > 1 {
        tally.twice.fetch_add(1, Ordering::Relaxed);
    }
    tally.ok.fetch_add(1, Ordering::Relaxed);
    let now = tally.elapsed_ms();
    let back = tally.fault_at.load(Ordering::Relaxed);
    if back > 0 && now > back {
        let _ = tally.first_ok_after_ms.compare_exchange(
            0,
            now - back,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }
}

/// Redis's process id, from `INFO server`.
fn redis_pid(redis: &RedisServer) -> Option<u32> {
    let info = redis.command(&["INFO", "server"]).ok()?;
    info.lines()
        .find_map(|line| line.strip_prefix("process_id:"))
        .and_then(|pid| pid.trim().parse().ok())
}

/// Approval flows (16 at a time, over two replicas) through Redis faults.
/// Approval flows, one worker per actor over the replicas, until stopped.
struct Load {
    tally: Arc<Tally>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(replicas: &[SocketAddr], actors: &Arc<Vec<Actor>>) -> Load {
        let tally = Arc::new(Tally::new());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut workers = Vec::new();
        for n in 0..actors.len() {
            let (tally, stop, actors) = (tally.clone(), stop.clone(), actors.clone());
            let addr = replicas[n % replicas.len()];
            workers.push(tokio::spawn(async move {
                let mut flow = 0;
                while !stop.load(Ordering::Relaxed) {
                    let actor = &actors[n];
                    // Each flow from an address of its own: per-network limits are not the
                    // subject here.
                    flow += 1;
                    let ip = address(253 - n % 3, (n * 1000 + flow) % 62_000);
                    fault_flow(addr, &actor.srv, &actor.mail, &actor.device, &ip, &tally).await;
                }
            }));
        }
        Load {
            tally,
            stop,
            workers,
        }
    }

    /// Marks the moment Redis serves again, lets the flows run 2 s more, stops them and checks
    /// what they saw: no other `5xx`, no token accepted twice, a success within a second of
    /// Redis, and `4xx` refusals only where the fault `may_lose_data`.
    async fn finish(self, name: &str, before: usize, may_lose_data: bool, report: &mut Report) {
        let tally = self.tally;
        tally.fault_at.store(tally.elapsed_ms(), Ordering::Relaxed);
        tokio::time::sleep(Duration::from_secs(2)).await;
        self.stop.store(true, Ordering::Relaxed);
        for worker in self.workers {
            let _ = worker.await;
        }
        let ok = tally.ok.load(Ordering::Relaxed);
        let after = ok - before;
        let recovered = tally.first_ok_after_ms.load(Ordering::Relaxed);
        let refused = tally.refused.load(Ordering::Relaxed);
        let refusals = if refused > 0 {
            format!(" (refusals: {})", tally.refusals())
        } else {
            String::new()
        };
        let detail = format!(
            "{before} flows before the fault, {after} during and after; {} answered 503, {refused} refused with a 4xx, \
             {} other 5xx, {} tokens accepted twice; first success {recovered} ms after Redis was back{refusals}",
            tally.unavailable.load(Ordering::Relaxed),
            tally.server_errors.load(Ordering::Relaxed),
            tally.twice.load(Ordering::Relaxed),
        );
        let fine = tally.server_errors.load(Ordering::Relaxed) == 0
            && tally.twice.load(Ordering::Relaxed) == 0
            && after > 0
            && recovered > 0
            && recovered <= 1000
            && (may_lose_data || refused == 0);
        report.check(name, fine, &detail);
    }
}

async fn redis_faults(report: &mut Report) {
    let mut redis = RedisServer::start().expect("redis-server");
    let servers = approvals(&redis.url(), 2).await;
    let url = redis.url();
    let actors = Arc::new(actors(&url, &servers).await);
    for fault in [
        "kill -9 and restart",
        "SIGSTOP for 2 s, then SIGCONT",
        "CLIENT PAUSE 2000",
    ] {
        let load = Load::start(&servers, &actors);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = load.tally.ok.load(Ordering::Relaxed);
        if load.tally.refused.load(Ordering::Relaxed) > 0 {
            report.check(fault, false, "flows were refused before the fault");
        }
        match fault {
            "kill -9 and restart" => {
                redis.kill().expect("kill");
                tokio::time::sleep(Duration::from_secs(1)).await;
                redis.restart().expect("restart");
                restore(&url, &actors).await;
            }
            "SIGSTOP for 2 s, then SIGCONT" => {
                let pid = redis_pid(&redis).expect("redis pid");
                signal(pid, "-STOP");
                tokio::time::sleep(Duration::from_secs(2)).await;
                signal(pid, "-CONT");
            }
            _ => {
                redis
                    .command(&["CLIENT", "PAUSE", "2000", "ALL"])
                    .expect("CLIENT PAUSE");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
        // Only a kill loses data (the harness's Redis keeps none): refusals are fine there,
        // not after a stop or a pause.
        load.finish(
            &format!("approval flows through Redis {fault}"),
            before,
            fault.starts_with("kill"),
            report,
        )
        .await;
    }
}

fn signal(pid: u32, signal: &str) {
    let _ = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status();
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Slow senders, oversized bodies and idle connections, while a normal client is served.
async fn abusive_clients(report: &mut Report) {
    let redis = RedisServer::start().expect("redis-server");
    let addr = approvals(&redis.url(), 1).await[0];
    // 300 connections that send half a request head and wait, 100 that announce a 10 MB body.
    let rss_before = rss_mb();
    let mut held = Vec::new();
    for n in 0..400 {
        if let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await {
            let bytes = if n < 300 {
                b"POST /api/VerifyToken HTTP/1.1\r\nhost: x\r\n".to_vec()
            } else {
                b"POST /api/VerifyToken HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 10000000\r\n\r\n{".to_vec()
            };
            let _ = stream.write_all(&bytes).await;
            held.push(stream);
        }
    }
    let started = Instant::now();
    let reply = send_raw(addr, &request("GET", "/healthz", &[], None)).await;
    let served = reply.status == 200;
    let huge = send_raw(
        addr,
        &json_request(
            "/api/VerifyToken",
            &[],
            &json!({ "token": "x".repeat(100_000) }),
        ),
    )
    .await;
    let grown = rss_mb() - rss_before;
    report.check(
        "served beside 400 abusive connections",
        served && huge.status == 413 && grown < 64.0,
        &format!(
            "/healthz answered {} in {} ms; a 100 KB body answered {}; this process grew {grown:.1} MB",
            reply.status,
            started.elapsed().as_millis(),
            huge.status
        ),
    );
    drop(held);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // A test runner asking which tests this binary has (`cargo nextest` lists every target):
    // none. The chaos run is its own command.
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let smoke = args.iter().any(|a| a == "--test");
    let trials = args
        .iter()
        .position(|a| a == "--trials")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(if smoke { 5 } else { 1000 });
    // `--only storms|faults|cluster|abuse`: one part of the run.
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str);
    let part = |name: &str| only.is_none_or(|only| only == name);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let report = runtime.block_on(async {
        let mut report = Report::default();
        let began = Instant::now();
        if part("storms") {
            approval_storms(&mut report, trials).await;
            twoway_storms(&mut report, trials).await;
            storms::captcha_storms(&mut report, trials).await;
            storms::passkey_storms(&mut report, trials).await;
            storms::auth_host_storms(&mut report, trials).await;
        }
        if part("faults") {
            redis_faults(&mut report).await;
        }
        if part("cluster") {
            cluster::cluster_faults(&mut report).await;
        }
        if part("abuse") {
            abusive_clients(&mut report).await;
        }
        println!("({} s)", began.elapsed().as_secs());
        report
    });
    println!("{} passed, {} failed", report.passed, report.failed);
    if report.failed > 0 {
        std::process::exit(1);
    }
}
