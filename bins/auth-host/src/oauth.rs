//! Sign-in with an OAuth provider: any OpenID Connect provider (discovery, authorization
//! code with PKCE, the ID token checked against the provider's key set) and GitHub's OAuth 2.
//!
//! `start` stores the flow under `oauth:{sha256(state)}` — provider, PKCE verifier, nonce,
//! where to return, and a hash of a random value it also sets in the flow's own
//! `oc_oauth_…` cookie — and redirects to the provider. `callback` checks the browser is the
//! one that started (the cookie), then takes the record (once: the first callback naming a
//! state spends it), exchanges the code and signs the person in like the other paths do.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use http::header::{HeaderValue, CACHE_CONTROL, LOCATION, SET_COOKIE};
use rand_core::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use watchword_http::RateLimit;
use watchword_http::{records, sha256_hex, ApiError, Request, Response, StatusCode};
use watchword_store::Key;

use crate::accounts::Identity;
use crate::idtoken::{self, Expect};
use crate::outbound::{form_encode, Outbound, OutboundError};
use crate::session::{establish, Proof};
use crate::{wants_add, AuthHost, SURFACE};

/// The prefix of the cookie binding a flow to the browser that started it: each flow has its
/// own, `oc_oauth_<12 hex digits of the state's hash>`, so sign-ins started in two tabs of one
/// browser both finish.
pub const FLOW_COOKIE: &str = "oc_oauth";
/// How long a flow may take, in seconds.
pub const FLOW_TTL: u64 = 600;
/// How long a provider's discovery document is reused, in seconds.
pub const METADATA_TTL: u64 = 3600;
/// How long a provider's key set is reused, in seconds (refetched early for an unknown key).
pub const JWKS_TTL: u64 = 300;
/// Flows started per client network and minute.
pub const START_PER_NETWORK: RateLimit = RateLimit::per_minute("oauth-start-network", 30);

/// Why a provider could not be configured.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// A `--oidc` value that is not `NAME=ISSUER_URL`, or a bad name.
    #[error("--oidc {0:?}: use NAME=ISSUER_URL with a name of a-z, 0-9 and -")]
    Flag(String),
    /// The issuer URL.
    #[error("provider {name}: {source}")]
    Issuer {
        /// The provider.
        name: String,
        /// What is wrong.
        source: OutboundError,
    },
    /// A credential variable is missing.
    #[error("provider {name}: set {variable}")]
    MissingCredential {
        /// The provider.
        name: String,
        /// The environment variable.
        variable: String,
    },
    /// Two providers of one name.
    #[error("two providers are named {0}")]
    Duplicate(String),
    /// TLS set-up of the client.
    #[error(transparent)]
    Client(#[from] OutboundError),
}

#[derive(Debug, Clone)]
enum Kind {
    Oidc { issuer: String },
    GitHub,
}

type Cached = Mutex<Option<(u64, Arc<Value>)>>;

/// One configured provider.
#[derive(Debug)]
pub struct Provider {
    name: String,
    kind: Kind,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    metadata: Cached,
    jwks: Cached,
}

/// The configured providers.
#[derive(Debug, Default)]
pub struct Providers {
    list: Vec<Provider>,
    outbound: Option<Outbound>,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Providers {
    /// No provider.
    pub fn none() -> Self {
        Self::default()
    }

    /// The providers of the `--oidc` and `--github` flags, with credentials from
    /// `WATCHWORD_OAUTH_<NAME>_CLIENT_ID` / `_CLIENT_SECRET` read through `env`.
    ///
    /// # Errors
    /// [`ProviderError`] for a malformed flag, a missing variable or a bad issuer URL.
    pub fn from_flags(
        oidc: &[String],
        github: bool,
        public_url: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ProviderError> {
        let mut providers = Self::none();
        let credentials = |name: &str| -> Result<(String, String), ProviderError> {
            let prefix = format!("WATCHWORD_OAUTH_{}", name.to_uppercase().replace('-', "_"));
            let get = |suffix: &str| {
                let variable = format!("{prefix}_{suffix}");
                env(&variable)
                    .filter(|v| !v.is_empty())
                    .ok_or(ProviderError::MissingCredential {
                        name: name.to_owned(),
                        variable,
                    })
            };
            Ok((get("CLIENT_ID")?, get("CLIENT_SECRET")?))
        };
        for flag in oidc {
            let (name, issuer) = flag
                .split_once('=')
                .filter(|(name, _)| valid_name(name) && *name != "github")
                .ok_or_else(|| ProviderError::Flag(flag.clone()))?;
            let (id, secret) = credentials(name)?;
            providers.add_oidc(name, issuer, &id, &secret, public_url)?;
        }
        if github {
            let (id, secret) = credentials("github")?;
            providers.add(Provider::new(
                "github",
                Kind::GitHub,
                &id,
                &secret,
                public_url,
            ))?;
        }
        Ok(providers)
    }

    /// Adds an OpenID Connect provider named `name` at `issuer`.
    ///
    /// # Errors
    /// [`ProviderError`] for a bad name or issuer URL, or a name taken.
    pub fn add_oidc(
        &mut self,
        name: &str,
        issuer: &str,
        client_id: &str,
        client_secret: &str,
        public_url: &str,
    ) -> Result<(), ProviderError> {
        if !valid_name(name) {
            return Err(ProviderError::Flag(name.to_owned()));
        }
        crate::outbound::check_url(issuer).map_err(|source| ProviderError::Issuer {
            name: name.to_owned(),
            source,
        })?;
        let kind = Kind::Oidc {
            issuer: issuer.to_owned(),
        };
        self.add(Provider::new(
            name,
            kind,
            client_id,
            client_secret,
            public_url,
        ))
    }

    fn add(&mut self, provider: Provider) -> Result<(), ProviderError> {
        if self.list.iter().any(|p| p.name == provider.name) {
            return Err(ProviderError::Duplicate(provider.name));
        }
        if self.outbound.is_none() {
            self.outbound = Some(Outbound::new()?);
        }
        self.list.push(provider);
        Ok(())
    }

    fn get(&self, name: &str) -> Result<(&Provider, &Outbound), ApiError> {
        match (self.list.iter().find(|p| p.name == name), &self.outbound) {
            (Some(provider), Some(outbound)) => Ok((provider, outbound)),
            _ => Err(
                ApiError::not_found(format!("no provider {name:?} is configured"))
                    .with_code("provider_unknown"),
            ),
        }
    }

    /// The names of the configured providers.
    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(|p| p.name.as_str()).collect()
    }
}

fn unavailable(name: &str, error: &dyn std::fmt::Display) -> ApiError {
    tracing::warn!(provider = name, %error, "oauth provider call");
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "provider_unavailable",
        format!("the {name} sign-in service did not answer as expected: try again later"),
    )
}

impl Provider {
    fn new(name: &str, kind: Kind, client_id: &str, client_secret: &str, public_url: &str) -> Self {
        Self {
            name: name.to_owned(),
            kind,
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            redirect_uri: format!(
                "{}/api/auth/{name}/callback",
                public_url.trim_end_matches('/')
            ),
            metadata: Mutex::new(None),
            jwks: Mutex::new(None),
        }
    }

    fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Oidc { .. } => "oidc",
            Kind::GitHub => "github",
        }
    }

    async fn cached(
        &self,
        cache: &Cached,
        ttl: u64,
        now: u64,
        fetch: impl std::future::Future<Output = Result<Value, OutboundError>>,
    ) -> Result<Arc<Value>, ApiError> {
        if let Some((at, value)) = cache.lock().ok().and_then(|c| c.clone()) {
            if now < at + ttl {
                return Ok(value);
            }
        }
        let value = Arc::new(fetch.await.map_err(|e| unavailable(&self.name, &e))?);
        if let Ok(mut cache) = cache.lock() {
            *cache = Some((now, value.clone()));
        }
        Ok(value)
    }

    /// The provider's discovery document, checked to name the configured issuer.
    async fn metadata(&self, outbound: &Outbound, now: u64) -> Result<Arc<Value>, ApiError> {
        let Kind::Oidc { issuer } = &self.kind else {
            return Err(ApiError::internal());
        };
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let metadata = self
            .cached(
                &self.metadata,
                METADATA_TTL,
                now,
                outbound.get_json(&url, None),
            )
            .await?;
        if metadata.get("issuer").and_then(Value::as_str) != Some(issuer.as_str()) {
            if let Ok(mut cache) = self.metadata.lock() {
                *cache = None;
            }
            return Err(unavailable(
                &self.name,
                &"the discovery document names another issuer",
            ));
        }
        Ok(metadata)
    }

    fn endpoint<'m>(&self, metadata: &'m Value, name: &str) -> Result<&'m str, ApiError> {
        metadata.get(name).and_then(Value::as_str).ok_or_else(|| {
            unavailable(&self.name, &format!("the discovery document has no {name}"))
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Flow {
    provider: String,
    verifier: String,
    nonce: String,
    binding_sha256: String,
    add: bool,
    return_to: String,
}

fn flow_key(state: &str) -> Result<Key, ApiError> {
    Key::new(SURFACE, "oauth", &sha256_hex(state.as_bytes())).map_err(|_| ApiError::internal())
}

fn random_b64(state: &AuthHost, n: usize) -> String {
    let mut bytes = vec![0u8; n];
    state.rng.clone().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `GET /api/auth/providers`: `{providers: [{name, kind, start}]}`.
pub async fn list(state: Arc<AuthHost>, _: Request) -> Result<Response, ApiError> {
    let providers: Vec<Value> = state
        .providers
        .list
        .iter()
        .map(|p| {
            serde_json::json!({
                "name": p.name,
                "kind": p.kind_name(),
                "start": format!("/api/auth/{}/start", p.name),
            })
        })
        .collect();
    Ok(watchword_http::ok(
        &serde_json::json!({ "providers": providers }),
    ))
}

/// Where the browser goes after the callback: a path on the host, or a URL on an origin of
/// the family; the host's root by default.
fn return_to(state: &AuthHost, request: &Request) -> Result<String, ApiError> {
    let Some(target) = request.query("return_to") else {
        return Ok(format!("{}/", state.settings.public_url));
    };
    let path_ok = target.starts_with('/') && !target.starts_with("//") && !target.contains('\\');
    if path_ok {
        return Ok(format!("{}{target}", state.settings.public_url));
    }
    let origin = crate::origin_of(&target);
    let after = &target[origin.len().min(target.len())..];
    if state.settings.origins.contains(&origin) && (after.is_empty() || after.starts_with('/')) {
        return Ok(target);
    }
    Err(ApiError::bad_request(
        "return_to_not_allowed",
        "return_to must be a path on this host or a URL on a site of its family",
    ))
}

/// `GET /api/auth/{provider}/start` (`?add=1`, `?return_to=`): redirects to the provider.
pub async fn start(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    let name = request.param("provider")?.to_owned();
    let (provider, outbound) = state.providers.get(&name)?;
    let add = wants_add(&request)?;
    let return_to = return_to(&state, &request)?;
    START_PER_NETWORK
        .check(&*state.store, SURFACE, &request.client_network())
        .await?;
    let now = state.clock.now().0;
    let flow_state = random_b64(&state, 32);
    let nonce = random_b64(&state, 24);
    let verifier = random_b64(&state, 32);
    let binding = random_b64(&state, 24);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(<sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes()));
    let (endpoint, scope) = match &provider.kind {
        Kind::Oidc { .. } => {
            let metadata = provider.metadata(outbound, now).await?;
            (
                provider
                    .endpoint(&metadata, "authorization_endpoint")?
                    .to_owned(),
                "openid email profile",
            )
        }
        Kind::GitHub => (
            "https://github.com/login/oauth/authorize".to_owned(),
            "read:user",
        ),
    };
    let flow = Flow {
        provider: name.clone(),
        verifier,
        nonce: nonce.clone(),
        binding_sha256: sha256_hex(binding.as_bytes()),
        add,
        return_to,
    };
    state
        .store
        .put(
            &flow_key(&flow_state)?,
            &records::encode(&flow)?,
            Duration::from_secs(FLOW_TTL),
        )
        .await?;
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", provider.client_id.as_str()),
        ("redirect_uri", provider.redirect_uri.as_str()),
        ("scope", scope),
        ("state", flow_state.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    if matches!(provider.kind, Kind::Oidc { .. }) {
        query.push(("nonce", nonce.as_str()));
    }
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    let location = format!("{endpoint}{separator}{}", form_encode(&query));
    let mut response = watchword_http::full(StatusCode::FOUND, "");
    let headers = response.headers_mut();
    headers.insert(
        LOCATION,
        HeaderValue::from_str(&location).map_err(|_| ApiError::internal())?,
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let cookie = flow_cookie(&state, &flow_state, &binding, FLOW_TTL);
    headers.append(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|_| ApiError::internal())?,
    );
    Ok(response)
}

/// The name of the cookie of the flow with `flow_state`.
fn flow_cookie_name(flow_state: &str) -> String {
    format!("{FLOW_COOKIE}_{}", &sha256_hex(flow_state.as_bytes())[..12])
}

fn flow_cookie(state: &AuthHost, flow_state: &str, value: &str, max_age: u64) -> String {
    crate::flow_cookie(state, &flow_cookie_name(flow_state), value, max_age)
}

fn flow_error(code: &'static str, message: &str) -> ApiError {
    ApiError::bad_request(code, message.to_owned())
}

/// `GET /api/auth/{provider}/callback?code=&state=`: finishes the flow, sets the session
/// cookie and redirects to where the flow was asked to return.
pub async fn callback(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    let name = request.param("provider")?.to_owned();
    let (provider, outbound) = state.providers.get(&name)?;
    let flow_state = request.query("state").ok_or_else(|| {
        flow_error(
            "oauth_state_unknown",
            "the callback has no state: start the sign-in again",
        )
    })?;
    let key = flow_key(&flow_state)?;
    let unknown = || {
        flow_error(
            "oauth_state_unknown",
            "this sign-in expired or was already finished: start it again",
        )
    };
    let flow: Flow = match state.store.get(&key).await? {
        Some(bytes) => records::decode(&bytes, "oauth flow")?,
        None => return Err(unknown()),
    };
    if flow.provider != name {
        return Err(unknown());
    }
    // The browser is checked before the state is spent, so a callback URL replayed from
    // elsewhere cannot burn the rightful browser's sign-in.
    let cookie_name = flow_cookie_name(&flow_state);
    let binding = crate::session::cookie(&request, &cookie_name).unwrap_or("");
    let same_browser: bool = subtle::ConstantTimeEq::ct_eq(
        sha256_hex(binding.as_bytes()).as_bytes(),
        flow.binding_sha256.as_bytes(),
    )
    .into();
    if !same_browser {
        return Err(ApiError::forbidden(
            "this sign-in was started in another browser: start it again here",
        )
        .with_code("oauth_browser_mismatch"));
    }
    // Taken, not just read: of any number of callbacks naming a state, one goes on.
    if state.store.take(&key).await?.is_none() {
        return Err(unknown());
    }
    if let Some(error) = request.query("error") {
        let error: String = error
            .chars()
            .filter(char::is_ascii_graphic)
            .take(64)
            .collect();
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "oauth_denied",
            format!("the provider did not sign you in ({error})"),
        ));
    }
    let code = request
        .query("code")
        .ok_or_else(|| flow_error("invalid_request", "the callback has no code"))?;
    let now = state.clock.now().0;
    let identity = match &provider.kind {
        Kind::Oidc { issuer } => {
            // RFC 9207: when the provider names itself, it must be the one the flow went to.
            if request.query("iss").is_some_and(|iss| &iss != issuer) {
                return Err(flow_error(
                    "oauth_issuer_mismatch",
                    "the callback names another issuer",
                ));
            }
            oidc_identity(provider, outbound, issuer, &code, &flow, now).await?
        }
        Kind::GitHub => github_identity(provider, outbound, &code, &flow).await?,
    };
    let proof = Proof {
        at: Some(state.clock.now()),
        ..Proof::default()
    };
    let signed_in = establish(&state, &request, &identity, flow.add, proof).await?;
    // The browser arrived by navigation: send it on, with the cookies establish set.
    let mut response = watchword_http::full(StatusCode::SEE_OTHER, "");
    for value in signed_in.headers().get_all(SET_COOKIE) {
        response.headers_mut().append(SET_COOKIE, value.clone());
    }
    let headers = response.headers_mut();
    headers.append(
        SET_COOKIE,
        HeaderValue::from_str(&flow_cookie(&state, &flow_state, "", 0))
            .map_err(|_| ApiError::internal())?,
    );
    headers.insert(
        LOCATION,
        HeaderValue::from_str(&flow.return_to).map_err(|_| ApiError::internal())?,
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The identity an OpenID Connect provider vouches for: the code exchanged (with the PKCE
/// verifier) for an ID token, verified against the provider's key set.
async fn oidc_identity(
    provider: &Provider,
    outbound: &Outbound,
    issuer: &str,
    code: &str,
    flow: &Flow,
    now: u64,
) -> Result<Identity, ApiError> {
    let name = &provider.name;
    let metadata = provider.metadata(outbound, now).await?;
    let token_endpoint = provider.endpoint(&metadata, "token_endpoint")?;
    let tokens = outbound
        .post_form(
            token_endpoint,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &provider.redirect_uri),
                ("code_verifier", &flow.verifier),
            ],
            Some((&provider.client_id, &provider.client_secret)),
        )
        .await
        .map_err(|e| unavailable(name, &e))?;
    let id_token = tokens
        .get("id_token")
        .and_then(Value::as_str)
        .ok_or_else(|| unavailable(name, &"the token response has no id_token"))?;
    let jwks_uri = provider.endpoint(&metadata, "jwks_uri")?.to_owned();
    let expect = Expect {
        issuer,
        client_id: &provider.client_id,
        nonce: &flow.nonce,
        now,
        leeway: 60,
    };
    let jwks = provider
        .cached(
            &provider.jwks,
            JWKS_TTL,
            now,
            outbound.get_json(&jwks_uri, None),
        )
        .await?;
    let claims = match idtoken::verify(id_token, &jwks, &expect) {
        Err(idtoken::IdTokenError::NoKey) => {
            // The provider may have rotated: read its key set again, once.
            let fresh = provider
                .cached(&provider.jwks, 0, now, outbound.get_json(&jwks_uri, None))
                .await?;
            idtoken::verify(id_token, &fresh, &expect)
        }
        other => other,
    }
    .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, e.code(), e.to_string()))?;
    Ok(Identity::OAuth {
        provider: name.clone(),
        subject: claims.sub,
        name: claims.name,
    })
}

/// The identity GitHub vouches for: the code exchanged for an access token, then the user.
async fn github_identity(
    provider: &Provider,
    outbound: &Outbound,
    code: &str,
    flow: &Flow,
) -> Result<Identity, ApiError> {
    let name = &provider.name;
    let tokens = outbound
        .post_form(
            "https://github.com/login/oauth/access_token",
            &[
                ("client_id", &provider.client_id),
                ("client_secret", &provider.client_secret),
                ("code", code),
                ("redirect_uri", &provider.redirect_uri),
                ("code_verifier", &flow.verifier),
            ],
            None,
        )
        .await
        .map_err(|e| unavailable(name, &e))?;
    let access = tokens
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| unavailable(name, &"the token response has no access_token"))?;
    let user = outbound
        .get_json("https://api.github.com/user", Some(access))
        .await
        .map_err(|e| unavailable(name, &e))?;
    let id = user
        .get("id")
        .and_then(Value::as_u64)
        .ok_or_else(|| unavailable(name, &"the user has no id"))?;
    let display = user
        .get("name")
        .and_then(Value::as_str)
        .or_else(|| user.get("login").and_then(Value::as_str))
        .map(str::to_owned);
    Ok(Identity::OAuth {
        provider: name.clone(),
        subject: id.to_string(),
        name: display,
    })
}
