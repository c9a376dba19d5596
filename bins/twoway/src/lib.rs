//! The `twoway` surface: two-way OTP device pairing, compatible with the Token Server's
//! custom-registration `init` / `complete` steps and its status codes (2000, 4001, 4002, 5000).
//!
//! ```text
//! device (app credentials)                 twoway                  portal backend (portal credentials)
//! POST /oauth/custom-registration/{idp}/init ──► {transaction_id, data: client code, status: 2000}
//!                                   user types the client code on the portal, which knows the user
//!                                          ◄── POST /portal/v1/{idp}/response-code {client_code, user_id}
//!                                          ──► {data: response code, expires_at}
//! POST /oauth/custom-registration/{idp}/complete {transaction_id, data: response code}
//!                                          ──► {status: 2000, data: registration token (EdDSA JWT)}
//! ```
//!
//! Handlers parse the request, run one transition of [`watchword_otp::Pairing`], write the
//! next state with a compare-and-swap, and answer only once that write won, so any number of
//! replicas on one store agree. See `docs/twoway.md` for the integration guide.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use watchword_http::clients::{random_token, Client, Clients};
use watchword_http::records::Change;
use watchword_http::{
    check_in_order, header, ok, records, with_type, ApiError, App, Metrics, RateLimit, Request,
    Response, Router, StatusCode,
};
pub use watchword_http::{system_clock, Clock};
use watchword_otp::{Completion, Pairing, PairingConfig};
use watchword_store::{CasOutcome, Key, Store};
use watchword_token::{Claims, KeyRing, UnixTime};

pub mod keys;
pub mod requests;

use requests::{CompleteRequest, PortalRequest};

/// The surface name: store keys, metrics, client registry.
pub const SURFACE: &str = "twoway";
/// The client role of a device app (`init`, `complete`).
pub const ROLE_APP: &str = "app";
/// The client role of a portal backend (response codes).
pub const ROLE_PORTAL: &str = "portal";
/// How long a registration token is valid, in seconds.
pub const REGISTRATION_TOKEN_SECS: u64 = 300;
/// How long after expiry a pairing is still reported as `expired` rather than unknown.
const GRACE_SECS: u64 = 60;

/// The `OpenAPI` document, also committed as `docs/twoway.openapi.json`.
pub const OPENAPI: &str = include_str!("../../../docs/twoway.openapi.json");

const INIT_PER_APP: RateLimit = RateLimit::per_minute("init-app", 600);
const INIT_PER_IP: RateLimit = RateLimit::per_minute("init-ip", 30);
const COMPLETE_PER_IP: RateLimit = RateLimit::per_minute("complete-ip", 60);
const PORTAL_PER_CLIENT: RateLimit = RateLimit::per_minute("portal-client", 600);
const PORTAL_PER_USER: RateLimit = RateLimit::per_minute("portal-user", 10);

/// The surface's shared state.
pub struct Twoway {
    store: Arc<dyn Store>,
    clients: Clients,
    pairing: PairingConfig,
    keys: KeyRing,
    issuer: String,
    clock: Clock,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Twoway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Twoway")
            .field("issuer", &self.issuer)
            .field("pairing", &self.pairing)
            .finish_non_exhaustive()
    }
}

impl Twoway {
    /// A surface on `store`, signing registration tokens with the newest key of `keys` and
    /// naming itself `issuer` (its public base URL) in them.
    ///
    /// # Errors
    /// When `keys` has no signing key.
    pub fn new(
        store: Arc<dyn Store>,
        keys: KeyRing,
        issuer: String,
        pairing: PairingConfig,
        clock: Clock,
    ) -> Result<Self, ConfigError> {
        if keys.signing_kid().is_none() {
            return Err(ConfigError::NoSigningKey);
        }
        let clients = Clients::new(SURFACE)?;
        Ok(Self {
            store,
            clients,
            pairing,
            keys,
            issuer,
            clock,
            metrics: Arc::new(Metrics::new()),
        })
    }

    /// The client registry of this surface.
    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    /// The app serving this surface's routes.
    pub fn app(self) -> App<Self> {
        let (store, metrics) = (self.store.clone(), self.metrics.clone());
        <Self as watchword_http::Surface>::app(self, store, metrics)
    }
}

/// Why a twoway server could not be configured.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The key ring has no key to sign registration tokens with.
    #[error("the twoway key ring has no signing key")]
    NoSigningKey,
    /// The signing key file is unusable.
    #[error(transparent)]
    Key(#[from] keys::KeyError),
    /// The pairing settings are out of range.
    #[error("pairing settings: {0}")]
    Pairing(#[from] watchword_otp::Error),
    /// The store refused the surface's key names (a bug).
    #[error("store keys: {0}")]
    Store(#[from] watchword_store::Error),
}

/// The flags of `watchword-twoway`.
#[derive(Debug, clap::Args)]
pub struct TwowayArgs {
    /// Private Ed25519 JWK signing registration tokens (the output of `watchword keys
    /// generate`). Without it a key is generated at start and tokens stop verifying at restart.
    #[arg(long, env = "WATCHWORD_TWOWAY_SIGNING_KEY", value_name = "FILE")]
    pub signing_key: Option<std::path::PathBuf>,
    /// Public base URL, the `iss` of registration tokens [default: http://<listen>].
    #[arg(long, env = "WATCHWORD_TWOWAY_ISSUER")]
    pub issuer: Option<String>,
    /// Lifetime of a pairing, in seconds (30 to 3600).
    #[arg(long, env = "WATCHWORD_TWOWAY_LIFETIME", default_value_t = 300)]
    pub lifetime: u64,
    /// Wrong response codes before a pairing is burned (1 to 10).
    #[arg(long, env = "WATCHWORD_TWOWAY_ATTEMPTS", default_value_t = 5)]
    pub attempts: u8,
    /// How client codes look: `digits:N` (0-9) or `alnum:N` (31 unambiguous letters and
    /// digits), N from 6 to 16. See the guide for what each gives a guesser.
    #[arg(long, env = "WATCHWORD_TWOWAY_CLIENT_CODE", default_value = "alnum:8")]
    pub client_code: watchword_otp::CodeFormat,
}

impl watchword_http::Surface for Twoway {
    type State = Twoway;
    type Args = TwowayArgs;
    const NAME: &'static str = SURFACE;
    const PORT: u16 = 8085;
    const SUMMARY: &'static str = "two-way OTP device pairing (Token Server compatible)";
    const OPENAPI: &'static str = OPENAPI;
    const DEMO: Option<watchword_http::DemoPage> = Some(watchword_http::DemoPage {
        path: "/twoway/device",
        host: None,
    });

    fn router() -> Router<Self> {
        router()
    }

    fn build(
        args: &TwowayArgs,
        env: &watchword_http::Env,
    ) -> Result<App<Twoway>, watchword_http::BuildError> {
        let pairing = PairingConfig::new()
            .with_lifetime_secs(args.lifetime)
            .and_then(|c| c.with_max_attempts(args.attempts))
            .map_err(ConfigError::from)?
            .with_client_code_format(args.client_code);
        let keys = keys::load_or_generate(args.signing_key.as_deref(), &mut env.rng.clone())
            .map_err(ConfigError::from)?;
        let issuer = args
            .issuer
            .clone()
            .unwrap_or_else(|| format!("http://{}", env.listen));
        Ok(Twoway::new(env.store.clone(), keys, issuer, pairing, env.clock.clone())?.app())
    }
}

/// The routes of the surface.
pub fn router() -> Router<Twoway> {
    Router::new()
        .post("/oauth/custom-registration/{idp}/init", init)
        .post("/oauth/custom-registration/{idp}/complete", complete)
        .post("/portal/v1/{idp}/response-code", portal)
        .get("/.well-known/jwks.json", jwks)
}

/// What the store holds per transaction: the pairing and whose it is.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    idp: String,
    app: String,
    pairing: Pairing,
}

fn pairing_key(transaction_key: &str) -> Result<Key, ApiError> {
    Key::new(SURFACE, "pairing", transaction_key).map_err(|_| ApiError::internal())
}

fn client_code_key(idp: &str, code_key: &str) -> Result<Key, ApiError> {
    Key::new(SURFACE, "client-code", &format!("{idp}.{code_key}")).map_err(|_| ApiError::internal())
}

/// Seconds the record of a pairing expiring at `expires_at` is kept from `now`.
fn ttl(expires_at: u64, now: u64) -> Duration {
    Duration::from_secs(expires_at.saturating_sub(now) + GRACE_SECS)
}

/// The identity provider named in the path, if the client may use it.
fn idp<'a>(request: &'a Request, client: &Client) -> Result<&'a str, ApiError> {
    let idp = request.param("idp")?;
    if !requests::is_idp(idp) || !client.has_scope(idp) {
        return Err(ApiError::forbidden(format!(
            "this client may not use identity provider {idp:?}"
        ))
        .with_code("idp_not_allowed"));
    }
    Ok(idp)
}

/// The client of `role` making the request, and the identity provider the path names, which
/// must be one of the client's scopes.
async fn caller<'r>(
    state: &Twoway,
    request: &'r Request,
    role: &str,
) -> Result<(Client, &'r str), ApiError> {
    let client = state
        .clients
        .authenticate(state.store.as_ref(), request, role)
        .await?;
    let idp = idp(request, &client)?;
    Ok((client, idp))
}

fn encode(record: &Record) -> Result<Vec<u8>, ApiError> {
    records::encode(record)
}

/// What to store after a transition: the record with its next pairing state, when it changed.
fn write(record: Record, next: Pairing, changed: bool, now: u64) -> Change<Record> {
    if !changed {
        return Change::Keep;
    }
    let ttl = ttl(next.expires_at().0, now);
    Change::Put(
        Record {
            pairing: next,
            ..record
        },
        ttl,
    )
}

async fn init(state: Arc<Twoway>, request: Request) -> Result<Response, ApiError> {
    let store = state.store.as_ref();
    let (app, idp) = caller(&state, &request, ROLE_APP).await?;
    requests::parse_init(request.json_body()?)?;
    // The caller's own limit first: one client over it must not spend the app's budget.
    let network = request.client_network();
    check_in_order(
        store,
        SURFACE,
        &[(&INIT_PER_IP, &network), (&INIT_PER_APP, &app.id)],
    )
    .await?;
    let now = state.clock.now().0;
    // Client codes are short: on the rare collision with a live pairing, draw again.
    for _ in 0..4 {
        let init = Pairing::init(&state.pairing, &mut rand_core::OsRng, UnixTime(now));
        let expires_at = init.state.expires_at().0;
        let transaction_key = init.state.transaction_key();
        let code_key = init
            .state
            .client_code_key()
            .ok_or_else(ApiError::internal)?;
        if !store
            .put_new(
                &client_code_key(idp, &code_key)?,
                transaction_key.as_bytes(),
                ttl(expires_at, now),
            )
            .await?
        {
            continue;
        }
        let record = Record {
            idp: idp.to_owned(),
            app: app.id.clone(),
            pairing: init.state,
        };
        let created = store
            .compare_and_swap(
                &pairing_key(&transaction_key)?,
                None,
                Some((&encode(&record)?, ttl(expires_at, now))),
            )
            .await?;
        if !matches!(created, CasOutcome::Swapped { .. }) {
            // Another request holds this transaction id: contention, answered 503 as
            // documented (with fresh ids from the OS generator it does not happen).
            return Err(records::contention("pairing"));
        }
        state.metrics.inc(
            "watchword_twoway_pairings_started_total",
            "Pairings started by init.",
            &[],
        );
        return Ok(ok(&serde_json::json!({
            "status": 2000,
            "transaction_id": init.transaction_id.as_str(),
            "data": init.client_code.as_str(),
            "expires_at": expires_at,
        })));
    }
    Err(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "client_codes_exhausted",
        "could not draw a free client code; try again",
    ))
}

async fn complete(state: Arc<Twoway>, request: Request) -> Result<Response, ApiError> {
    let store = state.store.as_ref();
    let (app, idp) = caller(&state, &request, ROLE_APP).await?;
    let body: CompleteRequest = requests::parse_complete(request.json_body()?)?;
    COMPLETE_PER_IP
        .check(store, SURFACE, &request.client_network())
        .await?;
    let key = pairing_key(&watchword_otp::pairing::transaction_key(
        &body.transaction_id,
    ))?;
    let now = state.clock.now().0;
    let outcome = records::transact(store, &key, "pairing", |record: Option<Record>| {
        // Another app's or another provider's transaction is reported as unknown: nothing to learn.
        let Some(record) = record.filter(|r| r.idp == idp && r.app == app.id) else {
            return Ok((Change::Keep, Completion::transaction_gone()));
        };
        let transition =
            record
                .pairing
                .clone()
                .complete(&body.transaction_id, &body.data, UnixTime(now));
        let change = write(record, transition.state, transition.changed, now);
        Ok((change, transition.outcome))
    })
    .await?;
    Ok(completion(&state, &app, idp, &body, outcome, now))
}

/// Renders a `complete` outcome; on 2000, with a fresh registration token.
fn completion(
    state: &Twoway,
    app: &Client,
    idp: &str,
    body: &CompleteRequest,
    outcome: Completion,
    now: u64,
) -> Response {
    let status = outcome.status().code();
    state.metrics.inc(
        "watchword_twoway_completions_total",
        "Device completions by status.",
        &[("status", &status.to_string())],
    );
    let answer = match outcome {
        Completion::Paired { user } => {
            match registration_token(state, app, idp, body, &user, now) {
                Ok(token) => serde_json::json!({ "status": status, "data": token }),
                Err(error) => return error.into_response(),
            }
        }
        Completion::WrongResponseCode { attempts_left } => {
            serde_json::json!({ "status": status, "attempts_left": attempts_left })
        }
        Completion::Unrecoverable(reason) => {
            serde_json::json!({ "status": status, "reason": reason })
        }
        _ => serde_json::json!({ "status": status }),
    };
    ok(&answer)
}

/// The claims of a registration token besides the registered ones.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Registration {
    /// The identity provider the device paired through.
    pub idp: String,
    /// A stable identifier of the paired device (derived from its transaction, revealing nothing).
    pub device_id: String,
}

fn registration_token(
    state: &Twoway,
    app: &Client,
    idp: &str,
    body: &CompleteRequest,
    user: &str,
    now: u64,
) -> Result<String, ApiError> {
    let device_id = watchword_otp::pairing::transaction_key(&body.transaction_id)[..32].to_owned();
    let mut claims = Claims::with_extra(
        UnixTime(now + REGISTRATION_TOKEN_SECS),
        Registration {
            idp: idp.to_owned(),
            device_id,
        },
    );
    claims.iss = Some(state.issuer.clone());
    claims.sub = Some(user.to_owned());
    claims.aud = vec![app.id.clone()];
    claims.iat = Some(UnixTime(now));
    claims.jti = Some(random_token(&mut rand_core::OsRng, 16));
    state.keys.sign(&claims).map_err(|error| {
        tracing::error!(%error, "signing a registration token");
        ApiError::internal()
    })
}

async fn portal(state: Arc<Twoway>, request: Request) -> Result<Response, ApiError> {
    let store = state.store.as_ref();
    let (portal, idp) = caller(&state, &request, ROLE_PORTAL).await?;
    let body: PortalRequest = requests::parse_portal(request.json_body()?)?;
    // The user's own limit first: requests for one user must not spend the portal's budget.
    let user = format!("{}\n{}", portal.id, body.user_id);
    check_in_order(
        store,
        SURFACE,
        &[(&PORTAL_PER_USER, &user), (&PORTAL_PER_CLIENT, &portal.id)],
    )
    .await?;
    let unknown = || {
        ApiError::not_found("no live pairing has this client code").with_code("client_code_unknown")
    };
    let index = client_code_key(idp, &state.pairing.client_code_key(&body.client_code))?;
    let transaction_key = store.get(&index).await?.ok_or_else(unknown)?;
    let key =
        pairing_key(std::str::from_utf8(&transaction_key).map_err(|_| ApiError::internal())?)?;
    let now = state.clock.now().0;
    let (outcome, expires_at) =
        records::transact(store, &key, "pairing", |record: Option<Record>| {
            let record = record.filter(|r| r.idp == idp).ok_or_else(unknown)?;
            let transition = record.pairing.clone().enter_on_portal(
                &body.client_code,
                &body.user_id,
                &mut rand_core::OsRng,
                UnixTime(now),
            );
            let expires_at = transition.state.expires_at().0;
            let change = write(record, transition.state, transition.changed, now);
            Ok((change, (transition.outcome, expires_at)))
        })
        .await?;
    match outcome {
        Ok(code) => Ok(ok(
            &serde_json::json!({ "data": code.as_str(), "expires_at": expires_at }),
        )),
        Err(error) => Err(portal_error(&error)),
    }
}

fn portal_error(error: &watchword_otp::Error) -> ApiError {
    use watchword_otp::Error as E;
    let (status, code) = match error {
        E::InvalidUser { .. } => (StatusCode::BAD_REQUEST, "invalid_user"),
        E::ClientCodeMismatch => (StatusCode::NOT_FOUND, "client_code_unknown"),
        E::ClientCodeClaimed => (StatusCode::CONFLICT, "client_code_claimed"),
        E::PairingCompleted => (StatusCode::CONFLICT, "pairing_completed"),
        E::PairingExpired => (StatusCode::GONE, "pairing_expired"),
        E::PairingBurned { .. } => (StatusCode::GONE, "pairing_burned"),
        _ => return ApiError::internal(),
    };
    ApiError::new(status, code, error.to_string())
}

async fn jwks(state: Arc<Twoway>, _: Request) -> Result<Response, ApiError> {
    let mut response = with_type(
        StatusCode::OK,
        "application/jwk-set+json",
        state.keys.public_jwks().to_json(),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}
