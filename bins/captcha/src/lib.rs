//! The `captcha` surface: an Ocapi-compatible CAPTCHA with a Turnstile/hCaptcha-compatible
//! `/siteverify`.
//!
//! ```text
//! browser (no auth, CORS for the site's origins)          captcha
//! GET  /v1/sites/{site}/challenge                    ──► {id, kind, images | pow, expires_at}
//! GET  /v1/sites/{site}/challenges/{id}/images/{n}   ──► image/png
//! POST /v1/sites/{site}/challenges/{id} {answers|solution}
//!                                                    ──► {state: valid, valid_until}
//!                                                     or {state: invalid, next: {a new challenge}}
//! partner backend
//! GET  /v1/sites/{site}/challenges/{id}   Authorization: Bearer <HS512 JWT signed with the secret>
//!                                                    ──► {state: valid}   once; then consumed
//! POST /siteverify  secret=…&response=<id>           ──► {success, challenge_ts, hostname, …}
//! ```
//!
//! Handlers parse the request, run one transition of [`watchword_captcha::Challenge`], write
//! the next state with a compare-and-swap and answer only once that write won, so any number
//! of replicas on one store agree and a valid challenge is reported valid exactly once. See
//! `docs/captcha.md` for the integration guide.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use watchword_captcha::{
    challenge_key, Answered, Challenge, ChallengeConfig, Created, Difficulty, Kind, PowChallenge,
    PowKey, Punctuation, Puzzle, Status, Vote, VoteConfig,
};
use watchword_http::{
    header, ok, records, records::Change, sha256_hex, with_type, ApiError, App, Assets, Cors,
    Metrics, RateLimit, Request, Response, Router, StatusCode,
};
pub use watchword_http::{system_clock, Clock};
use watchword_store::{Key, Store};
use watchword_token::{HmacKey, UnixTime, Validation, VerifyingKey};

pub mod corpus;
pub mod requests;
pub mod sites;

use corpus::Corpus;
use requests::AnswerBody;
use sites::{Site, Sites};

/// The surface name: store keys, metrics.
pub const SURFACE: &str = "captcha";
/// The longest partner token lifetime accepted (`exp` minus now), in seconds.
pub const MAX_TOKEN_SECS: u64 = 300;
/// Clock leeway for partner tokens, in seconds.
pub const TOKEN_LEEWAY_SECS: u64 = 5;
/// How long after its expiry a challenge record is kept, so late checks read `expired` or
/// `consumed` rather than nothing.
const GRACE_SECS: u64 = 60;
/// Votes one client network may cast a day by default ([`Settings::votes_per_client_day`]).
pub const VOTES_PER_CLIENT_DAY: u64 = 50;
/// How long a `/siteverify` answer is replayed for the same `idempotency_key`.
const IDEMPOTENCY_SECS: u64 = 300;
/// How long failures count toward a client's proof-of-work difficulty.
const FAILURE_WINDOW: Duration = Duration::from_secs(600);

/// The `OpenAPI` document, also committed as `docs/captcha.openapi.json`.
pub const OPENAPI: &str = include_str!("../../../docs/captcha.openapi.json");
/// The widget script.
pub const OCAPI_JS: &[u8] = include_bytes!("../assets/ocapi.js");
/// The widget's proof-of-work worker.
pub const OCAPI_WORKER_JS: &[u8] = include_bytes!("../assets/ocapi-worker.js");
/// The widget's styles.
pub const OCAPI_CSS: &[u8] = include_bytes!("../assets/ocapi.css");

const CREATE_PER_IP: RateLimit = RateLimit::per_minute("create-ip", 120);
const ANSWER_PER_IP: RateLimit = RateLimit::per_minute("answer-ip", 120);
const IMAGE_PER_IP: RateLimit = RateLimit::per_minute("image-ip", 480);
const CHECK_PER_SITE: RateLimit = RateLimit::per_minute("check-site", 6000);

/// The assets the server publishes under `/assets/`.
pub fn assets() -> Assets {
    Assets::new()
        .with("ocapi.js", "text/javascript; charset=utf-8", OCAPI_JS)
        .with(
            "ocapi-worker.js",
            "text/javascript; charset=utf-8",
            OCAPI_WORKER_JS,
        )
        .with("ocapi.css", "text/css; charset=utf-8", OCAPI_CSS)
}

/// How the surface judges and paces challenges.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Lifetimes of a challenge and of a valid answer.
    pub challenge: ChallengeConfig,
    /// Proof-of-work difficulty policy; a site's `difficulty` replaces its base.
    pub difficulty: Difficulty,
    /// When an unknown item's votes make its answer known.
    pub votes: VoteConfig,
    /// How transcriptions treat punctuation.
    pub punctuation: Punctuation,
    /// Whether the per-client rate limits apply (the load harness turns them off).
    pub rate_limits: bool,
    /// Votes one client network may cast a day; past it, its right answers still pass but
    /// teach the corpus nothing.
    pub votes_per_client_day: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            challenge: ChallengeConfig::new(),
            difficulty: Difficulty::default(),
            votes: VoteConfig::default(),
            punctuation: Punctuation::Strip,
            rate_limits: true,
            votes_per_client_day: VOTES_PER_CLIENT_DAY,
        }
    }
}

/// The surface's shared state.
pub struct Captcha {
    store: Arc<dyn Store>,
    sites: Sites,
    corpus: Corpus,
    settings: Settings,
    pow_key: PowKey,
    clock: Clock,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Captcha {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Captcha")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Captcha {
    /// A surface on `store` serving `sites` (the store's plus those of a file).
    pub fn new(store: Arc<dyn Store>, sites: Sites, settings: Settings, clock: Clock) -> Self {
        let corpus = Corpus::new(settings.votes, settings.punctuation);
        Self {
            store,
            sites,
            corpus,
            settings,
            pow_key: PowKey::generate(&mut rand_core::OsRng),
            clock,
            metrics: Arc::new(Metrics::new()),
        }
    }

    /// The site registry.
    pub fn sites(&self) -> &Sites {
        &self.sites
    }

    /// The corpus.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The app serving this surface's routes and assets.
    pub fn app(self) -> App<Self> {
        let (store, metrics) = (self.store.clone(), self.metrics.clone());
        <Self as watchword_http::Surface>::app(self, store, metrics).with_assets(assets())
    }

    async fn site(&self, id: &str) -> Result<Site, ApiError> {
        self.sites
            .get(self.store.as_ref(), id)
            .await?
            .ok_or_else(|| {
                ApiError::not_found(format!("no site has the id {id:?}")).with_code("unknown_site")
            })
    }

    async fn limit(&self, limit: &RateLimit, subject: &str) -> Result<(), ApiError> {
        if self.settings.rate_limits {
            limit.check(self.store.as_ref(), SURFACE, subject).await?;
        }
        Ok(())
    }

    /// Records the vote of client network `client` cast on `site`, within the client's daily
    /// allowance ([`Settings::votes_per_client_day`]): past it, answers still pass but teach the
    /// corpus nothing, so one network cannot out-vote everyone else by answering all day.
    async fn vote(&self, vote: &Vote, client: &str, site: &str, now: u64) -> Result<(), ApiError> {
        let store = self.store.as_ref();
        let voter = sha256_hex(client.as_bytes());
        let today = store
            .incr_window(
                &counter_key("votes-day", client)?,
                Duration::from_secs(86_400),
            )
            .await?;
        if today.count > self.settings.votes_per_client_day {
            self.metrics.inc(
                "watchword_captcha_votes_over_daily_cap_total",
                "Votes not recorded because their client network used its daily allowance.",
                &[],
            );
            return Ok(());
        }
        let sites_serving = self
            .sites
            .list(store)
            .await?
            .iter()
            .filter(|site| site.kinds.contains(&Kind::Transcription))
            .count();
        let ballot = corpus::Ballot {
            voter: &voter[..32],
            site,
            sites_serving,
            now: UnixTime(now),
        };
        self.corpus.record(store, vote, ballot).await?;
        Ok(())
    }

    /// Draws a puzzle of `kind` for `site` at `now`; a proof of work gets harder with the
    /// site's traffic (challenges created in the last minute, every kind) and the client's
    /// recent failures (`client` is its network, [`Request::client_network`]).
    async fn draw(
        &self,
        site: &Site,
        kind: Kind,
        client: &str,
        now: u64,
    ) -> Result<Puzzle, ApiError> {
        let store = self.store.as_ref();
        if kind != Kind::ProofOfWork {
            let index = self.corpus.index(store, UnixTime(now)).await?;
            return index
                .draw(self.settings.punctuation, &mut rand_core::OsRng)
                .map(Puzzle::Transcription)
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "corpus_empty",
                        "the corpus has no known item yet: import one with `watchword captcha import`",
                    )
                });
        }
        let rpm = read_counter(store, &counter_key("site-rpm", &site.id)?).await?;
        let own = read_counter(store, &counter_key("client-rpm", client)?).await?;
        let failures = read_counter(store, &counter_key("failures", client)?).await?;
        let bits = self.difficulty(site).difficulty_for(
            u32::try_from(rpm).unwrap_or(u32::MAX),
            u32::try_from(own).unwrap_or(u32::MAX),
            u32::try_from(failures).unwrap_or(u32::MAX),
        );
        let expires_at = now + self.settings.challenge.lifetime_secs();
        let pow = PowChallenge::new(&site.id, bits, UnixTime(expires_at), &mut rand_core::OsRng)
            .map_err(|_| ApiError::internal())?;
        Ok(Puzzle::ProofOfWork(pow))
    }

    fn difficulty(&self, site: &Site) -> Difficulty {
        let policy = self.settings.difficulty;
        site.difficulty
            .and_then(|base| {
                Difficulty::new(
                    base,
                    watchword_captcha::pow::DEFAULT_BUSY_RPM,
                    watchword_captcha::pow::DEFAULT_PER_FAILURE,
                    policy.max().max(base),
                )
                .ok()
            })
            .unwrap_or(policy)
    }

    /// Runs the partner's check of challenge `id` for `site`: reports `valid` once, then
    /// `consumed`. A challenge the store no longer has reads as `expired`.
    async fn consume(&self, site: &str, id: &str) -> Result<Checked, ApiError> {
        if !requests::is_challenge_id(id) {
            return Ok(Checked::gone());
        }
        let now = self.clock.now().0;
        let checked = records::transact(
            self.store.as_ref(),
            &record_key(id)?,
            "challenge",
            |stored: Option<Record>| {
                let Some(Record { challenge, meta }) = stored else {
                    return Ok((Change::Keep, Checked::gone()));
                };
                let kind = challenge.kind();
                let transition = challenge.check(site, UnixTime(now));
                let status = transition
                    .outcome
                    .map_err(|error| challenge_error(&error))?;
                let change = change(transition.changed, transition.state, meta.clone(), now);
                Ok((
                    change,
                    Checked {
                        status,
                        kind: Some(kind),
                        meta,
                    },
                ))
            },
        )
        .await?;
        if checked.kind.is_some() {
            self.metrics.inc(
                "watchword_captcha_checks_total",
                "Partner checks by reported state.",
                &[("state", checked.status.as_str())],
            );
        }
        Ok(checked)
    }
}

/// What a partner check found.
struct Checked {
    status: Status,
    kind: Option<Kind>,
    meta: Meta,
}

impl Checked {
    fn gone() -> Self {
        Checked {
            status: Status::Expired,
            kind: None,
            meta: Meta::default(),
        }
    }
}

/// The routes of the surface.
pub fn router() -> Router<Captcha> {
    let site_origin = || {
        Cors::check(
            |state: Arc<Captcha>, params: watchword_http::Params, origin: String| async move {
                let Some(id) = params.get("site") else {
                    return Ok(false);
                };
                let site = state.sites.get(state.store.as_ref(), id).await?;
                Ok(site.is_some_and(|site| site.allows_origin(&origin)))
            },
        )
    };
    Router::new()
        .get("/v1/sites/{site}/challenge", create)
        .safe_get("/v1/sites/{site}/challenges/{id}/images/{n}", image)
        .post("/v1/sites/{site}/challenges/{id}", answer)
        .get("/v1/sites/{site}/challenges/{id}", check)
        .post("/siteverify", siteverify)
        .cors("/v1/sites/{site}/challenge", site_origin())
        .cors("/v1/sites/{site}/challenges/{id}", site_origin())
}

/// What the server keeps beside the state machine, for `/siteverify` and the partner check.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cdata: Option<String>,
    /// The host of the page that answered (from its `Origin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hostname: Option<String>,
    /// When it was answered right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    solved_at: Option<u64>,
}

/// What the store holds per challenge: its state and [`Meta`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    challenge: Challenge,
    #[serde(flatten)]
    meta: Meta,
}

fn record_key(id: &str) -> Result<Key, ApiError> {
    Key::new(SURFACE, "challenge", &challenge_key(id)).map_err(|_| ApiError::internal())
}

fn counter_key(kind: &str, subject: &str) -> Result<Key, ApiError> {
    let digest = sha256_hex(subject.as_bytes());
    Key::new(SURFACE, kind, &digest[..32]).map_err(|_| ApiError::internal())
}

/// The current count of a window counter (`incr_window` keeps decimal digits).
async fn read_counter(store: &dyn Store, key: &Key) -> Result<u64, ApiError> {
    Ok(store
        .get(key)
        .await?
        .and_then(|bytes| std::str::from_utf8(&bytes).ok()?.parse().ok())
        .unwrap_or(0))
}

fn ttl(expires_at: u64, now: u64) -> Duration {
    Duration::from_secs(expires_at.saturating_sub(now) + GRACE_SECS)
}

fn decode(bytes: &[u8]) -> Result<Record, ApiError> {
    records::decode(bytes, "challenge")
}

/// Stores `record` as the challenge's next state if the transition `changed` it.
fn change(changed: bool, challenge: Challenge, meta: Meta, now: u64) -> Change<Record> {
    if !changed {
        return Change::Keep;
    }
    let ttl = ttl(challenge.expires_at().0, now);
    Change::Put(Record { challenge, meta }, ttl)
}

fn not_found() -> ApiError {
    ApiError::not_found("no such challenge").with_code("challenge_not_found")
}

/// The API error of a transition that did not judge the answer.
fn challenge_error(error: &watchword_captcha::Error) -> ApiError {
    use watchword_captcha::Error as E;
    match error {
        E::WrongSite { .. } => {
            ApiError::forbidden("the challenge belongs to another site").with_code("wrong_site")
        }
        E::WrongKind { .. } => ApiError::bad_request("wrong_kind", error.to_string()),
        E::Expired { .. } => ApiError::new(
            StatusCode::GONE,
            "challenge_expired",
            "the challenge expired",
        ),
        E::NotPending { status } => ApiError::new(
            StatusCode::CONFLICT,
            "challenge_not_pending",
            format!("the challenge was answered already ({status})"),
        ),
        _ => ApiError::internal(),
    }
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// The JSON a browser gets for a pending challenge.
fn challenge_json(
    state: &Captcha,
    site: &str,
    id: &str,
    challenge: &Challenge,
) -> serde_json::Value {
    let mut json = serde_json::json!({
        "id": id,
        "site": site,
        "kind": challenge.kind(),
        "expires_at": challenge.expires_at(),
    });
    match challenge.puzzle() {
        Some(Puzzle::Transcription(_)) => {
            json["images"] = (0..2)
                .map(|n| format!("/v1/sites/{site}/challenges/{id}/images/{n}"))
                .collect();
        }
        Some(Puzzle::ProofOfWork(pow)) => {
            json["pow"] = serde_json::json!({
                "token": state.pow_key.issue(pow),
                "difficulty": pow.difficulty(),
            });
        }
        _ => {}
    }
    json
}

fn optional_tag(request: &Request, field: &'static str) -> Result<Option<String>, ApiError> {
    match request.query(field).filter(|v| !v.is_empty()) {
        Some(value) => {
            requests::check_tag(field, &value)?;
            Ok(Some(value))
        }
        None => Ok(None),
    }
}

/// Creates a challenge with `puzzle`, stores it and returns its browser JSON.
async fn store_new(
    state: &Captcha,
    site: &str,
    puzzle: Puzzle,
    meta: Meta,
    now: u64,
) -> Result<serde_json::Value, ApiError> {
    let created = Challenge::create(
        &state.settings.challenge,
        site,
        puzzle,
        &mut rand_core::OsRng,
        UnixTime(now),
    )
    .map_err(|_| ApiError::internal())?;
    state.metrics.inc(
        "watchword_captcha_challenges_created_total",
        "Challenges created, by kind.",
        &[("kind", &created.state.kind().to_string())],
    );
    store_created(state, site, created, meta, now).await
}

/// Stores a created challenge, keeping only the site's `action` and `cdata` of `meta`, and
/// returns its browser JSON.
async fn store_created(
    state: &Captcha,
    site: &str,
    created: Created,
    meta: Meta,
    now: u64,
) -> Result<serde_json::Value, ApiError> {
    let record = Record {
        challenge: created.state,
        meta: Meta {
            action: meta.action,
            cdata: meta.cdata,
            ..Meta::default()
        },
    };
    let ttl = ttl(record.challenge.expires_at().0, now);
    let key = record_key(created.id.as_str())?;
    if !records::write_back(state.store.as_ref(), &key, None, &record, ttl).await? {
        return Err(ApiError::internal());
    }
    Ok(challenge_json(
        state,
        site,
        created.id.as_str(),
        &record.challenge,
    ))
}

async fn create(state: Arc<Captcha>, request: Request) -> Result<Response, ApiError> {
    let site = state.site(request.param("site")?).await?;
    let kind = match request.query("kind").filter(|k| !k.is_empty()) {
        Some(kind) => requests::parse_kind(&kind)?,
        None => site.kinds[0],
    };
    if !site.kinds.contains(&kind) {
        return Err(ApiError::bad_request(
            "kind_not_allowed",
            format!("site {} does not offer {kind} challenges", site.id),
        ));
    }
    let meta = Meta {
        action: optional_tag(&request, "action")?,
        cdata: optional_tag(&request, "cdata")?,
        ..Meta::default()
    };
    let client = request.client_network();
    state.limit(&CREATE_PER_IP, &client).await?;
    let now = state.clock.now().0;
    // A client's challenges count toward its own rate, and only its first few a minute
    // toward the site's: one client cannot raise the difficulty for everyone.
    let own = state
        .store
        .incr_window(
            &counter_key("client-rpm", &client)?,
            Duration::from_secs(60),
        )
        .await?;
    if own.count <= watchword_captcha::pow::SITE_SHARE_PER_CLIENT {
        state
            .store
            .incr_window(&counter_key("site-rpm", &site.id)?, Duration::from_secs(60))
            .await?;
    }
    let puzzle = state.draw(&site, kind, &client, now).await?;
    let json = store_new(&state, &site.id, puzzle, meta, now).await?;
    Ok(no_store(ok(&json)))
}

async fn image(state: Arc<Captcha>, request: Request) -> Result<Response, ApiError> {
    let site = request.param("site")?;
    let id = request.param("id")?;
    let n: usize = match request.param("n")? {
        "0" => 0,
        "1" => 1,
        _ => {
            return Err(
                ApiError::not_found("images are numbered 0 and 1").with_code("no_such_image")
            )
        }
    };
    if !requests::is_challenge_id(id) {
        return Err(not_found());
    }
    state
        .limit(&IMAGE_PER_IP, &request.client_network())
        .await?;
    // Challenges are written by compare-and-swap, so they are read with their version.
    let stored = state
        .store
        .get_versioned(&record_key(id)?)
        .await?
        .ok_or_else(not_found)?;
    let record = decode(&stored.value)?;
    let Some(Puzzle::Transcription(puzzle)) = record.challenge.puzzle() else {
        return Err(not_found());
    };
    // Only the challenge's own site, and only while it can still be answered.
    if record.challenge.site() != site || state.clock.now().0 >= record.challenge.expires_at().0 {
        return Err(not_found());
    }
    let item = puzzle.shown()[n];
    let (_, bytes) = state
        .corpus
        .image(state.store.as_ref(), item)
        .await?
        .ok_or_else(|| {
            tracing::error!(item, "a challenge shows an item the corpus no longer has");
            ApiError::not_found("the image is gone").with_code("no_such_image")
        })?;
    // Drawn afresh for every request: no two answers share bytes, so a table from image
    // hashes to answers learns nothing.
    let raster = corpus::decode_gray(&bytes).map_err(|reason| {
        tracing::error!(item, %reason, "a corpus image does not decode");
        ApiError::internal()
    })?;
    let png = watchword_captcha::distort::distort(&raster, &mut rand_core::OsRng);
    let mut response = no_store(with_type(StatusCode::OK, "image/png", png));
    response.headers_mut().insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        header::HeaderValue::from_static("cross-origin"),
    );
    Ok(response)
}

/// The host of an `Origin` header value (`https://shop.example:8443` → `shop.example`).
fn origin_host(origin: &str) -> Option<String> {
    let rest = origin.split_once("://")?.1;
    let host = if rest.starts_with('[') {
        rest.split_inclusive(']').next()?
    } else {
        rest.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_owned())
}

#[allow(clippy::too_many_lines)] // one transition and its outcomes, read top to bottom
async fn answer(state: Arc<Captcha>, request: Request) -> Result<Response, ApiError> {
    let store = state.store.as_ref();
    let site = state.site(request.param("site")?).await?;
    let id = request.param("id")?;
    if !request.content_type_is("application/json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "expected Content-Type: application/json",
        ));
    }
    let body: AnswerBody = requests::parse_answer(request.body())?;
    if !requests::is_challenge_id(id) {
        return Err(not_found());
    }
    let client = request.client_network();
    state.limit(&ANSWER_PER_IP, &client).await?;
    let hostname = request.header("origin").and_then(origin_host);
    let now = state.clock.now().0;
    let (outcome, valid_until, meta) = records::transact(
        store,
        &record_key(id)?,
        "challenge",
        |stored: Option<Record>| {
            let Record {
                challenge,
                mut meta,
            } = stored.ok_or_else(not_found)?;
            let transition = challenge.answer(&site.id, &body.answer(), UnixTime(now));
            let kept = meta.clone();
            if let Ok(Answered::Valid { .. }) = &transition.outcome {
                meta.hostname.clone_from(&hostname);
                meta.solved_at = Some(now);
            }
            let valid_until = transition.state.expires_at();
            let change = change(transition.changed, transition.state, meta, now);
            Ok((change, (transition.outcome, valid_until, kept)))
        },
    )
    .await?;
    match outcome {
        Ok(Answered::Valid { vote }) => {
            state.metrics.inc(
                "watchword_captcha_answers_total",
                "Answers by outcome.",
                &[("state", "valid")],
            );
            if let Some(vote) = vote {
                if let Err(error) = state.vote(&vote, &client, &site.id, now).await {
                    tracing::warn!(code = error.code(), "a vote was not recorded");
                }
            }
            Ok(no_store(ok(&serde_json::json!({
                "id": id,
                "state": "valid",
                "valid_until": valid_until,
            }))))
        }
        Ok(Answered::Invalid { replacement }) => {
            state.metrics.inc(
                "watchword_captcha_answers_total",
                "Answers by outcome.",
                &[("state", "invalid")],
            );
            // Counted before the draw, so the replacement's proof of work already counts it.
            store
                .incr_window(&counter_key("failures", &client)?, FAILURE_WINDOW)
                .await?;
            let puzzle = state.draw(&site, replacement.kind(), &client, now).await?;
            let fresh = replacement
                .create(puzzle, &mut rand_core::OsRng, UnixTime(now))
                .map_err(|_| ApiError::internal())?;
            let next = store_created(&state, &site.id, fresh, meta, now).await?;
            Ok(no_store(ok(&serde_json::json!({
                "id": id,
                "state": "invalid",
                "next": next,
            }))))
        }
        Ok(_) => Err(ApiError::internal()),
        Err(error) => Err(challenge_error(&error)),
    }
}

/// The claims a partner token may carry besides the registered ones: none are read.
type PartnerClaims = watchword_token::Claims;

fn token_error(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message).with_header(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer realm=\"watchword-captcha\""),
    )
}

/// Verifies a partner token for `site`: `HS512` (or `HS256`) with the site's secret, `iss` the
/// site id, `exp` at most [`MAX_TOKEN_SECS`] ahead, a `jti`.
///
/// # Errors
/// `401` with the code of the broken rule.
pub fn verify_partner_token(
    site: &Site,
    token: &str,
    now: UnixTime,
) -> Result<PartnerClaims, ApiError> {
    let validation = Validation::new()
        .leeway(TOKEN_LEEWAY_SECS)
        .issuer(site.id.clone())
        .require_jti();
    let secret = site.secret.as_bytes();
    let key = |hs512: bool| {
        let key = if hs512 {
            HmacKey::hs512(secret)
        } else {
            HmacKey::hs256(secret)
        };
        key.map(VerifyingKey::Hmac)
            .map_err(|_| ApiError::internal())
    };
    let verified = match key(true)?.verify::<serde_json::Map<String, serde_json::Value>>(
        token,
        &validation,
        now,
    ) {
        Err(watchword_token::Error::AlgMismatch {
            found: watchword_token::Algorithm::Hs256,
            ..
        }) => key(false)?.verify(token, &validation, now),
        other => other,
    };
    let claims = verified.map_err(|error| match error {
        watchword_token::Error::Expired { .. } => token_error("token_expired", error.to_string()),
        other => token_error("invalid_token", other.to_string()),
    })?;
    if claims.exp.seconds_since(now) > MAX_TOKEN_SECS {
        return Err(token_error(
            "token_lifetime",
            format!("exp is more than {MAX_TOKEN_SECS} seconds ahead"),
        ));
    }
    if claims
        .jti
        .as_ref()
        .is_none_or(|jti| jti.is_empty() || jti.len() > 128)
    {
        return Err(token_error("invalid_token", "jti must be 1 to 128 bytes"));
    }
    Ok(claims)
}

async fn check(state: Arc<Captcha>, request: Request) -> Result<Response, ApiError> {
    let store = state.store.as_ref();
    let site = state.site(request.param("site")?).await?;
    let id = request.param("id")?;
    let token = request
        .header("authorization")
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or_else(|| {
            token_error(
                "missing_token",
                "send Authorization: Bearer <JWT signed with the site secret>",
            )
        })?;
    let now = state.clock.now().0;
    let claims = verify_partner_token(&site, token, UnixTime(now))?;
    state.limit(&CHECK_PER_SITE, &site.id).await?;
    if claims.sub.as_deref() != Some(id) {
        return Err(token_error(
            "token_subject",
            "the token's sub is not this challenge id",
        ));
    }
    let jti = claims.jti.as_deref().unwrap_or_default();
    let seen = Key::new(
        SURFACE,
        "jti",
        &sha256_hex(format!("{}\n{jti}", site.id).as_bytes()),
    )
    .map_err(|_| ApiError::internal())?;
    let lifetime = claims.exp.0.saturating_sub(now) + TOKEN_LEEWAY_SECS + 1;
    if !store
        .put_new(&seen, b"1", Duration::from_secs(lifetime))
        .await?
    {
        return Err(token_error(
            "token_replayed",
            "this token's jti was used already; sign a new token per check",
        ));
    }
    let checked = state.consume(&site.id, id).await?;
    Ok(no_store(ok(&serde_json::json!({
        "id": id,
        "site": site.id,
        "state": checked.status,
        "kind": checked.kind,
        "hostname": checked.meta.hostname,
        "action": checked.meta.action,
        "cdata": checked.meta.cdata,
        "solved_at": checked.meta.solved_at,
    }))))
}

/// A `/siteverify` answer with `error-codes`.
fn refusal(codes: &[&str]) -> serde_json::Value {
    serde_json::json!({ "success": false, "error-codes": codes })
}

async fn siteverify(state: Arc<Captcha>, request: Request) -> Result<Response, ApiError> {
    let json = request.content_type_is("application/json");
    if !json && !request.content_type_is("application/x-www-form-urlencoded") {
        return Ok(ok(&refusal(&["bad-request"])));
    }
    let parsed = match requests::parse_siteverify(request.body(), json) {
        Ok(parsed) => parsed,
        Err(requests::BadSiteVerify(reason)) => {
            tracing::debug!(%reason, "siteverify: bad request");
            return Ok(ok(&refusal(&["bad-request"])));
        }
    };
    let Some(secret) = parsed.secret.as_deref() else {
        let mut codes = vec!["missing-input-secret"];
        if parsed.response.is_none() {
            codes.push("missing-input-response");
        }
        return Ok(ok(&refusal(&codes)));
    };
    let Some(site) = state.sites.by_secret(state.store.as_ref(), secret).await? else {
        return Ok(ok(&refusal(&["invalid-input-secret"])));
    };
    if parsed.sitekey.as_deref().is_some_and(|key| key != site.id) {
        return Ok(ok(&refusal(&["sitekey-secret-mismatch"])));
    }
    let Some(response) = parsed.response.as_deref() else {
        return Ok(ok(&refusal(&["missing-input-response"])));
    };
    state.limit(&CHECK_PER_SITE, &site.id).await?;
    match parsed.idempotency_key.as_deref() {
        Some(idempotency) => Ok(ok(&idempotent(&state, &site, response, idempotency).await?)),
        None => Ok(ok(&verdict(&state, &site, response).await?)),
    }
}

/// The answer to one verification of `response` for `site`.
async fn verdict(
    state: &Captcha,
    site: &Site,
    response: &str,
) -> Result<serde_json::Value, ApiError> {
    if !requests::is_challenge_id(response) {
        return Ok(refusal(&["invalid-input-response"]));
    }
    let checked = match state.consume(&site.id, response).await {
        Ok(checked) => checked,
        Err(error) if error.code() == "wrong_site" => {
            return Ok(refusal(&["invalid-input-response"]))
        }
        Err(error) => return Err(error),
    };
    Ok(match checked.status {
        Status::Valid => serde_json::json!({
            "success": true,
            "challenge_ts": checked
                .meta
                .solved_at
                .and_then(|at| watchword_token::timestamp::format(UnixTime(at))),
            "hostname": checked.meta.hostname.unwrap_or_default(),
            "error-codes": [],
            "action": checked.meta.action.unwrap_or_default(),
            "cdata": checked.meta.cdata.unwrap_or_default(),
        }),
        Status::Pending => refusal(&["invalid-input-response"]),
        _ => refusal(&["timeout-or-duplicate"]),
    })
}

/// What the store keeps per idempotency key: the response it was for and the answer given.
#[derive(Serialize, Deserialize)]
struct Remembered {
    response: String,
    answer: serde_json::Value,
}

/// [`verdict`] under an idempotency key: the first request for the key runs it, later ones
/// (also concurrent ones) get the same answer; a key reused for another response is refused.
async fn idempotent(
    state: &Captcha,
    site: &Site,
    response: &str,
    idempotency: &str,
) -> Result<serde_json::Value, ApiError> {
    const RUNNING: &[u8] = b"running";
    let store = state.store.as_ref();
    let key = Key::new(
        SURFACE,
        "idempotency",
        &sha256_hex(format!("{}\n{idempotency}", site.id).as_bytes()),
    )
    .map_err(|_| ApiError::internal())?;
    if store
        .put_new(&key, RUNNING, Duration::from_secs(30))
        .await?
    {
        let answer = match verdict(state, site, response).await {
            Ok(answer) => answer,
            Err(error) => {
                let _ = store.delete(&key).await;
                return Err(error);
            }
        };
        let remembered = Remembered {
            response: response.to_owned(),
            answer: answer.clone(),
        };
        store
            .put(
                &key,
                &serde_json::to_vec(&remembered).map_err(|_| ApiError::internal())?,
                Duration::from_secs(IDEMPOTENCY_SECS),
            )
            .await?;
        return Ok(answer);
    }
    // Another request holds the key: wait for its answer.
    for _ in 0..100 {
        match store.get(&key).await? {
            Some(bytes) if bytes != RUNNING => {
                let remembered: Remembered =
                    serde_json::from_slice(&bytes).map_err(|_| ApiError::internal())?;
                if remembered.response != response {
                    return Ok(refusal(&["bad-request"]));
                }
                return Ok(remembered.answer);
            }
            Some(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            None => return Ok(refusal(&["internal-error"])),
        }
    }
    Ok(refusal(&["internal-error"]))
}

/// The flags of `watchword-captcha`.
#[derive(Debug, clap::Args)]
pub struct CaptchaArgs {
    /// A JSON file of sites (`{"sites": [...]}`), served beside those of the store.
    #[arg(long, env = "WATCHWORD_CAPTCHA_SITES", value_name = "FILE")]
    pub sites: Option<std::path::PathBuf>,
    /// Seconds a challenge may take to answer (10 to 3600).
    #[arg(long, env = "WATCHWORD_CAPTCHA_LIFETIME", default_value_t = 300)]
    pub lifetime: u64,
    /// Seconds a right answer stays valid for the partner's check (10 to 3600).
    #[arg(long, env = "WATCHWORD_CAPTCHA_VALID_FOR", default_value_t = 300)]
    pub valid_for: u64,
    /// Proof-of-work bits asked of a client of a quiet site that sets none of its own; busy
    /// sites and failing clients are asked more, up to `--pow-max-bits`.
    #[arg(long, env = "WATCHWORD_CAPTCHA_POW_BITS", default_value_t = watchword_captcha::pow::DEFAULT_BASE_DIFFICULTY)]
    pub pow_bits: u8,
    /// The most proof-of-work bits a challenge asks for, however busy the site (at most 32).
    #[arg(long, env = "WATCHWORD_CAPTCHA_POW_MAX_BITS", default_value_t = watchword_captcha::pow::DEFAULT_MAX_DIFFICULTY)]
    pub pow_max_bits: u8,
}

impl watchword_http::Surface for Captcha {
    type State = Captcha;
    type Args = CaptchaArgs;
    const NAME: &'static str = SURFACE;
    const PORT: u16 = 8081;
    const SUMMARY: &'static str = "Ocapi-compatible captcha with a Turnstile-compatible siteverify";
    const OPENAPI: &'static str = OPENAPI;
    const DEMO: Option<watchword_http::DemoPage> = Some(watchword_http::DemoPage {
        path: "/captcha",
        host: None,
    });

    fn router() -> Router<Self> {
        router()
    }

    fn build(
        args: &CaptchaArgs,
        env: &watchword_http::Env,
    ) -> Result<App<Captcha>, watchword_http::BuildError> {
        let challenge = ChallengeConfig::new()
            .with_lifetime_secs(args.lifetime)
            .and_then(|c| c.with_valid_for_secs(args.valid_for))?;
        let fixed = match &args.sites {
            Some(path) => sites::load_file(path)?,
            None => Vec::new(),
        };
        let sites = sites::Sites::new(fixed)
            .map_err(|error| sites::SitesFileError::Invalid(error.message().to_owned()))?;
        let difficulty = Difficulty::new(
            args.pow_bits,
            watchword_captcha::pow::DEFAULT_BUSY_RPM,
            watchword_captcha::pow::DEFAULT_PER_FAILURE,
            args.pow_max_bits,
        )?;
        let settings = Settings {
            challenge,
            difficulty,
            ..Settings::default()
        };
        Ok(Captcha::new(env.store.clone(), sites, settings, env.clock.clone()).app())
    }
}
