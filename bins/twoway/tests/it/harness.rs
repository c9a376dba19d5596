//! A twoway server (or several replicas) on one private Redis, with a clock the test moves.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use base64::Engine as _;
use tokio::net::TcpListener;
use watchword_http::clients::NewClient;
use watchword_otp::PairingConfig;
use watchword_store::testing::RedisServer;
use watchword_testkit::http::{request, send_raw, Reply};
use watchword_token::{Jwk, KeyRing};
use watchword_twoway_server::{Twoway, ROLE_APP, ROLE_PORTAL};

pub(crate) const IDP: &str = "demo-idp";
pub(crate) const START: u64 = 1_800_000_000;

pub(crate) struct Credentials {
    pub(crate) id: String,
    pub(crate) secret: String,
}

impl Credentials {
    pub(crate) fn basic(&self) -> String {
        let pair = format!("{}:{}", self.id, self.secret);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }
}

pub(crate) struct Harness {
    pub(crate) redis: RedisServer,
    pub(crate) replicas: Vec<SocketAddr>,
    pub(crate) app: Credentials,
    pub(crate) portal: Credentials,
    pub(crate) clock: Arc<AtomicU64>,
}

impl Harness {
    /// One private Redis, `replicas` servers on it, an app and a portal client scoped to [`IDP`].
    pub(crate) async fn start(replicas: usize) -> Self {
        let redis = RedisServer::start().expect("redis-server");
        let store = watchword_store::open(&redis.url()).expect("store");
        let clock = Arc::new(AtomicU64::new(START));
        let jwk = Jwk::generate_ed25519(&mut rand_core::OsRng);
        let mut keys = KeyRing::new();
        keys.add_signing_key(jwk.kid().expect("kid"), jwk.signing_key().expect("private"))
            .expect("ring");
        let clients = watchword_http::clients::Clients::new("twoway").expect("registry");
        let add = |role: &str, scopes: Vec<String>| NewClient {
            role: role.into(),
            name: role.into(),
            scopes,
            ..NewClient::default()
        };
        let app = clients
            .add(
                store.as_ref(),
                add(ROLE_APP, vec![IDP.into()]),
                &mut rand_core::OsRng,
                watchword_http::UnixTime(START),
            )
            .await
            .expect("app");
        let portal = clients
            .add(
                store.as_ref(),
                add(ROLE_PORTAL, vec![IDP.into()]),
                &mut rand_core::OsRng,
                watchword_http::UnixTime(START),
            )
            .await
            .expect("portal");
        let mut addrs = Vec::new();
        for _ in 0..replicas {
            let clock = clock.clone();
            // Each replica has its own store client, as separate processes would.
            let replica_store = watchword_store::open(&redis.url()).expect("store");
            let twoway = Twoway::new(
                replica_store,
                keys.clone(),
                "https://twoway.test".into(),
                PairingConfig::new(),
                watchword_http::Clock::from_fn(move || {
                    watchword_http::UnixTime(clock.load(Ordering::SeqCst))
                }),
            )
            .expect("twoway");
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            addrs.push(listener.local_addr().expect("addr"));
            tokio::spawn(twoway.app().serve(listener, std::future::pending()));
        }
        Self {
            redis,
            replicas: addrs,
            app: Credentials {
                id: app.client.id,
                secret: app.secret,
            },
            portal: Credentials {
                id: portal.client.id,
                secret: portal.secret,
            },
            clock,
        }
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.replicas[0]
    }

    pub(crate) fn advance(&self, seconds: u64) {
        self.clock.fetch_add(seconds, Ordering::SeqCst);
    }

    pub(crate) async fn post(
        &self,
        addr: SocketAddr,
        path: &str,
        auth: &str,
        body: &serde_json::Value,
    ) -> Reply {
        let body = body.to_string();
        let headers = [
            ("content-type", "application/json"),
            ("authorization", auth),
        ];
        send_raw(
            addr,
            &request("POST", path, &headers, Some(body.as_bytes())),
        )
        .await
    }

    /// Device `init`: `(transaction id, client code)`.
    pub(crate) async fn init(&self) -> (String, String) {
        let reply = self
            .post(
                self.addr(),
                &format!("/oauth/custom-registration/{IDP}/init"),
                &self.app.basic(),
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let json = reply.json();
        assert_eq!(json["status"], 2000);
        (
            json["transaction_id"].as_str().expect("id").to_owned(),
            json["data"].as_str().expect("code").to_owned(),
        )
    }

    /// Portal: the response code for `user`, or the error reply.
    pub(crate) async fn portal(&self, client_code: &str, user: &str) -> Reply {
        let body = serde_json::json!({ "client_code": client_code, "user_id": user });
        self.post(
            self.addr(),
            &format!("/portal/v1/{IDP}/response-code"),
            &self.portal.basic(),
            &body,
        )
        .await
    }

    pub(crate) async fn response_code(&self, client_code: &str, user: &str) -> String {
        let reply = self.portal(client_code, user).await;
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.json()["data"].as_str().expect("code").to_owned()
    }

    /// Device `complete` on replica `addr`: the JSON answer.
    pub(crate) async fn complete_on(
        &self,
        addr: SocketAddr,
        transaction_id: &str,
        code: &str,
    ) -> serde_json::Value {
        let body = serde_json::json!({ "transaction_id": transaction_id, "data": code });
        let reply = self
            .post(
                addr,
                &format!("/oauth/custom-registration/{IDP}/complete"),
                &self.app.basic(),
                &body,
            )
            .await;
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.json()
    }

    pub(crate) async fn complete(&self, transaction_id: &str, code: &str) -> serde_json::Value {
        self.complete_on(self.addr(), transaction_id, code).await
    }
}

/// A code that differs from `code` in every digit.
pub(crate) fn wrong(code: &str) -> String {
    code.chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect()
}
