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
use watchword_http::{
    header, ok, records, with_type, ApiError, App, Metrics, RateLimit, Request, Response, Router,
    StatusCode,
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
/// Compare-and-swap retries before a request gives up with `503 contention`.
const CAS_RETRIES: usize = 16;

/// The `OpenAPI` document, also committed as `docs/twoway.openapi.json`.
pub const OPENAPI: &str = include_str!("../../../docs/twoway.openapi.json");

const INIT_PER_APP: RateLimit = RateLimit {
    name: "init-app",
    limit: 600,
    window: Duration::from_secs(60),
};
const INIT_PER_IP: RateLimit = RateLimit {
    name: "init-ip",
    limit: 30,
    window: Duration::from_secs(60),
};
const COMPLETE_PER_IP: RateLimit = RateLimit {
    name: "complete-ip",
    limit: 60,
    window: Duration::from_secs(60),
};
const PORTAL_PER_CLIENT: RateLimit = RateLimit {
    name: "portal-client",
    limit: 600,
    window: Duration::from_secs(60),
};
const PORTAL_PER_USER: RateLimit = RateLimit {
    name: "portal-user",
    limit: 10,
    window: Duration::from_secs(60),
};

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
    ) -> Result<Self, String> {
        if keys.signing_kid().is_none() {
            return Err("the twoway key ring has no signing key".into());
        }
        let clients = Clients::new(SURFACE).map_err(|e| e.to_string())?;
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
        let store = self.store.clone();
        let metrics = self.metrics.clone();
        App::new(SURFACE, Arc::new(self), store, router()).with_metrics(metrics)
    }
}

/// The routes of the surface.
pub fn router() -> Router<Twoway> {
    Router::new()
        .post("/oauth/custom-registration/{idp}/init", init)
        .post("/oauth/custom-registration/{idp}/complete", complete)
        .post("/portal/v1/{idp}/response-code", portal)
        .get("/.well-known/jwks.json", jwks)
        .get("/openapi.json", openapi)
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

fn decode(bytes: &[u8]) -> Result<Record, ApiError> {
    records::decode(bytes, "pairing")
}

/// Stores `next` if the stored version is still `version`; `false` when another request
/// changed the pairing first. The outcome of a transition is reported only after this wins.
async fn write_back(
    store: &dyn Store,
    key: &Key,
    version: u64,
    next: Record,
    now: u64,
) -> Result<bool, ApiError> {
    let ttl = ttl(next.pairing.expires_at().0, now);
    records::write_back(store, key, Some(version), &next, ttl).await
}

fn contention() -> ApiError {
    records::contention("pairing")
}

async fn init(state: Arc<Twoway>, request: Request) -> Result<Response, ApiError> {
    let store = state.store.as_ref();
    let (app, idp) = caller(&state, &request, ROLE_APP).await?;
    requests::parse_init(request.body())?;
    INIT_PER_APP.check(store, SURFACE, &app.id).await?;
    INIT_PER_IP
        .check(store, SURFACE, &request.client_ip().to_string())
        .await?;
    let now = (state.clock)();
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
            return Err(ApiError::internal());
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
    let body: CompleteRequest = requests::parse_complete(request.body())?;
    COMPLETE_PER_IP
        .check(store, SURFACE, &request.client_ip().to_string())
        .await?;
    let key = pairing_key(&watchword_otp::pairing::transaction_key(
        &body.transaction_id,
    ))?;
    for _ in 0..CAS_RETRIES {
        let now = (state.clock)();
        let Some(stored) = store.get_versioned(&key).await? else {
            return Ok(completion(
                &state,
                &app,
                idp,
                &body,
                Completion::transaction_gone(),
                now,
            ));
        };
        let record = decode(&stored.value)?;
        // Another app's or another provider's transaction is reported as unknown: nothing to learn.
        if record.idp != idp || record.app != app.id {
            return Ok(completion(
                &state,
                &app,
                idp,
                &body,
                Completion::transaction_gone(),
                now,
            ));
        }
        let transition = record
            .pairing
            .complete(&body.transaction_id, &body.data, UnixTime(now));
        if transition.changed
            && !write_back(
                store,
                &key,
                stored.version,
                Record {
                    pairing: transition.state,
                    ..record
                },
                now,
            )
            .await?
        {
            continue;
        }
        return Ok(completion(
            &state,
            &app,
            idp,
            &body,
            transition.outcome,
            now,
        ));
    }
    Err(contention())
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
    let body: PortalRequest = requests::parse_portal(request.body())?;
    PORTAL_PER_CLIENT.check(store, SURFACE, &portal.id).await?;
    PORTAL_PER_USER
        .check(store, SURFACE, &format!("{}\n{}", portal.id, body.user_id))
        .await?;
    let unknown = || {
        ApiError::not_found("no live pairing has this client code").with_code("client_code_unknown")
    };
    let index = client_code_key(idp, &state.pairing.client_code_key(&body.client_code))?;
    let transaction_key = store.get(&index).await?.ok_or_else(unknown)?;
    let key =
        pairing_key(std::str::from_utf8(&transaction_key).map_err(|_| ApiError::internal())?)?;
    for _ in 0..CAS_RETRIES {
        let now = (state.clock)();
        let stored = store.get_versioned(&key).await?.ok_or_else(unknown)?;
        let record = decode(&stored.value)?;
        if record.idp != idp {
            return Err(unknown());
        }
        let transition = record.pairing.enter_on_portal(
            &body.client_code,
            &body.user_id,
            &mut rand_core::OsRng,
            UnixTime(now),
        );
        let expires_at = transition.state.expires_at().0;
        if transition.changed
            && !write_back(
                store,
                &key,
                stored.version,
                Record {
                    pairing: transition.state,
                    ..record
                },
                now,
            )
            .await?
        {
            continue;
        }
        return match transition.outcome {
            Ok(code) => Ok(ok(
                &serde_json::json!({ "data": code.as_str(), "expires_at": expires_at }),
            )),
            Err(error) => Err(portal_error(&error)),
        };
    }
    Err(contention())
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

async fn openapi(_: Arc<Twoway>, _: Request) -> Result<Response, ApiError> {
    Ok(with_type(StatusCode::OK, "application/json", OPENAPI))
}
