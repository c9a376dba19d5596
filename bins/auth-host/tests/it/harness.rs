//! An auth host on a private Redis, mailing over real SMTP to a loopback sink, optionally with
//! a real OpenID provider, and a browser-like client with a cookie jar.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::net::TcpListener;
use watchword_auth_host_server::keys::{self, Keys};
use watchword_auth_host_server::mail::Mailer;
use watchword_auth_host_server::oauth::Providers;
use watchword_auth_host_server::{AuthHost, Settings};
use watchword_bip322::{address, sign_simple, KeyAddress, Network, SecretKey};
use watchword_http::{Clock, Rng, UnixTime};
use watchword_store::testing::RedisServer;
use watchword_testkit::http::{request_to, send_raw, CookieJar, Reply};
use watchword_testkit::node::{OidcProvider, SmtpSink};

/// The family site besides the host itself.
pub(crate) const SHOP: &str = "https://shop.example.test";
/// The OpenID provider's name on the host.
pub(crate) const PROVIDER: &str = "test-id";
/// The operator token of the apps API.
pub(crate) const OPERATOR_TOKEN: &str = "operator-token-for-tests-0123456789abcdef";

pub(crate) struct Host {
    pub(crate) redis: RedisServer,
    pub(crate) addr: SocketAddr,
    /// `http://127.0.0.1:<port>`: the host's public URL and own origin.
    pub(crate) url: String,
    pub(crate) smtp: SmtpSink,
    pub(crate) oidc: Option<OidcProvider>,
    pub(crate) keys_file: PathBuf,
    _dir: tempfile::TempDir,
    clock: Arc<AtomicU64>,
}

#[derive(Default)]
#[allow(clippy::struct_excessive_bools)] // independent switches of a test host
pub(crate) struct Options {
    pub(crate) oidc: bool,
    pub(crate) contact: bool,
    /// A second provider, `down`, whose issuer does not answer.
    pub(crate) dead_provider: bool,
    /// No `--operator-token`: the apps API is off.
    pub(crate) no_operator: bool,
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

impl Host {
    pub(crate) async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    pub(crate) async fn start_with(options: Options) -> Self {
        let redis = RedisServer::start().expect("redis-server");
        let store = watchword_store::open(&redis.url()).expect("store");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let url = format!("http://{addr}");
        let dir = tempfile::tempdir().expect("tempdir");
        let keys_file = dir.path().join("session-keys.json");
        keys::rotate(&keys_file, 2, &mut rand_core::OsRng).expect("key file");
        let mut settings = Settings::new(&url, &[SHOP.to_owned()]);
        if options.contact {
            settings.contact_to = Some("operator@example.test".into());
        }
        settings.operator_token_sha256 =
            (!options.no_operator).then(|| watchword_http::sha256_hex(OPERATOR_TOKEN.as_bytes()));
        let smtp = SmtpSink::start().await;
        let mailer = Mailer::smtp(
            &format!("smtp://{}?tls=none", smtp.addr()),
            "Watchword <no-reply@example.test>",
        )
        .expect("mailer");
        let mut providers = Providers::none();
        let oidc = if options.oidc {
            let redirect = format!("{url}/api/auth/{PROVIDER}/callback");
            let provider =
                OidcProvider::start("host-client", "host-secret-0123456789", &[redirect]).await;
            providers
                .add_oidc(
                    PROVIDER,
                    &provider.issuer(),
                    "host-client",
                    "host-secret-0123456789",
                    &url,
                )
                .expect("provider");
            Some(provider)
        } else {
            None
        };
        if options.dead_provider {
            providers
                .add_oidc("down", "http://127.0.0.1:9", "c", "s", &url)
                .expect("provider");
        }
        let clock = Arc::new(AtomicU64::new(now()));
        let ticks = clock.clone();
        let host = AuthHost::new(
            store,
            Keys::from_file(&keys_file, &url, settings.session_lifetime).expect("keys"),
            settings,
            Network::Bitcoin,
            mailer,
            providers,
            Clock::from_fn(move || UnixTime(ticks.load(Ordering::SeqCst))),
            Rng::os(),
        )
        .expect("host");
        tokio::spawn(host.app().serve(listener, std::future::pending()));
        Self {
            redis,
            addr,
            url,
            smtp,
            oidc,
            keys_file,
            _dir: dir,
            clock,
        }
    }

    pub(crate) fn advance(&self, seconds: u64) {
        self.clock.fetch_add(seconds, Ordering::SeqCst);
    }

    /// A request as a page of `origin` would send it, with `jar`'s cookies; keeps the cookies
    /// the answer sets.
    pub(crate) async fn call(
        &self,
        jar: &mut CookieJar,
        method: &str,
        target: &str,
        origin: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Reply {
        let reply = self
            .call_keeping(jar, method, target, origin, body, &[])
            .await;
        jar.store(target, &reply);
        reply
    }

    /// A request like [`Host::call`] that leaves the jar as it was, with extra headers.
    pub(crate) async fn call_keeping(
        &self,
        jar: &CookieJar,
        method: &str,
        target: &str,
        origin: Option<&str>,
        body: Option<&serde_json::Value>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let cookie = jar.header(target);
        let body = body.map(serde_json::Value::to_string);
        let mut headers: Vec<(&str, &str)> = extra.to_vec();
        if let Some(cookie) = cookie.as_deref() {
            headers.push(("cookie", cookie));
        }
        if let Some(origin) = origin {
            headers.push(("origin", origin));
        }
        if body.is_some() {
            headers.push(("content-type", "application/json"));
        }
        let host = self.addr.to_string();
        send_raw(
            self.addr,
            &request_to(
                &host,
                method,
                target,
                &headers,
                body.as_deref().map(str::as_bytes),
            ),
        )
        .await
    }

    /// `POST` from the host's own pages.
    pub(crate) async fn post(
        &self,
        jar: &mut CookieJar,
        target: &str,
        body: &serde_json::Value,
    ) -> Reply {
        let origin = self.url.clone();
        self.call(jar, "POST", target, Some(&origin), Some(body))
            .await
    }

    pub(crate) async fn get(&self, jar: &mut CookieJar, target: &str) -> Reply {
        self.call(jar, "GET", target, None, None).await
    }

    /// A challenge for `wallet`, `(message, nonce)`.
    pub(crate) async fn challenge(&self, wallet: &Wallet) -> (String, String) {
        let reply = self
            .get(
                &mut CookieJar::new(),
                &format!("/api/challenge?addr={}", wallet.address),
            )
            .await;
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let body = reply.json();
        (
            body["message"].as_str().expect("message").to_owned(),
            body["nonce"].as_str().expect("nonce").to_owned(),
        )
    }

    /// Signs in with `wallet` (adding to the roster when `add`); the reply.
    pub(crate) async fn wallet_sign_in(
        &self,
        jar: &mut CookieJar,
        wallet: &Wallet,
        add: bool,
    ) -> Reply {
        let (message, nonce) = self.challenge(wallet).await;
        let body = wallet.sign_in_body(&message, &nonce);
        let target = if add {
            "/api/auth/signin?add=1"
        } else {
            "/api/auth/signin"
        };
        self.post(jar, target, &body).await
    }

    /// Mails a code to `email`, asked for by the browser of `jar` (which keeps the code's
    /// transaction cookie), and returns it, read from the delivered mail.
    pub(crate) async fn mailed_code(&self, jar: &mut CookieJar, email: &str) -> String {
        let reply = self
            .post(
                jar,
                "/api/auth/email-otp/start",
                &serde_json::json!({"email": email}),
            )
            .await;
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let mail = self
            .smtp
            .wait_for_message(email, std::time::Duration::from_secs(10))
            .await;
        code_in(&mail.subject)
    }

    /// Signs in by email code (adding to the roster when `add`); the reply.
    pub(crate) async fn email_sign_in(&self, jar: &mut CookieJar, email: &str, add: bool) -> Reply {
        let code = self.mailed_code(jar, email).await;
        let target = if add {
            "/api/auth/email-otp/verify?add=1"
        } else {
            "/api/auth/email-otp/verify"
        };
        self.post(
            jar,
            target,
            &serde_json::json!({"email": email, "code": code}),
        )
        .await
    }
}

/// The six-digit code of a sign-in mail's text.
pub(crate) fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .unwrap_or_else(|| panic!("no code in {text:?}"))
        .to_owned()
}

/// A Bitcoin key and its native segwit address.
pub(crate) struct Wallet {
    key: SecretKey,
    pub(crate) address: String,
}

impl Wallet {
    pub(crate) fn new(seed: u8) -> Self {
        let key = SecretKey::from_slice(&[seed; 32]).expect("key");
        let address = address(&key, KeyAddress::P2wpkh, Network::Bitcoin).to_string();
        Self { key, address }
    }

    pub(crate) fn sign(&self, message: &str) -> String {
        sign_simple(&self.key, KeyAddress::P2wpkh, message.as_bytes(), [7; 32])
    }

    pub(crate) fn sign_in_body(&self, message: &str, nonce: &str) -> serde_json::Value {
        serde_json::json!({
            "address": self.address,
            "message": message,
            "signature": self.sign(message),
            "nonce": nonce,
        })
    }
}

/// Asserts `reply` has `status`, showing its body when not.
pub(crate) fn expect_status(reply: &Reply, status: u16) {
    assert_eq!(
        reply.status,
        status,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
}
