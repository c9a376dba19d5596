//! Passkey servers (one or several replicas) on one private Redis, with a client for
//! `shop.test` and a clock the test moves.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::net::TcpListener;
use watchword_http::clients::NewClient;
use watchword_passkey_server::{PasskeyService, ROLE_APP};
use watchword_store::testing::RedisServer;
use watchword_store::Store;
use watchword_testkit::http::{request, send_raw, Reply};

pub(crate) const START: u64 = 1_800_000_000;
pub(crate) const DOMAIN: &str = "shop.test";
pub(crate) const ORIGIN: &str = "https://shop.test";

pub(crate) struct Harness {
    redis: RedisServer,
    pub(crate) replicas: Vec<SocketAddr>,
    pub(crate) client_id: String,
    pub(crate) secret: String,
    pub(crate) app_id: String,
    pub(crate) clock: Arc<AtomicU64>,
}

impl Harness {
    pub(crate) async fn start(replicas: usize) -> Self {
        Self::start_with(replicas, |store| store).await
    }

    /// Replicas whose store is `wrap` of the Redis store (to inject faults).
    pub(crate) async fn start_with(
        replicas: usize,
        wrap: impl Fn(Arc<dyn Store>) -> Arc<dyn Store>,
    ) -> Self {
        let redis = RedisServer::start().expect("redis-server");
        let store = watchword_store::open(&redis.url()).expect("store");
        let clock = Arc::new(AtomicU64::new(START));
        let service = PasskeyService::new(store.clone(), watchword_passkey_server::system_clock());
        let created = service
            .clients()
            .add(
                store.as_ref(),
                NewClient {
                    role: ROLE_APP.into(),
                    name: "shop".into(),
                    origins: vec![ORIGIN.into()],
                    scopes: vec![DOMAIN.into()],
                    app_id: Some(watchword_passkey_server::new_app_id(&mut rand_core::OsRng)),
                    ..NewClient::default()
                },
                &mut rand_core::OsRng,
                watchword_http::UnixTime(START),
            )
            .await
            .expect("client");
        let mut addrs = Vec::new();
        for _ in 0..replicas {
            let clock = clock.clone();
            let replica_store = wrap(watchword_store::open(&redis.url()).expect("store"));
            let service = PasskeyService::new(
                replica_store,
                watchword_http::Clock::from_fn(move || {
                    watchword_http::UnixTime(clock.load(Ordering::SeqCst))
                }),
            );
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            addrs.push(listener.local_addr().expect("addr"));
            tokio::spawn(
                service
                    .app()
                    .trust_forwarded(true)
                    .serve(listener, std::future::pending()),
            );
        }
        Self {
            redis,
            replicas: addrs,
            client_id: created.client.id,
            secret: created.secret,
            app_id: created.client.app_id.unwrap_or_default(),
            clock,
        }
    }

    /// Stops the servers' Redis (SIGKILL): every call that needs the store answers 503.
    pub(crate) fn kill_store(&mut self) {
        self.redis.kill().expect("kill redis");
    }

    /// The milliseconds Redis keeps `key` for (`-2`: absent, `-1`: forever).
    pub(crate) fn ttl_ms(&self, key: &watchword_store::Key) -> i64 {
        self.redis
            .command(&["PTTL", key.as_str()])
            .expect("PTTL")
            .trim()
            .parse()
            .expect("an integer")
    }

    /// A store on the servers' Redis, to look at what they wrote.
    pub(crate) fn store(&self) -> Arc<dyn Store> {
        watchword_store::open(&self.redis.url()).expect("store")
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.replicas[0]
    }

    pub(crate) fn advance(&self, seconds: u64) {
        self.clock.fetch_add(seconds, Ordering::SeqCst);
    }

    pub(crate) async fn send(
        &self,
        addr: SocketAddr,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Reply {
        send_raw(addr, &request(method, path, headers, body)).await
    }

    /// A backend call with the client's credentials.
    pub(crate) async fn backend(
        &self,
        addr: SocketAddr,
        path: &str,
        body: &serde_json::Value,
    ) -> Reply {
        let body = body.to_string();
        self.send(
            addr,
            "POST",
            path,
            &[
                ("clientId", &self.client_id),
                ("clientSecret", &self.secret),
                ("content-type", "application/json"),
            ],
            Some(body.as_bytes()),
        )
        .await
    }

    /// `initiate` for an email identity: the requestId.
    pub(crate) async fn initiate(&self, email: &str, extra: serde_json::Value) -> String {
        let mut body = serde_json::json!({
            "identityType": "EMAIL",
            "identityValue": email,
            "rpName": "Shop",
            "domain": DOMAIN,
            "userDisplayName": "Ada",
        });
        if let (Some(body), serde_json::Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        let reply = self.backend(self.addr(), "/auth/v1/webauthn", &body).await;
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.json()["requestId"]
            .as_str()
            .expect("requestId")
            .to_owned()
    }

    /// The SDK's options call, from the site's origin.
    pub(crate) async fn options(&self, request_id: &str) -> Reply {
        self.send(
            self.addr(),
            "GET",
            &format!("/auth/v1/webauthn/{request_id}"),
            &[("origin", ORIGIN), ("x-otpless-appid", &self.app_id)],
            None,
        )
        .await
    }

    /// The SDK's completion call, from the site's origin.
    pub(crate) async fn complete_on(
        &self,
        addr: SocketAddr,
        request_id: &str,
        credential: &str,
    ) -> Reply {
        self.send(
            addr,
            "POST",
            &format!("/auth/v1/webauthn/{request_id}"),
            &[
                ("origin", ORIGIN),
                ("content-type", "application/json"),
                ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"),
                ("x-forwarded-for", "203.0.113.9"),
            ],
            Some(credential.as_bytes()),
        )
        .await
    }

    pub(crate) async fn validate_on(&self, addr: SocketAddr, token: &str) -> Reply {
        self.backend(
            addr,
            "/auth/v1/validate/token",
            &serde_json::json!({ "token": token }),
        )
        .await
    }
}
