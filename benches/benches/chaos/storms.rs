//! Replay storms of the sign-in surfaces' single-use things: a captcha challenge's answer and
//! its partner check, a passkey token, a wallet sign-in's nonce and an emailed sign-in code.

use std::net::SocketAddr;

use serde_json::json;
use tokio::net::TcpListener;
use watchword_store::testing::RedisServer;
use watchword_testkit::http::{request, send_raw, Reply};
use watchword_testkit::node::SmtpSink;
use watchword_testkit::passkey::{Page, Passkey};

use super::{address, json_request, replicas, storm, Report, STORM};

/// Counts the trials in which a storm did not give exactly one success, and reports them.
struct Trials {
    name: &'static str,
    what: &'static str,
    bad: Vec<String>,
    count: usize,
}

impl Trials {
    fn new(name: &'static str, what: &'static str, trials: usize) -> Self {
        Trials {
            name,
            what,
            bad: Vec::new(),
            count: trials,
        }
    }

    /// A trial whose storm gave `successes` of `STORM` (or that could not run: `Err`).
    fn record(&mut self, trial: usize, successes: Result<usize, String>) {
        match successes {
            Ok(1) => {}
            Ok(n) => self
                .bad
                .push(format!("trial {trial}: {n} of {STORM} succeeded")),
            Err(why) => self.bad.push(format!("trial {trial}: {why}")),
        }
    }

    fn report(self, report: &mut Report) {
        let detail = if self.bad.is_empty() {
            format!("exactly one {} in each of {} trials", self.what, self.count)
        } else {
            format!("{} bad trials, first: {}", self.bad.len(), self.bad[0])
        };
        report.check(self.name, self.bad.is_empty(), &detail);
    }
}

fn succeeded(replies: &[Reply], ok: impl Fn(&Reply) -> bool) -> usize {
    replies.iter().filter(|r| ok(r)).count()
}

const ORIGIN: &str = "https://chaos.test";

/// Captcha: 256 answers of one proof-of-work challenge, then 256 partner checks of it (each
/// with a token of its own): one `valid` each. A site per trial, since a site's checks have a
/// per-minute budget.
pub(crate) async fn captcha_storms(report: &mut Report, trials: usize) {
    use watchword_captcha_server::sites::Sites;
    let redis = RedisServer::start().expect("redis-server");
    let settings = || watchword_captcha_server::Settings {
        difficulty: watchword_captcha::Difficulty::new(0, u32::MAX, 0, 0).expect("zero bits"),
        ..watchword_captcha_server::Settings::default()
    };
    let replicas = replicas(
        |store| {
            watchword_captcha_server::Captcha::new(
                store,
                Sites::new(Vec::new()).expect("sites"),
                settings(),
                watchword_captcha_server::system_clock(),
            )
            .app()
        },
        &redis,
    )
    .await;
    let store = watchword_store::open(&redis.url()).expect("store");
    let sites = Sites::new(Vec::new()).expect("sites");
    let mut answers = Trials::new("captcha answer storm", "valid answer", trials);
    let mut checks = Trials::new("captcha partner-check storm", "valid check", trials);
    for trial in 0..trials {
        match captcha_trial(&replicas, store.as_ref(), &sites, trial).await {
            Ok((answered, checked)) => {
                answers.record(trial, Ok(answered));
                checks.record(trial, Ok(checked));
            }
            Err(why) => answers.record(trial, Err(why)),
        }
    }
    answers.report(report);
    checks.report(report);
}

/// One captcha trial on a site of its own: how many of the answers, then of the checks, were
/// `valid`.
async fn captcha_trial(
    replicas: &[SocketAddr],
    store: &dyn watchword_store::Store,
    sites: &watchword_captcha_server::sites::Sites,
    trial: usize,
) -> Result<(usize, usize), String> {
    use watchword_captcha_server::sites::NewSite;
    let id = format!("chaos-{trial}");
    let site = sites
        .add(
            store,
            NewSite {
                id: Some(id.clone()),
                origins: vec![ORIGIN.into()],
                kinds: vec![watchword_captcha::Kind::ProofOfWork],
                ..NewSite::default()
            },
            &mut rand_core::OsRng,
            watchword_http::system_clock().now().0,
        )
        .await
        .map_err(|e| e.to_string())?;
    let ip = address(trial, 0);
    let created = send_raw(
        replicas[0],
        &request(
            "GET",
            &format!("/v1/sites/{id}/challenge"),
            &[("origin", ORIGIN), ("x-forwarded-for", &ip)],
            None,
        ),
    )
    .await
    .json();
    let (Some(challenge), Some(token)) = (
        created["id"].as_str().map(str::to_owned),
        created["pow"]["token"]
            .as_str()
            .and_then(|t| watchword_captcha::PowToken::parse(t).ok()),
    ) else {
        return Err(format!("no challenge: {created}"));
    };
    let solution = watchword_captcha::pow::solve(token.challenge(), 1 << 20).expect("solves");
    let path = format!("/v1/sites/{id}/challenges/{challenge}");
    let replies = storm(replicas, |i| {
        let ip = address(trial, i);
        json_request(
            &path,
            &[("origin", ORIGIN), ("x-forwarded-for", &ip)],
            &json!({ "solution": solution }),
        )
    })
    .await;
    let answered = succeeded(&replies, |r| {
        r.status == 200 && r.json()["state"] == "valid"
    });
    let key = watchword_token::HmacKey::hs512(site.secret.as_bytes()).expect("key");
    let replies = storm(replicas, |i| {
        let mut claims = watchword_token::Claims::new(watchword_token::UnixTime(
            watchword_http::system_clock().now().0 + 60,
        ));
        claims.iss = Some(id.clone());
        claims.sub = Some(challenge.clone());
        claims.jti = Some(format!("chaos-{trial}-{i}"));
        let jwt = watchword_token::SigningKey::Hmac(key.clone())
            .sign(&claims)
            .expect("signs");
        request(
            "GET",
            &path,
            &[("authorization", &format!("Bearer {jwt}"))],
            None,
        )
    })
    .await;
    let checked = succeeded(&replies, |r| {
        r.status == 200 && r.json()["state"] == "valid"
    });
    Ok((answered, checked))
}

/// Passkey: 256 validations of one sign-in token: one `SUCCESS`.
pub(crate) async fn passkey_storms(report: &mut Report, trials: usize) {
    use watchword_passkey_server::PasskeyService;
    let redis = RedisServer::start().expect("redis-server");
    let replicas = replicas(
        |store| PasskeyService::new(store, watchword_passkey_server::system_clock()).app(),
        &redis,
    )
    .await;
    let store = watchword_store::open(&redis.url()).expect("store");
    let service = PasskeyService::new(store.clone(), watchword_passkey_server::system_clock());
    let mut tokens = Trials::new("passkey token storm (validate)", "SUCCESS", trials);
    for trial in 0..trials {
        let outcome = passkey_trial(&replicas, store.as_ref(), &service, trial).await;
        tokens.record(trial, outcome);
    }
    tokens.report(report);
}

/// One passkey trial with a client of its own: how many validations of its token succeeded.
async fn passkey_trial(
    replicas: &[SocketAddr],
    store: &dyn watchword_store::Store,
    service: &watchword_passkey_server::PasskeyService,
    trial: usize,
) -> Result<usize, String> {
    let page = Page {
        rp_id: "chaos.test",
        origin: ORIGIN,
    };
    // A client per trial: a client's validations have a per-minute budget.
    let client = service
        .clients()
        .add(
            store,
            watchword_http::clients::NewClient {
                role: watchword_passkey_server::ROLE_APP.into(),
                name: format!("chaos {trial}"),
                origins: vec![ORIGIN.into()],
                scopes: vec!["chaos.test".into()],
                app_id: Some(watchword_passkey_server::new_app_id(&mut rand_core::OsRng)),
                ..Default::default()
            },
            &mut rand_core::OsRng,
            watchword_http::system_clock().now(),
        )
        .await
        .map_err(|e| e.to_string())?;
    let app_id = client.client.app_id.clone().unwrap_or_default();
    let backend = |path: &str, body: &serde_json::Value| {
        let body = body.to_string();
        request(
            "POST",
            path,
            &[
                ("clientId", client.client.id.as_str()),
                ("clientSecret", client.secret.as_str()),
                ("content-type", "application/json"),
            ],
            Some(body.as_bytes()),
        )
    };
    let ip = address(trial, 0);
    let started = send_raw(
        replicas[0],
        &backend(
            "/auth/v1/webauthn",
            &json!({
                "identityType": "EMAIL",
                "identityValue": format!("customer-{trial}@chaos.test"),
                "rpName": "Chaos shop",
                "domain": "chaos.test",
                "userDisplayName": "Customer",
            }),
        ),
    )
    .await
    .json();
    let id = started["requestId"].as_str().unwrap_or_default().to_owned();
    let path = format!("/auth/v1/webauthn/{id}");
    let options = send_raw(
        replicas[1],
        &request(
            "GET",
            &path,
            &[
                ("origin", ORIGIN),
                ("x-otpless-appid", &app_id),
                ("x-forwarded-for", &ip),
            ],
            None,
        ),
    )
    .await
    .json();
    if options["publicKey"].is_null() {
        return Err(format!("no options: {options}"));
    }
    let (_, credential) = Passkey::create(&options, &page);
    let completed = send_raw(
        replicas[0],
        &request(
            "POST",
            &path,
            &[
                ("origin", ORIGIN),
                ("content-type", "application/json"),
                ("x-forwarded-for", &ip),
            ],
            Some(credential.as_bytes()),
        ),
    )
    .await
    .json();
    let Some(token) = completed["token"].as_str().map(str::to_owned) else {
        return Err(format!("no token: {completed}"));
    };
    let replies = storm(replicas, |_| {
        backend("/auth/v1/validate/token", &json!({ "token": token }))
    })
    .await;
    Ok(succeeded(&replies, |r| {
        r.status == 200 && r.json()["status"] == "SUCCESS"
    }))
}

/// Auth host: 256 sign-ins with one signed wallet challenge, and 256 verifications of one
/// emailed code: one session each.
pub(crate) async fn auth_host_storms(report: &mut Report, trials: usize) {
    use watchword_auth_host_server::{keys, AuthHost, Settings};
    let redis = RedisServer::start().expect("redis-server");
    let smtp = SmtpSink::start().await;
    // The replicas are one host to browsers: one public URL, one origin, one key set.
    let first = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", first.local_addr().expect("addr"));
    drop(first);
    let set = keys::KeySet::generate(&mut rand_core::OsRng);
    let replicas = replicas(
        |store| {
            let settings = Settings::new(&url, &[]);
            let issuer = set.issuer(&url, settings.session_lifetime).expect("issuer");
            AuthHost::new(
                store,
                keys::Keys::fixed(issuer).expect("keys"),
                settings,
                watchword_bip322::Network::Bitcoin,
                watchword_mail::Mailer::smtp(
                    &format!("smtp://{}?tls=none", smtp.addr()),
                    "Chaos <no-reply@chaos.test>",
                )
                .expect("mailer"),
                watchword_auth_host_server::oauth::Providers::none(),
                watchword_http::system_clock(),
                watchword_http::Rng::os(),
            )
            .expect("host")
            .app()
        },
        &redis,
    )
    .await;
    let mut nonces = Trials::new("auth-host nonce storm (wallet sign-in)", "session", trials);
    let mut codes = Trials::new("auth-host email code storm (verify)", "session", trials);
    for trial in 0..trials {
        nonces.record(trial, wallet_trial(&replicas, &url, trial).await);
        codes.record(trial, email_trial(&replicas, &url, &smtp, trial).await);
    }
    nonces.report(report);
    codes.report(report);
}

/// One wallet sign-in trial: how many of the sign-ins with one signed challenge succeeded.
async fn wallet_trial(replicas: &[SocketAddr], url: &str, trial: usize) -> Result<usize, String> {
    let mut seed = [9u8; 32];
    seed[..8].copy_from_slice(&u64::try_from(trial).unwrap_or(0).to_be_bytes());
    let key = watchword_bip322::SecretKey::from_slice(&seed).expect("key");
    let wallet = watchword_bip322::address(
        &key,
        watchword_bip322::KeyAddress::P2wpkh,
        watchword_bip322::Network::Bitcoin,
    )
    .to_string();
    let ip = address(trial, 0);
    let challenge = send_raw(
        replicas[0],
        &request(
            "GET",
            &format!("/api/challenge?addr={wallet}"),
            &[("x-forwarded-for", &ip)],
            None,
        ),
    )
    .await
    .json();
    let (Some(message), Some(nonce)) = (challenge["message"].as_str(), challenge["nonce"].as_str())
    else {
        return Err(format!("no challenge: {challenge}"));
    };
    let body = json!({
        "address": wallet,
        "message": message,
        "signature": watchword_bip322::sign_simple(
            &key,
            watchword_bip322::KeyAddress::P2wpkh,
            message.as_bytes(),
            [7; 32],
        ),
        "nonce": nonce,
    });
    let replies = storm(replicas, |i| {
        let ip = address(trial, i);
        json_request(
            "/api/auth/signin",
            &[("origin", url), ("x-forwarded-for", &ip)],
            &body,
        )
    })
    .await;
    Ok(succeeded(&replies, |r| r.status == 200))
}

/// One emailed-code trial: how many of the verifications of one code succeeded.
async fn email_trial(
    replicas: &[SocketAddr],
    url: &str,
    smtp: &SmtpSink,
    trial: usize,
) -> Result<usize, String> {
    let ip = address(trial, 0);
    let email = format!("customer-{trial}@chaos.test");
    let started = send_raw(
        replicas[1],
        &json_request(
            "/api/auth/email-otp/start",
            &[("origin", url), ("x-forwarded-for", &ip)],
            &json!({ "email": email }),
        ),
    )
    .await;
    let cookie = started
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, value)| value.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    if started.status != 200 {
        return Err(format!("start answered {}", started.status));
    }
    let mail = smtp
        .wait_for_message(&email, std::time::Duration::from_secs(10))
        .await;
    let Some(code) = mail
        .subject
        .split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
    else {
        return Err(format!("no code in {:?}", mail.subject));
    };
    let replies = storm(replicas, |i| {
        let ip = address(trial, i);
        json_request(
            "/api/auth/email-otp/verify",
            &[
                ("origin", url),
                ("cookie", &cookie),
                ("x-forwarded-for", &ip),
            ],
            &json!({ "email": email, "code": code }),
        )
    })
    .await;
    Ok(succeeded(&replies, |r| r.status == 200))
}
