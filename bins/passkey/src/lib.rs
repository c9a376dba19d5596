//! The `passkey` surface: passkey (WebAuthn) sign-in compatible with the OTPless passkey API.
//!
//! ```text
//! site backend (clientId/clientSecret headers)             passkey
//! POST /auth/v1/webauthn {identityType, identityValue, …}  ──► {requestId}
//! browser, headless.js (CORS for the client's origins)
//! GET  /auth/v1/webauthn/{requestId}                       ──► {ceremony, publicKey: options}
//!      navigator.credentials.create() or .get()
//! POST /auth/v1/webauthn/{requestId} credential.toJSON()   ──► {token, userId, type}
//! site backend
//! POST /auth/v1/validate/token {token}                     ──► {status: SUCCESS, userId, identities, …}   once
//! ```
//!
//! Registration runs when the identity has no passkey for the domain or the site asks for one
//! (`isRegistration`); otherwise sign-in. Every record changes by compare-and-swap, so any
//! number of replicas on one store agree: a request completes once, a token validates once.
//! See `docs/passkey.md`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use watchword_http::clients::{random_token, Client, Clients};
use watchword_http::records::{self as store_records, Change};
use watchword_http::{
    header, ok, sha256_hex, ApiError, App, Assets, Cors, Metrics, RateLimit, Request, Response,
    Router, StatusCode,
};
pub use watchword_http::{system_clock, Clock};
use watchword_store::{Key, Store, MAX_TTL};
use watchword_token::UnixTime;

pub mod ceremony;
pub mod device;
pub mod lifecycle;
pub mod records;
pub mod requests;

pub use lifecycle::MAX_PASSKEYS;
use lifecycle::{Ceremony, Completion, Lifecycle, Refused};
use records::{Passkey, Token, User};
use requests::{api_error, Attachment, Initiate};

/// The surface name: store keys, metrics, client registry.
pub const SURFACE: &str = "passkey";
/// The client role of a site backend.
pub const ROLE_APP: &str = "app";
/// How long a request may wait for its ceremony, in seconds.
pub const REQUEST_SECS: u64 = 300;
/// How long a token waits for the site's validation, in seconds.
pub const TOKEN_SECS: u64 = 300;
/// The shortest request initiate hands out; an identity whose first binding ends sooner asks
/// the caller to come back once it has.
const MIN_REQUEST_SECS: u64 = 30;
/// How long an expired or completed request is still reported as such.
const GRACE_SECS: u64 = 60;

/// The `OpenAPI` document, also committed as `docs/passkey.openapi.json`.
pub const OPENAPI: &str = include_str!("../../../docs/passkey.openapi.json");
/// The browser SDK.
pub const HEADLESS_JS: &[u8] = include_bytes!("../assets/headless.js");

const INITIATE_PER_CLIENT: RateLimit = RateLimit::per_minute("initiate-client", 600);
const CEREMONY_PER_IP: RateLimit = RateLimit::per_minute("ceremony-ip", 60);
const VALIDATE_PER_CLIENT: RateLimit = RateLimit::per_minute("validate-client", 1200);

/// The assets the server publishes under `/assets/`.
pub fn assets() -> Assets {
    Assets::new().with("headless.js", "text/javascript; charset=utf-8", HEADLESS_JS)
}

/// A fresh public app id for a client: `APP` and 17 upper-case letters and digits.
pub fn new_app_id(rng: &mut impl rand_core::CryptoRngCore) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 17];
    rng.fill_bytes(&mut bytes);
    let tail: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect();
    format!("APP{tail}")
}

/// Checks what a passkey client is registered with: at least one domain (`scopes`, the RP IDs
/// it may name), at least one origin, and every origin on one of the domains or a subdomain
/// (WebAuthn accepts nothing else), `https` or `http://localhost`.
///
/// # Errors
/// A message saying what to change.
pub fn check_client(origins: &[String], scopes: &[String]) -> Result<(), String> {
    if scopes.is_empty() || origins.is_empty() {
        return Err("a passkey client needs --scope DOMAIN (its RP IDs) and --origin ORIGIN (the pages that run the SDK)".into());
    }
    if let Some(bad) = scopes.iter().find(|s| !requests::is_domain(s)) {
        return Err(format!(
            "--scope {bad:?} is not a domain like shop.example or localhost"
        ));
    }
    for origin in origins {
        let Some((scheme, rest)) = origin.split_once("://") else {
            return Err(format!("--origin {origin:?} is not an origin"));
        };
        let host = rest.rsplit_once(':').map_or(rest, |(host, _)| host);
        if scheme != "https" && !(scheme == "http" && host == "localhost") {
            return Err(format!(
                "--origin {origin}: passkeys need https (or http://localhost)"
            ));
        }
        let covered = scopes
            .iter()
            .any(|scope| host == scope || host.ends_with(&format!(".{scope}")));
        if !covered {
            return Err(format!(
                "--origin {origin} is not on any --scope domain ({})",
                scopes.join(", ")
            ));
        }
    }
    Ok(())
}

/// The surface's shared state.
pub struct PasskeyService {
    store: Arc<dyn Store>,
    clients: Clients,
    clock: Clock,
    metrics: Arc<Metrics>,
    rate_limits: bool,
}

impl std::fmt::Debug for PasskeyService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasskeyService").finish_non_exhaustive()
    }
}

impl PasskeyService {
    /// A surface on `store`.
    ///
    /// # Panics
    /// Never: the surface name is a valid registry name.
    pub fn new(store: Arc<dyn Store>, clock: Clock) -> Self {
        Self {
            store,
            clients: Clients::new(SURFACE).expect("a valid surface name"),
            clock,
            metrics: Arc::new(Metrics::new()),
            rate_limits: true,
        }
    }

    /// Turns the rate limits off (for load tests).
    #[must_use]
    pub fn without_rate_limits(mut self) -> Self {
        self.rate_limits = false;
        self
    }

    /// The client registry of this surface.
    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    /// The app serving this surface's routes and the SDK.
    pub fn app(self) -> App<Self> {
        let (store, metrics) = (self.store.clone(), self.metrics.clone());
        <Self as watchword_http::Surface>::app(self, store, metrics)
            .with_assets(assets())
            .cors_request_headers("content-type, x-otpless-appid")
    }

    async fn limit(&self, limit: &RateLimit, subject: &str) -> Result<(), ApiError> {
        if self.rate_limits {
            limit.check(self.store.as_ref(), SURFACE, subject).await?;
        }
        Ok(())
    }

    /// The client whose `clientId` and `clientSecret` headers the request carries.
    async fn client(&self, request: &Request) -> Result<Client, ApiError> {
        let refused = || {
            api_error(
                StatusCode::UNAUTHORIZED,
                None,
                "clientId and clientSecret headers are missing or wrong",
            )
        };
        let (Some(id), Some(secret)) = (request.header("clientid"), request.header("clientsecret"))
        else {
            return Err(refused());
        };
        self.clients
            .check_secret(self.store.as_ref(), id, secret, ROLE_APP)
            .await?
            .ok_or_else(refused)
    }

    async fn load_user(&self, handle: &str) -> Result<Option<User>, ApiError> {
        match self
            .store
            .get_versioned(&records::user_key(handle)?)
            .await?
        {
            Some(stored) => store_records::decode(&stored.value, "user").map(Some),
            None => Ok(None),
        }
    }

    /// The user an identity is bound to, binding it to a new user the first time: of two
    /// concurrent first requests, both get the user the first bound. A new binding lives only
    /// as long as one request ([`records::Identity::pending_until`]) until a passkey is
    /// registered, so calls to initiate alone cannot fill the store with long-lived records.
    async fn identity(
        &self,
        client: &str,
        body: &Initiate,
        now: u64,
    ) -> Result<records::Identity, ApiError> {
        let key = records::identity_key(&records::identity_field(
            client,
            body.identity_type,
            &body.identity_value,
        ))?;
        if let Some(bytes) = self.store.get(&key).await? {
            return store_records::decode(&bytes, "identity");
        }
        let fresh = records::Identity {
            user_handle: random_token(&mut rand_core::OsRng, 32),
            user_id: format!("usr_{}", random_token(&mut rand_core::OsRng, 12)),
            pending_until: Some(UnixTime(now + REQUEST_SECS)),
        };
        if self
            .store
            .put_new(
                &key,
                &store_records::encode(&fresh)?,
                Duration::from_secs(REQUEST_SECS),
            )
            .await?
        {
            return Ok(fresh);
        }
        let bytes = self.store.get(&key).await?.ok_or_else(ApiError::internal)?;
        store_records::decode(&bytes, "identity")
    }
}

/// The routes of the surface.
pub fn router() -> Router<PasskeyService> {
    Router::new()
        .post("/auth/v1/webauthn", initiate)
        .get("/auth/v1/webauthn/{requestId}", options)
        .post("/auth/v1/webauthn/{requestId}", complete)
        .post("/auth/v1/validate/token", validate)
        .cors(
            "/auth/v1/webauthn/{requestId}",
            Cors::check(
                |state: Arc<PasskeyService>, params: watchword_http::Params, origin: String| async move {
                    let Some(id) = params.get("requestId") else {
                        return Ok(false);
                    };
                    allowed_origin(&state, id, &origin).await
                },
            ),
        )
}

/// Whether a browser on `origin` may run request `id`: an origin of the request's client.
async fn allowed_origin(state: &PasskeyService, id: &str, origin: &str) -> Result<bool, ApiError> {
    if !is_request_id(id) {
        return Ok(false);
    }
    let Some(stored) = state
        .store
        .get_versioned(&records::request_key(id)?)
        .await?
    else {
        // Unknown requests get their 404 from the handler.
        return Ok(true);
    };
    let lifecycle: Lifecycle = store_records::decode(&stored.value, "request")?;
    let client = state
        .clients
        .get(state.store.as_ref(), &lifecycle.request().client_id)
        .await?;
    Ok(client.is_some_and(|c| c.origins.iter().any(|o| o == origin)))
}

fn is_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= requests::MAX_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn ttl(expires_at: u64, now: u64) -> Duration {
    Duration::from_secs(expires_at.saturating_sub(now) + GRACE_SECS)
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

async fn initiate(state: Arc<PasskeyService>, request: Request) -> Result<Response, ApiError> {
    let client = state.client(&request).await?;
    let body: Initiate = requests::parse_initiate(request.body())?;
    if !client.has_scope(&body.domain) {
        return Err(api_error(
            StatusCode::FORBIDDEN,
            None,
            &format!("this client may not use the domain {}", body.domain),
        ));
    }
    state.limit(&INITIATE_PER_CLIENT, &client.id).await?;
    let now = state.clock.now().0;
    let identity = state.identity(&client.id, &body, now).await?;
    // A request of an identity still waiting for its first passkey ends with that binding.
    let expires_at = identity
        .pending_until
        .map_or(now + REQUEST_SECS, |until| until.0.min(now + REQUEST_SECS));
    if expires_at <= now + MIN_REQUEST_SECS {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "identity_expiring",
            "this identity's first request is about to expire; initiate again in a few seconds",
        )
        .with_header(header::RETRY_AFTER, header::HeaderValue::from_static("5")));
    }
    let has_passkey = state
        .load_user(&identity.user_handle)
        .await?
        .is_some_and(|user| user.passkeys.iter().any(|p| p.rp_id == body.domain));
    let ceremony = match (body.registration, has_passkey) {
        (Some(true), _) | (None, false) => Ceremony::Registration,
        (Some(false) | None, true) => Ceremony::Authentication,
        (Some(false), false) => {
            return Err(api_error(
                StatusCode::CONFLICT,
                Some("no_passkey"),
                "isRegistration is false but this identity has no passkey for the domain",
            ))
        }
    };
    let records::Identity {
        user_handle,
        user_id,
        ..
    } = identity;
    let request_id = random_token(&mut rand_core::OsRng, 24);
    let record = lifecycle::Request {
        client_id: client.id.clone(),
        identity_type: body.identity_type,
        identity_value: body.identity_value,
        rp_name: body.rp_name,
        domain: body.domain,
        user_display_name: body.user_display_name,
        attachment: body.attachment,
        ceremony,
        user_handle,
        user_id,
        challenge: random_token(&mut rand_core::OsRng, 32),
        spc: body.spc,
        allow_conditional: body.allow_conditional,
        created_at: UnixTime(now),
        expires_at: UnixTime(expires_at),
    };
    let key = records::request_key(&request_id)?;
    let ttl = ttl(expires_at, now);
    if !store_records::write_back(
        state.store.as_ref(),
        &key,
        None,
        &Lifecycle::new(record),
        ttl,
    )
    .await?
    {
        return Err(ApiError::internal());
    }
    state.metrics.inc(
        "watchword_passkey_requests_total",
        "Requests initiated, by ceremony.",
        &[("ceremony", ceremony.kind())],
    );
    Ok(ok(&serde_json::json!({
        "requestId": request_id,
        "ceremony": ceremony,
    })))
}

fn request_not_found() -> ApiError {
    api_error(
        StatusCode::NOT_FOUND,
        Some("request_not_found"),
        "no such requestId (it may have expired)",
    )
}

/// The answer to a refused transition of a request.
fn refused(refusal: Refused) -> ApiError {
    match refusal {
        Refused::Completed => api_error(
            StatusCode::CONFLICT,
            Some("request_used"),
            "this requestId was completed already; initiate a new one",
        ),
        Refused::Expired { .. } => api_error(
            StatusCode::GONE,
            Some("request_expired"),
            "this requestId expired; initiate a new one",
        ),
        Refused::ConditionalRegistration => api_error(
            StatusCode::CONFLICT,
            Some("no_passkey"),
            "this identity has no passkey to sign in with; run the request without conditional mediation to register one",
        ),
        Refused::ConditionalNotAllowed => api_error(
            StatusCode::CONFLICT,
            Some("conditional_not_allowed"),
            "this request does not allow conditional mediation: initiate it with allowConditional (never for a payment), or run it without",
        ),
        Refused::OtherUsersPasskey => unknown_credential(),
        Refused::TooManyPasskeys => api_error(
            StatusCode::CONFLICT,
            Some("too_many_passkeys"),
            &format!("this identity has {MAX_PASSKEYS} passkeys already"),
        ),
        // The handlers complete a request with its own ceremony.
        Refused::WrongCeremony { .. } => ApiError::internal(),
    }
}

/// Loads a request the SDK may still run: known, not completed, not expired, and called with
/// its client's app id when the SDK names one.
async fn open_request(
    state: &PasskeyService,
    request: &Request,
    id: &str,
    now: u64,
) -> Result<(Key, Lifecycle), ApiError> {
    if !is_request_id(id) {
        return Err(request_not_found());
    }
    let key = records::request_key(id)?;
    let stored = state
        .store
        .get_versioned(&key)
        .await?
        .ok_or_else(request_not_found)?;
    let lifecycle: Lifecycle = store_records::decode(&stored.value, "request")?;
    let record = lifecycle.check_open(UnixTime(now)).map_err(refused)?;
    if let Some(app_id) = request.header("x-otpless-appid") {
        let client = state
            .clients
            .get(state.store.as_ref(), &record.client_id)
            .await?;
        if client.and_then(|c| c.app_id).as_deref() != Some(app_id) {
            return Err(api_error(
                StatusCode::FORBIDDEN,
                Some("app_mismatch"),
                "the SDK's data-appid is not the app of this request",
            ));
        }
    }
    Ok((key, lifecycle))
}

#[allow(clippy::too_many_lines)] // the two option documents, written out as the spec lists them
async fn options(state: Arc<PasskeyService>, request: Request) -> Result<Response, ApiError> {
    state
        .limit(&CEREMONY_PER_IP, &request.client_network())
        .await?;
    let now = state.clock.now().0;
    let id = request.param("requestId")?;
    let (key, lifecycle) = open_request(&state, &request, id, now).await?;
    let conditional = request.query("mediation").as_deref() == Some("conditional");
    let mut transition = lifecycle
        .options(conditional, UnixTime(now))
        .map_err(refused)?;
    if transition.changed {
        // The first conditional call: remembered, so the completion may pick any passkey.
        transition.state = store_records::transact(
            state.store.as_ref(),
            &key,
            "request",
            |stored: Option<Lifecycle>| {
                let stored = stored.ok_or_else(request_not_found)?;
                let ttl = ttl(stored.request().expires_at.0, now);
                let next = stored
                    .options(conditional, UnixTime(now))
                    .map_err(refused)?;
                let change = if next.changed {
                    Change::Put(next.state.clone(), ttl)
                } else {
                    Change::Keep
                };
                Ok((change, next.state))
            },
        )
        .await?;
    }
    let record = transition.state.request();
    let user = state.load_user(&record.user_handle).await?;
    let passkeys: Vec<&Passkey> = user
        .iter()
        .flat_map(|u| u.passkeys.iter())
        .filter(|p| p.rp_id == record.domain)
        .collect();
    let descriptors: Vec<serde_json::Value> = passkeys
        .iter()
        .map(|p| {
            serde_json::json!({
                "type": "public-key",
                "id": b64(&p.credential.id),
                "transports": p.credential.transports,
            })
        })
        .collect();
    let timeout_ms = record.expires_at.seconds_since(UnixTime(now)) * 1000;
    let hints: Vec<&str> = match record.attachment {
        Attachment::All => vec![],
        Attachment::Platform => vec!["client-device"],
        Attachment::CrossPlatform => vec!["security-key", "hybrid"],
    };
    let public_key = match record.ceremony {
        Ceremony::Registration => {
            let mut selection = serde_json::json!({
                "residentKey": "required",
                "requireResidentKey": true,
                "userVerification": "required",
            });
            match record.attachment {
                Attachment::Platform => selection["authenticatorAttachment"] = "platform".into(),
                Attachment::CrossPlatform => {
                    selection["authenticatorAttachment"] = "cross-platform".into();
                }
                Attachment::All => {}
            }
            let mut extensions = serde_json::json!({ "credProps": true });
            if record.spc.is_some() {
                extensions["payment"] = serde_json::json!({ "isPayment": true });
            }
            serde_json::json!({
                "rp": { "id": record.domain, "name": record.rp_name },
                "user": {
                    "id": record.user_handle,
                    "name": record.identity_value,
                    "displayName": record.user_display_name,
                },
                "challenge": record.challenge,
                "pubKeyCredParams": ceremony::ALGORITHMS
                    .iter()
                    .map(|alg| serde_json::json!({ "type": "public-key", "alg": alg }))
                    .collect::<Vec<_>>(),
                "timeout": timeout_ms,
                "excludeCredentials": descriptors,
                "authenticatorSelection": selection,
                "hints": hints,
                "attestation": "none",
                "extensions": extensions,
            })
        }
        Ceremony::Authentication => serde_json::json!({
            "challenge": record.challenge,
            "rpId": record.domain,
            "allowCredentials": if conditional { Vec::new() } else { descriptors },
            "userVerification": "required",
            "timeout": timeout_ms,
            "hints": hints,
        }),
    };
    let mut answer = serde_json::json!({
        "requestId": id,
        "ceremony": record.ceremony,
        "publicKey": public_key,
        "expiresAt": record.expires_at,
    });
    if let (Some(spc), Ceremony::Authentication) = (&record.spc, record.ceremony) {
        // The SecurePaymentConfirmationRequest for `PaymentRequest`, and its total.
        answer["payment"] = serde_json::json!({
            "credentialIds": passkeys.iter().map(|p| b64(&p.credential.id)).collect::<Vec<_>>(),
            "challenge": record.challenge,
            "rpId": record.domain,
            "payeeOrigin": spc.payee_origin,
            "instrument": {
                "displayName": spc.instrument_display_name,
                "icon": spc.instrument_display_icon,
            },
            "timeout": timeout_ms,
            "total": { "currency": spc.currency, "value": ceremony::amount_text(spc.amount) },
        });
    }
    Ok(no_store(ok(&answer)))
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// What a verified response leads to, before anything is stored.
enum Verified {
    /// A new passkey for the request's user, who holds `held` passkeys now.
    Registration {
        credential: watchword_webauthn::Credential,
        held: usize,
    },
    /// A sign-in with the passkey `credential_id` of the user with `handle`.
    Authentication {
        handle: String,
        credential_id: Vec<u8>,
        result: watchword_webauthn::Authentication,
    },
}

async fn complete(state: Arc<PasskeyService>, request: Request) -> Result<Response, ApiError> {
    let store = state.store.as_ref();
    let ip = request.client_ip();
    state
        .limit(&CEREMONY_PER_IP, &request.client_network())
        .await?;
    let id = request.param("requestId")?;
    let now = state.clock.now().0;
    let (key, lifecycle) = open_request(&state, &request, id, now).await?;
    let record = lifecycle.request();
    let client = state
        .clients
        .get(store, &record.client_id)
        .await?
        .ok_or_else(request_not_found)?;
    let body = std::str::from_utf8(request.body()).map_err(|_| {
        api_error(
            StatusCode::BAD_REQUEST,
            Some("invalid_request"),
            "the body is not UTF-8",
        )
    })?;
    // Verify first (nothing is stored on a refusal, and the request stays open), then redeem
    // the request, then store: a response counts once, and only a redeemed one changes state.
    let verified = match record.ceremony {
        Ceremony::Registration => {
            let credential = ceremony::verify_registration(record, &client.origins, body, now)?;
            let held = state
                .load_user(&record.user_handle)
                .await?
                .map_or(0, |user| user.passkeys.len());
            Verified::Registration { credential, held }
        }
        Ceremony::Authentication => {
            let top_origin = request.header("origin").unwrap_or_default();
            verify_sign_in(&state, &client, &lifecycle, body, top_origin).await?
        }
    };
    let completion = match &verified {
        Verified::Registration { held, .. } => Completion::Registration { held: *held },
        Verified::Authentication { handle, .. } => Completion::Authentication {
            user_handle: handle,
        },
    };
    redeem(store, &key, completion, now).await?;
    let (user, ceremony) = match verified {
        Verified::Registration { credential, .. } => (
            store_passkey(&state, &client, record, credential, now).await?,
            Ceremony::Registration,
        ),
        Verified::Authentication {
            handle,
            credential_id,
            result,
        } => (
            record_sign_in(&state, &handle, &credential_id, &result, now).await?,
            Ceremony::Authentication,
        ),
    };
    let token = random_token(&mut rand_core::OsRng, 32);
    let issued = Token {
        client_id: client.id.clone(),
        user_id: user.user_id.clone(),
        identity_type: user.identity_type,
        identity_value: user.identity_value.clone(),
        ceremony,
        verified_at: now,
        ip: ip.to_string(),
        user_agent: request.header("user-agent").unwrap_or_default().to_owned(),
    };
    if !store
        .put_new(
            &records::token_key(&token)?,
            &store_records::encode(&issued)?,
            Duration::from_secs(TOKEN_SECS),
        )
        .await?
    {
        return Err(ApiError::internal());
    }
    state.metrics.inc(
        "watchword_passkey_ceremonies_total",
        "Ceremonies completed, by type.",
        &[("type", ceremony.kind())],
    );
    Ok(no_store(ok(&serde_json::json!({
        "token": token,
        "userId": user.user_id,
        "type": ceremony.kind(),
        "identityType": user.identity_type,
        "identityValue": user.identity_value,
    }))))
}

/// Completes the request with a verified ceremony, once: of two completions, the second gets
/// `409 request_used`.
async fn redeem(
    store: &dyn Store,
    key: &Key,
    completion: Completion<'_>,
    now: u64,
) -> Result<(), ApiError> {
    store_records::transact(store, key, "request", |stored: Option<Lifecycle>| {
        let stored = stored.ok_or_else(request_not_found)?;
        let ttl = ttl(stored.request().expires_at.0, now);
        let next = stored
            .complete(completion, UnixTime(now))
            .map_err(refused)?;
        Ok((Change::Put(next, ttl), ()))
    })
    .await
}

fn unknown_credential() -> ApiError {
    api_error(
        StatusCode::BAD_REQUEST,
        Some("unknown_credential"),
        "this passkey is not registered here",
    )
}

/// Stores a verified registration's passkey with the request's user (created with it): claims
/// the credential id first, create-only, then adds the passkey to the user, and withdraws the
/// claim if that fails. So a stored passkey is always found at sign-in, and of two
/// registrations of one credential id the second gets `409 credential_exists`.
async fn store_passkey(
    state: &PasskeyService,
    client: &Client,
    record: &lifecycle::Request,
    credential: watchword_webauthn::Credential,
    now: u64,
) -> Result<User, ApiError> {
    let store = state.store.as_ref();
    let claim = records::credential_key(&credential.id)?;
    let passkey = Passkey {
        rp_id: record.domain.clone(),
        credential,
        created_at: now,
        last_used_at: None,
    };
    if !store
        .put_new(&claim, record.user_handle.as_bytes(), MAX_TTL)
        .await?
    {
        return Err(api_error(
            StatusCode::CONFLICT,
            Some("credential_exists"),
            "this passkey is registered already",
        ));
    }
    let key = records::user_key(&record.user_handle)?;
    let added = store_records::transact(store, &key, "user", |stored: Option<User>| {
        let mut user = stored.unwrap_or_else(|| User {
            user_id: record.user_id.clone(),
            client_id: client.id.clone(),
            identity_type: record.identity_type,
            identity_value: record.identity_value.clone(),
            passkeys: Vec::new(),
            created_at: now,
        });
        // Checked again here, atomically with the write, for concurrent registrations.
        lifecycle::check_room(user.passkeys.len()).map_err(refused)?;
        user.passkeys.push(passkey.clone());
        Ok((Change::Put(user.clone(), MAX_TTL), user))
    })
    .await;
    let user = match added {
        Ok(user) => user,
        Err(error) => {
            withdraw_claim(store, &claim, &key, &passkey.credential.id).await;
            return Err(error);
        }
    };
    refresh_identity(store, &user, &record.user_handle).await?;
    Ok(user)
}

/// Deletes the claim of a credential id whose passkey was not stored, so that it may register
/// again. The claim stays when the passkey may have been stored after all (the store failed
/// after the write, or cannot say), since a passkey without its claim would never sign in.
async fn withdraw_claim(store: &dyn Store, claim: &Key, user_key: &Key, credential_id: &[u8]) {
    let stored = match store.get_versioned(user_key).await {
        Ok(stored) => stored,
        Err(error) => {
            tracing::warn!(%error, "a credential claim is kept: the user could not be read");
            return;
        }
    };
    let held = match stored {
        Some(stored) => match store_records::decode::<User>(&stored.value, "user") {
            Ok(user) => user
                .passkeys
                .iter()
                .any(|p| p.credential.id == credential_id),
            Err(_) => return,
        },
        None => false,
    };
    if !held {
        if let Err(error) = store.delete(claim).await {
            tracing::warn!(%error, "a credential claim was not withdrawn");
        }
    }
}

/// The handle of the user whose passkey `credential_id` is. A passkey registered before the
/// index moved to per-credential keys is found in the old table and copied forward, so
/// upgrading signs nobody out.
async fn credential_owner(
    store: &dyn Store,
    credential_id: &[u8],
) -> Result<Option<String>, ApiError> {
    let key = records::credential_key(credential_id)?;
    if let Some(bytes) = store.get(&key).await? {
        return Ok(String::from_utf8(bytes).ok());
    }
    let field = sha256_hex(credential_id);
    let Some(bytes) = store
        .config_get(&records::legacy_credentials()?, &field)
        .await?
    else {
        return Ok(None);
    };
    store.put_new(&key, &bytes, MAX_TTL).await?;
    Ok(String::from_utf8(bytes).ok())
}

/// Verifies a sign-in with one of the user's passkeys, without storing anything.
async fn verify_sign_in(
    state: &PasskeyService,
    client: &Client,
    lifecycle: &Lifecycle,
    body: &str,
    top_origin: &str,
) -> Result<Verified, ApiError> {
    let record = lifecycle.request();
    let response = ceremony::parse_authentication(body)?;
    let handle = credential_owner(state.store.as_ref(), response.raw_id())
        .await?
        .ok_or_else(unknown_credential)?;
    let user = state
        .load_user(&handle)
        .await?
        .ok_or_else(unknown_credential)?;
    // Never across clients; within one, the lifecycle's rule on other users' passkeys, checked
    // before verifying so the refusal reads the same whatever the signature.
    if user.client_id != client.id {
        return Err(unknown_credential());
    }
    lifecycle.check_signer(&handle).map_err(refused)?;
    let allowed: Vec<Vec<u8>> = user
        .passkeys
        .iter()
        .filter(|p| p.rp_id == record.domain)
        .map(|p| p.credential.id.clone())
        .collect();
    let passkey = user
        .passkeys
        .iter()
        .find(|p| p.rp_id == record.domain && p.credential.id == response.raw_id())
        .ok_or_else(unknown_credential)?;
    // A payment is confirmed on the page that asked for it: the page's origin is the
    // payment's top origin.
    let result = match ceremony::payment_request(record, allowed.clone(), top_origin) {
        Some(expected) => ceremony::verify_payment(
            record,
            &client.origins,
            &expected,
            &response,
            &passkey.credential,
        )?,
        None => ceremony::verify_authentication(
            record,
            &client.origins,
            &response,
            &passkey.credential,
            &allowed,
        )?,
    };
    Ok(Verified::Authentication {
        handle,
        credential_id: passkey.credential.id.clone(),
        result,
    })
}

/// Keeps the identity bound to `user` as long as the user record lives: both are rewritten
/// with a fresh ten-year lifetime at each change.
async fn refresh_identity(store: &dyn Store, user: &User, handle: &str) -> Result<(), ApiError> {
    let key = records::identity_key(&records::identity_field(
        &user.client_id,
        user.identity_type,
        &user.identity_value,
    ))?;
    let identity = records::Identity {
        user_handle: handle.to_owned(),
        user_id: user.user_id.clone(),
        pending_until: None,
    };
    store
        .put(&key, &store_records::encode(&identity)?, MAX_TTL)
        .await?;
    Ok(())
}

/// Records a redeemed sign-in on the passkey: its counter, backup state, last use.
async fn record_sign_in(
    state: &PasskeyService,
    handle: &str,
    credential_id: &[u8],
    result: &watchword_webauthn::Authentication,
    now: u64,
) -> Result<User, ApiError> {
    let store = state.store.as_ref();
    let key = records::user_key(handle)?;
    let user = store_records::transact(store, &key, "user", |stored: Option<User>| {
        let mut user = stored.ok_or_else(unknown_credential)?;
        let passkey = user
            .passkeys
            .iter_mut()
            .find(|p| p.credential.id == credential_id)
            .ok_or_else(unknown_credential)?;
        passkey.credential.update(result);
        passkey.last_used_at = Some(now);
        Ok((Change::Put(user.clone(), MAX_TTL), user))
    })
    .await?;
    refresh_identity(store, &user, handle).await?;
    // The passkey's claim lives as long as its user, rewritten with a fresh lifetime too.
    store
        .put(
            &records::credential_key(credential_id)?,
            handle.as_bytes(),
            MAX_TTL,
        )
        .await?;
    Ok(user)
}

async fn validate(state: Arc<PasskeyService>, request: Request) -> Result<Response, ApiError> {
    let store = state.store.as_ref();
    let client = state.client(&request).await?;
    let body = requests::parse_validate(request.body())?;
    state.limit(&VALIDATE_PER_CLIENT, &client.id).await?;
    let invalid = || {
        api_error(
            StatusCode::BAD_REQUEST,
            Some("invalid_token"),
            "the token is unknown, expired or used already",
        )
    };
    let key = records::token_key(&body.token)?;
    // Only the client the token was issued to may spend it.
    let stored = store.get(&key).await?.ok_or_else(invalid)?;
    let token: Token = store_records::decode(&stored, "token")?;
    if token.client_id != client.id {
        return Err(invalid());
    }
    store.take(&key).await?.ok_or_else(invalid)?;
    let now = state.clock.now().0;
    let time = |at: u64| watchword_token::timestamp::format(watchword_token::UnixTime(at));
    let device = device::parse(&token.user_agent);
    state.metrics.inc(
        "watchword_passkey_validations_total",
        "Tokens validated.",
        &[],
    );
    Ok(no_store(ok(&serde_json::json!({
        "token": body.token,
        "status": "SUCCESS",
        "userId": token.user_id,
        "timestamp": time(now),
        "identities": [{
            "identityType": token.identity_type,
            "identityValue": token.identity_value,
            "channel": "WEBAUTHN",
            "methods": ["WEBAUTHN"],
            "verified": true,
            "verifiedAt": time(token.verified_at),
            "type": token.ceremony.kind(),
        }],
        "network": { "ip": token.ip },
        "deviceInfo": device,
    }))))
}

/// The flags of `watchword-passkey` (it has none of its own yet: clients are managed with
/// `watchword client`).
#[derive(Debug, clap::Args)]
pub struct PasskeyArgs {}

impl watchword_http::Surface for PasskeyService {
    type State = PasskeyService;
    type Args = PasskeyArgs;
    const NAME: &'static str = SURFACE;
    const PORT: u16 = 8084;
    const SUMMARY: &'static str = "OTPless-compatible passkey (WebAuthn) sign-in";
    const OPENAPI: &'static str = OPENAPI;
    // WebAuthn refuses IP addresses as relying party ids: the demo runs on `localhost`.
    const DEMO: Option<watchword_http::DemoPage> = Some(watchword_http::DemoPage {
        path: "/passkey",
        host: Some("localhost"),
    });

    fn router() -> Router<Self> {
        router()
    }

    fn build(
        _: &PasskeyArgs,
        env: &watchword_http::Env,
    ) -> Result<App<PasskeyService>, watchword_http::BuildError> {
        Ok(PasskeyService::new(env.store.clone(), env.clock.clone()).app())
    }
}
