//! Captcha servers (one or several replicas) on one private Redis, with the demo corpus, two
//! sites and a clock the test moves.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::net::TcpListener;
use watchword_captcha::{Kind, PowToken};
use watchword_captcha_server::sites::{NewSite, Site, Sites};
use watchword_captcha_server::{corpus, Captcha, Settings};
use watchword_store::testing::RedisServer;
use watchword_testkit::http::{request, send_raw, Reply};
use watchword_testkit::images::{blurred, closest};
use watchword_token::{Claims, HmacKey, SigningKey, UnixTime};

pub(crate) const START: u64 = 1_800_000_000;
pub(crate) const ORIGIN: &str = "https://shop.test";
pub(crate) const OTHER_ORIGIN: &str = "https://other.test";

pub(crate) struct Harness {
    pub(crate) redis: RedisServer,
    pub(crate) replicas: Vec<SocketAddr>,
    pub(crate) shop: Site,
    pub(crate) other: Site,
    pub(crate) clock: Arc<AtomicU64>,
}

impl Harness {
    /// One private Redis with the demo corpus and two sites, `replicas` servers on it.
    pub(crate) async fn start(replicas: usize) -> Self {
        Self::start_with(replicas, Settings::default()).await
    }

    pub(crate) async fn start_with(replicas: usize, settings: Settings) -> Self {
        let redis = RedisServer::start().expect("redis-server");
        let store = watchword_store::open(&redis.url()).expect("store");
        let clock = Arc::new(AtomicU64::new(START));
        let sites = Sites::new(Vec::new()).expect("sites");
        let add = |id: &str, origin: &str| NewSite {
            id: Some(id.into()),
            name: id.into(),
            origins: vec![origin.into()],
            kinds: vec![Kind::Transcription, Kind::ProofOfWork],
            difficulty: Some(6),
            ..NewSite::default()
        };
        let shop = sites
            .add(
                store.as_ref(),
                add("shop", ORIGIN),
                &mut rand_core::OsRng,
                START,
            )
            .await
            .expect("site");
        let other = sites
            .add(
                store.as_ref(),
                add("other", OTHER_ORIGIN),
                &mut rand_core::OsRng,
                START,
            )
            .await
            .expect("site");
        let items = watchword_captcha::demo::corpus();
        let loader = Captcha::new(
            store.clone(),
            sites.clone(),
            settings.clone(),
            watchword_captcha_server::system_clock(),
        );
        corpus::load(
            loader.corpus(),
            store.as_ref(),
            items
                .iter()
                .map(|i| (i.id.as_str(), i.answer.as_deref(), i.png.as_slice())),
        )
        .await
        .expect("corpus");
        let mut addrs = Vec::new();
        for _ in 0..replicas {
            let clock = clock.clone();
            // Each replica has its own store client, as separate processes would.
            let replica_store = watchword_store::open(&redis.url()).expect("store");
            let captcha = Captcha::new(
                replica_store,
                sites.clone(),
                settings.clone(),
                watchword_http::Clock::from_fn(move || {
                    watchword_http::UnixTime(clock.load(Ordering::SeqCst))
                }),
            );
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            addrs.push(listener.local_addr().expect("addr"));
            tokio::spawn(
                captcha
                    .app()
                    .trust_forwarded(true)
                    .serve(listener, std::future::pending()),
            );
        }
        Self {
            redis,
            replicas: addrs,
            shop,
            other,
            clock,
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

    /// A new challenge of `kind` for `site`, from a browser on the site's origin.
    pub(crate) async fn create_on(
        &self,
        addr: SocketAddr,
        site: &Site,
        kind: &str,
    ) -> serde_json::Value {
        let path = format!(
            "/v1/sites/{}/challenge?kind={kind}&action=signup&cdata=c1",
            site.id
        );
        let reply = self
            .send(addr, "GET", &path, &[("origin", &site.origins[0])], None)
            .await;
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.json()
    }

    pub(crate) async fn create(&self, kind: &str) -> serde_json::Value {
        self.create_on(self.addr(), &self.shop.clone(), kind).await
    }

    /// Posts an answer for `challenge` as a browser on `site`'s origin, from `ip`.
    pub(crate) async fn answer_on(
        &self,
        addr: SocketAddr,
        site: &Site,
        id: &str,
        body: &serde_json::Value,
        ip: &str,
    ) -> Reply {
        let path = format!("/v1/sites/{}/challenges/{id}", site.id);
        let body = body.to_string();
        self.send(
            addr,
            "POST",
            &path,
            &[
                ("origin", &site.origins[0]),
                ("content-type", "application/json"),
                ("x-forwarded-for", ip),
            ],
            Some(body.as_bytes()),
        )
        .await
    }

    pub(crate) async fn answer(&self, id: &str, body: &serde_json::Value) -> Reply {
        self.answer_on(self.addr(), &self.shop.clone(), id, body, "192.0.2.1")
            .await
    }

    /// The right answer to a challenge, read the way a person would: transcription images
    /// are matched against the demo corpus, whose known words the test knows; the unknown
    /// item gets `unknown_text`.
    pub(crate) async fn solve(
        &self,
        challenge: &serde_json::Value,
        unknown_text: &str,
    ) -> serde_json::Value {
        if let Some(pow) = challenge.get("pow") {
            let token =
                PowToken::parse(pow["token"].as_str().expect("token")).expect("token parses");
            let solution =
                watchword_captcha::pow::solve(token.challenge(), 1 << 24).expect("solvable");
            return serde_json::json!({ "solution": solution });
        }
        let corpus = watchword_captcha::demo::corpus();
        let known = demo_blurred();
        let mut answers = Vec::new();
        for path in challenge["images"].as_array().expect("images") {
            // Served images are drawn afresh: recognise the word, not the bytes. The
            // recogniser can misread one drawing, so look three times and go by the majority,
            // as a person would look again.
            let mut seen = Vec::new();
            for _ in 0..3 {
                let reply = self
                    .send(self.addr(), "GET", path.as_str().expect("path"), &[], None)
                    .await;
                assert_eq!(
                    reply.status,
                    200,
                    "{}",
                    String::from_utf8_lossy(&reply.body)
                );
                assert_eq!(reply.header("content-type"), Some("image/png"));
                seen.push(closest(&reply.body, known).expect("the image is a corpus item"));
            }
            let index = seen
                .iter()
                .copied()
                .max_by_key(|i| seen.iter().filter(|j| *j == i).count())
                .expect("three looks");
            let item = &corpus[index];
            answers.push(
                item.answer
                    .clone()
                    .unwrap_or_else(|| unknown_text.to_owned()),
            );
        }
        serde_json::json!({ "answers": answers })
    }

    /// A wrong answer to a challenge.
    pub(crate) fn wrong(challenge: &serde_json::Value) -> serde_json::Value {
        if let Some(pow) = challenge.get("pow") {
            let token = PowToken::parse(pow["token"].as_str().expect("token")).expect("token");
            let required = u32::from(token.challenge().difficulty());
            let bad = (0..u64::MAX)
                .find(|&s| token.challenge().work(s) < required)
                .expect("some solution falls short");
            return serde_json::json!({ "solution": bad });
        }
        serde_json::json!({ "answers": ["wrong", "wrong"] })
    }

    /// A partner token for `site` about challenge `sub`, signed with `key`.
    pub(crate) fn token_with(site: &Site, sub: &str, exp: u64, jti: &str, hs512: bool) -> String {
        let key = if hs512 {
            HmacKey::hs512(site.secret.as_bytes())
        } else {
            HmacKey::hs256(site.secret.as_bytes())
        }
        .expect("key");
        let mut claims = Claims::new(UnixTime(exp));
        claims.iss = Some(site.id.clone());
        claims.sub = Some(sub.to_owned());
        claims.jti = Some(jti.to_owned());
        SigningKey::Hmac(key).sign(&claims).expect("signs")
    }

    pub(crate) fn token(&self, sub: &str) -> String {
        let jti = watchword_http::clients::random_token(&mut rand_core::OsRng, 12);
        Self::token_with(&self.shop, sub, self.now() + 60, &jti, true)
    }

    /// The partner's check of `id` on `addr` with `token`.
    pub(crate) async fn check_on(
        &self,
        addr: SocketAddr,
        site: &str,
        id: &str,
        token: &str,
    ) -> Reply {
        let path = format!("/v1/sites/{site}/challenges/{id}");
        let auth = format!("Bearer {token}");
        self.send(addr, "GET", &path, &[("authorization", &auth)], None)
            .await
    }

    pub(crate) async fn check(&self, id: &str) -> Reply {
        self.check_on(self.addr(), "shop", id, &self.token(id))
            .await
    }

    /// `POST /siteverify` with a form body.
    pub(crate) async fn siteverify(&self, form: &str) -> serde_json::Value {
        let reply = self
            .send(
                self.addr(),
                "POST",
                "/siteverify",
                &[("content-type", "application/x-www-form-urlencoded")],
                Some(form.as_bytes()),
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

    /// A challenge of `kind` answered right: its id.
    pub(crate) async fn solved(&self, kind: &str) -> String {
        let challenge = self.create(kind).await;
        let id = challenge["id"].as_str().expect("id").to_owned();
        let answer = self.solve(&challenge, "guess").await;
        let reply = self.answer(&id, &answer).await;
        assert_eq!(reply.json()["state"], "valid", "{:?}", reply.json());
        id
    }
}

/// The demo corpus's images as [`closest`] compares them, computed once per test process.
pub(crate) fn demo_blurred() -> &'static [watchword_testkit::images::Blurred] {
    static KNOWN: std::sync::OnceLock<Vec<watchword_testkit::images::Blurred>> =
        std::sync::OnceLock::new();
    KNOWN.get_or_init(|| {
        watchword_captcha::demo::corpus()
            .iter()
            .map(|item| blurred(&item.png))
            .collect()
    })
}
