//! Approval servers (one or more replicas) on one private Redis, with a partner, a second
//! partner, a real SMTP sink, and enrolled test devices that sign like the approver app.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ring::signature::EcdsaKeyPair;
use tokio::net::TcpListener;
use watchword_approval_server::{Approval, Config, NewPartner};
use watchword_mail::Mailer;
use watchword_store::testing::RedisServer;
use watchword_testkit::http::{request, send_raw, Reply};
use watchword_testkit::node::SmtpSink;

pub(crate) const START: u64 = 1_800_000_000;
pub(crate) const ORIGIN: &str = "https://shop.test";
pub(crate) const ADA: &str = "ada@example.com";

/// A partner's two keys.
pub(crate) struct Keys {
    pub(crate) srv: String,
    pub(crate) js: String,
}

/// How to start the servers.
pub(crate) struct Options {
    pub(crate) replicas: usize,
    /// Use the wall clock (browser tests sign with it) instead of one the test moves.
    pub(crate) wall_clock: bool,
    pub(crate) config: Config,
    /// Origins of the first partner.
    pub(crate) origins: Vec<String>,
    /// The client-certificate listener's TLS settings, to serve one (on the first replica).
    pub(crate) certificate: Option<Arc<rustls::ServerConfig>>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            replicas: 1,
            wall_clock: false,
            config: Config {
                poll_interval: Duration::from_millis(50),
                ..Config::default()
            },
            origins: vec![ORIGIN.into()],
            certificate: None,
        }
    }
}

pub(crate) struct Harness {
    pub(crate) redis: RedisServer,
    pub(crate) replicas: Vec<SocketAddr>,
    pub(crate) partner: Keys,
    pub(crate) other: Keys,
    pub(crate) clock: Arc<AtomicU64>,
    pub(crate) smtp: SmtpSink,
    /// Where the client-certificate listener listens, if it was asked for.
    pub(crate) certificate: Option<SocketAddr>,
}

impl Harness {
    pub(crate) async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    pub(crate) async fn start_with(options: Options) -> Self {
        let redis = RedisServer::start().expect("redis-server");
        let store = watchword_store::open(&redis.url()).expect("store");
        let clock = Arc::new(AtomicU64::new(START));
        let smtp = SmtpSink::start().await;
        let partners = watchword_approval_server::Partners::new().expect("registry");
        let add = |id: &str, origins: Vec<String>| NewPartner {
            id: Some(id.into()),
            name: format!("{id} shop"),
            origins,
            keys: None,
        };
        let now = watchword_http::UnixTime(START);
        let partner = partners
            .add(
                store.as_ref(),
                add("shop", options.origins.clone()),
                &mut rand_core::OsRng,
                now,
            )
            .await
            .expect("partner");
        let other = partners
            .add(
                store.as_ref(),
                add("other", vec!["https://other.test".into()]),
                &mut rand_core::OsRng,
                now,
            )
            .await
            .expect("other partner");
        let mut replicas = Vec::new();
        let mut certificate = None;
        for _ in 0..options.replicas {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            let clock = if options.wall_clock {
                watchword_http::system_clock()
            } else {
                let clock = clock.clone();
                watchword_http::Clock::from_fn(move || {
                    watchword_http::UnixTime(clock.load(Ordering::SeqCst))
                })
            };
            let mailer = Mailer::smtp(
                &format!("smtp://{}?tls=none", smtp.addr()),
                "Watchword <no-reply@watchword.test>",
            )
            .expect("mailer");
            let certificate_listener = match (&options.certificate, replicas.is_empty()) {
                (Some(_), true) => Some(TcpListener::bind("127.0.0.1:0").await.expect("bind")),
                _ => None,
            };
            let config = Config {
                public_url: format!("http://{addr}"),
                certificate_url: certificate_listener
                    .as_ref()
                    .map(|l| format!("https://localhost:{}", l.local_addr().expect("addr").port())),
                ..options.config.clone()
            };
            // Each replica has its own store client, as separate processes would.
            let approval = Approval::new(
                watchword_store::open(&redis.url()).expect("store"),
                config,
                mailer,
                clock,
                watchword_http::Rng::os(),
            )
            .expect("approval");
            let app = approval.app();
            if let (Some(listener), Some(tls)) = (certificate_listener, options.certificate.clone())
            {
                certificate = Some(listener.local_addr().expect("addr"));
                tokio::spawn(watchword_approval_server::certificate::serve(
                    app.state().clone(),
                    listener,
                    tls,
                ));
            }
            tokio::spawn(app.serve(listener, std::future::pending()));
            replicas.push(addr);
        }
        Self {
            redis,
            replicas,
            partner: Keys {
                srv: partner.server_key.expose().to_owned(),
                js: partner.browser_key.expose().to_owned(),
            },
            other: Keys {
                srv: other.server_key.expose().to_owned(),
                js: other.browser_key.expose().to_owned(),
            },
            clock,
            smtp,
            certificate,
        }
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.replicas[0]
    }

    pub(crate) fn now(&self) -> u64 {
        self.clock.load(Ordering::SeqCst)
    }

    pub(crate) fn advance(&self, seconds: u64) {
        self.clock.fetch_add(seconds, Ordering::SeqCst);
    }

    /// `POST /api/{operation}` with a JSON body and `headers`.
    pub(crate) async fn call_at(
        &self,
        addr: SocketAddr,
        operation: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
    ) -> Reply {
        let body = body.to_string();
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        send_raw(
            addr,
            &request(
                "POST",
                &format!("/api/{operation}"),
                &all,
                Some(body.as_bytes()),
            ),
        )
        .await
    }

    /// `POST /api/{operation}` with the server key in a `SrvAPIKey` header.
    pub(crate) async fn server(&self, operation: &str, body: &serde_json::Value) -> Reply {
        self.call_at(
            self.addr(),
            operation,
            &[("SrvAPIKey", &self.partner.srv)],
            body,
        )
        .await
    }

    /// `POST /api/{operation}` with the browser key in a `JsAPIKey` header.
    pub(crate) async fn client(&self, operation: &str, body: &serde_json::Value) -> Reply {
        self.call_at(
            self.addr(),
            operation,
            &[("JsAPIKey", &self.partner.js)],
            body,
        )
        .await
    }

    /// `getTransactionID` for `mail`: `(transaction id, number)`.
    pub(crate) async fn start_transaction(
        &self,
        mail: &str,
        request_type: u8,
        private_token: &str,
    ) -> (String, u64) {
        let reply = self
            .server(
                "getTransactionID",
                &serde_json::json!({
                    "UserMail": mail,
                    "requestype": request_type,
                    "Message": "Sign in to the shop",
                    "privateToken": private_token,
                }),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let body = reply.json();
        (
            body["TransactionID"].as_str().expect("id").to_owned(),
            body["Number"].as_u64().expect("number"),
        )
    }

    /// The page's view of a transaction: `/page/{id}/status`.
    pub(crate) async fn page_status(&self, id: &str) -> serde_json::Value {
        let reply = watchword_testkit::http::get(self.addr(), &format!("/page/{id}/status")).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply.json()
    }

    /// The token the partner's page picks up after an approval.
    pub(crate) async fn page_token(&self, id: &str) -> String {
        let status = self.page_status(id).await;
        status["token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token for the page in {status}"))
            .to_owned()
    }

    /// `VerifyToken` of `token` by the partner's server: the answer.
    pub(crate) async fn verify(&self, token: &str) -> serde_json::Value {
        let reply = self
            .server("VerifyToken", &serde_json::json!({ "token": token }))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply.json()
    }

    /// A device enrolled for `mail` through `GetEnrolmentLink`.
    pub(crate) async fn enrol(&self, mail: &str) -> Device {
        let reply = self
            .server("GetEnrolmentLink", &serde_json::json!({ "UserMail": mail }))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let url = reply.json()["EnrolmentURL"]
            .as_str()
            .expect("url")
            .to_owned();
        let code = url.split("#enrol=").nth(1).expect("code").to_owned();
        Device::enrol(self, &code).await
    }
}

/// A device as the approver app is one: a P-256 key that signs each call.
pub(crate) struct Device {
    pub(crate) id: String,
    pub(crate) key: EcdsaKeyPair,
    pub(crate) addr: SocketAddr,
    pub(crate) clock: Arc<AtomicU64>,
}

impl Device {
    pub(crate) fn new_key() -> EcdsaKeyPair {
        watchword_testkit::approver::device_key()
    }

    pub(crate) fn jwk(key: &EcdsaKeyPair) -> serde_json::Value {
        watchword_testkit::approver::device_jwk(key)
    }

    /// Redeems enrolment `code` with a fresh key.
    pub(crate) async fn enrol(harness: &Harness, code: &str) -> Device {
        let key = Self::new_key();
        let body = serde_json::json!({ "code": code, "public_key": Self::jwk(&key) }).to_string();
        let reply = send_raw(
            harness.addr(),
            &request(
                "POST",
                "/device/api/enrol/finish",
                &[("content-type", "application/json")],
                Some(body.as_bytes()),
            ),
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        Device {
            id: reply.json()["device_id"]
                .as_str()
                .expect("device id")
                .to_owned(),
            key,
            addr: harness.addr(),
            clock: harness.clock.clone(),
        }
    }

    pub(crate) fn sign(&self, message: &[u8]) -> String {
        watchword_testkit::approver::device_sign(&self.key, message)
    }

    /// The `Authorization` header of a call at `time`.
    pub(crate) fn authorization(&self, method: &str, path: &str, time: u64, body: &[u8]) -> String {
        watchword_testkit::approver::device_authorization(
            &self.key, &self.id, method, path, time, body,
        )
    }

    pub(crate) async fn pending(&self) -> Vec<serde_json::Value> {
        let reply = self.pending_reply("").await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply.json()["requests"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub(crate) async fn pending_reply(&self, query: &str) -> Reply {
        let time = self.clock.load(Ordering::SeqCst);
        let auth = self.authorization("GET", "/device/api/pending", time, b"");
        send_raw(
            self.addr,
            &request(
                "GET",
                &format!("/device/api/pending{query}"),
                &[("authorization", &auth)],
                None,
            ),
        )
        .await
    }

    pub(crate) async fn decide(&self, body: &serde_json::Value) -> Reply {
        let body = body.to_string();
        let time = self.clock.load(Ordering::SeqCst);
        let auth = self.authorization("POST", "/device/api/decide", time, body.as_bytes());
        send_raw(
            self.addr,
            &request(
                "POST",
                "/device/api/decide",
                &[
                    ("content-type", "application/json"),
                    ("authorization", &auth),
                ],
                Some(body.as_bytes()),
            ),
        )
        .await
    }

    /// The pending request of transaction number `number`'s customer (the only one), approved
    /// with the right number.
    pub(crate) async fn approve_only(&self, number: u64) -> Reply {
        let pending = self.pending().await;
        assert_eq!(pending.len(), 1, "{pending:?}");
        self.decide(
            &serde_json::json!({ "ref": pending[0]["ref"], "answer": "approve", "number": number }),
        )
        .await
    }
}
