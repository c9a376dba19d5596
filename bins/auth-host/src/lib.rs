//! The `auth-host` surface: a sign-in host for a family of sites, compatible with
//! OrangeCheck's auth host. People sign in once here — with a Bitcoin wallet (BIP-322), an
//! email code or an OAuth provider — and get an `oc_session` cookie: an Ed25519-signed JWT
//! that every site of the family verifies locally against the host's JWK Set, with no call
//! back.
//!
//! ```text
//! browser ── GET /api/challenge?addr=… ──► {message, nonce, expiresAt}    (wallet signs message)
//!         ── POST /api/auth/signin {address, message, signature, nonce} ──► Set-Cookie: oc_session
//!         ── POST /api/auth/email-otp/start {email} … /verify {email, code} ──► Set-Cookie
//!         ── GET /api/auth/{provider}/start ──► provider ──► /callback ──► Set-Cookie
//! family site: verifies oc_session with /api/auth/jwks (watchword-session, or any JOSE library)
//! ```
//!
//! Every sign-in path ends in [`session::establish`]: the account is found or created from
//! the identity proved, a session is signed, and the browser's roster of up to five accounts
//! is updated with one compare-and-swap. See `docs/auth-host.md` for the integration guide.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::sync::{Arc, Mutex};

use watchword_http::clients::Clients;
use watchword_http::{
    ok, ApiError, App, Clock, Cors, Metrics, Request, Response, Rng, Router, StatusCode, UnixTime,
};
use watchword_session::bip322::{Bip322Verifier, Network};
use watchword_session::CookieOptions;
use watchword_store::Store;

pub mod accounts;
pub mod connect;
pub mod email;
pub mod idtoken;
pub mod keys;
pub use watchword_mail as mail;
pub mod oauth;
pub mod outbound;
pub mod public;
pub mod session;
pub mod wallet;

/// The surface name: store keys, metrics, client registry.
pub const SURFACE: &str = "auth-host";
/// The client role of an integrator's app calling `/api/connect/provision`.
pub const ROLE_CONNECT: &str = "connect";
/// The `OpenAPI` document, also committed as `docs/auth-host.openapi.json`.
pub const OPENAPI: &str = include_str!("../../../docs/auth-host.openapi.json");

/// The surface's shared state.
pub struct AuthHost {
    store: Arc<dyn Store>,
    clock: Clock,
    rng: Rng,
    keys: keys::Keys,
    settings: Settings,
    wallet: Bip322Verifier,
    mailer: mail::Mailer,
    providers: oauth::Providers,
    clients: Clients,
    stats: Mutex<Option<(UnixTime, Arc<serde_json::Value>)>>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for AuthHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthHost")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// What an operator decides about a host.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The host's own origin (`https://auth.example.com`): the `iss` of sessions, and the one
    /// origin `/api/contact` accepts.
    pub public_url: String,
    /// The origins of the family's sites: credentialed CORS and the CSRF check of
    /// state-changing calls. The host's own origin is always included.
    pub origins: Vec<String>,
    /// The session cookie's attributes.
    pub cookie: CookieOptions,
    /// How long a session lives, in seconds.
    pub session_lifetime: u64,
    /// How long a wallet challenge is valid, in seconds.
    pub challenge_ttl: u64,
    /// Where `/api/contact` messages go; `None` turns the form off.
    pub contact_to: Option<String>,
    /// SHA-256 of the operator token that manages Connect apps; `None` turns that API off.
    pub operator_token_sha256: Option<String>,
}

impl Settings {
    /// Settings for a host at `public_url` serving sites at `origins`, with the defaults of
    /// the flags.
    pub fn new(public_url: &str, origins: &[String]) -> Self {
        let mut all = vec![origin_of(public_url)];
        for origin in origins {
            if !all.contains(origin) {
                all.push(origin.clone());
            }
        }
        let lifetime = watchword_session::DEFAULT_SESSION_LIFETIME;
        let mut cookie = CookieOptions::new(lifetime);
        if is_loopback_http(public_url) {
            cookie = cookie.without_secure();
        }
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            origins: all,
            cookie,
            session_lifetime: lifetime,
            challenge_ttl: watchword_session::DEFAULT_CHALLENGE_TTL,
            contact_to: None,
            operator_token_sha256: None,
        }
    }

    /// The host's own origin.
    pub fn own_origin(&self) -> String {
        origin_of(&self.public_url)
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

/// Whether `url` is plain HTTP on a loopback host, where browsers refuse `Secure` cookies.
fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    // Browsers resolve every `*.localhost` name to loopback themselves (RFC 6761).
    host.ends_with(".localhost") || outbound::is_loopback_host(host)
}

/// Why a host could not be configured.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The signing keys.
    #[error(transparent)]
    Keys(#[from] keys::KeyError),
    /// The mail settings.
    #[error(transparent)]
    Mail(#[from] mail::MailError),
    /// An OAuth provider's settings.
    #[error(transparent)]
    OAuth(#[from] oauth::ProviderError),
    /// A flag's value.
    #[error("{0}")]
    Invalid(String),
    /// The store refused the surface's key names (a bug).
    #[error("store keys: {0}")]
    Store(#[from] watchword_store::Error),
}

impl AuthHost {
    /// A host on `store` signing with `keys`.
    ///
    /// # Errors
    /// When the surface's client table name is refused (a bug).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn Store>,
        keys: keys::Keys,
        settings: Settings,
        network: Network,
        mailer: mail::Mailer,
        providers: oauth::Providers,
        clock: Clock,
        rng: Rng,
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            store,
            clock,
            rng,
            keys,
            settings,
            wallet: Bip322Verifier::new(network),
            mailer,
            providers,
            clients: Clients::new(SURFACE)?,
            stats: Mutex::new(None),
            metrics: Arc::new(Metrics::new()),
        })
    }

    /// The Connect apps registry (`watchword client add --surface auth-host --role connect`).
    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    /// The host's settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The mailer (the dev outbox reads it).
    pub fn mailer(&self) -> &mail::Mailer {
        &self.mailer
    }

    /// The public keys sessions verify with.
    pub fn jwks_json(&self) -> String {
        self.keys.current().jwks_json().to_owned()
    }

    /// The app serving this surface's routes.
    pub fn app(self) -> App<Self> {
        let (store, metrics) = (self.store.clone(), self.metrics.clone());
        <Self as watchword_http::Surface>::app(self, store, metrics).cors_credentials(true)
    }

    fn network(&self) -> Network {
        self.wallet.network()
    }
}

/// The flags of `watchword-auth-host`.
#[derive(Debug, clap::Args)]
pub struct AuthHostArgs {
    /// The host's public URL (`https://auth.example.com`): session `iss`, OAuth redirect
    /// base [default: http://<listen>].
    #[arg(long, env = "WATCHWORD_AUTH_HOST_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// An origin of the family (`https://shop.example.com`); repeat, or separate with commas.
    #[arg(
        long = "origin",
        env = "WATCHWORD_AUTH_HOST_ORIGINS",
        value_delimiter = ','
    )]
    pub origins: Vec<String>,
    /// Cookie `Domain` shared by the family (`example.com`); host-only when absent.
    #[arg(long, env = "WATCHWORD_AUTH_HOST_COOKIE_DOMAIN")]
    pub cookie_domain: Option<String>,
    /// Key-set file of private Ed25519 JWKs, newest first (`watchword keys rotate --file F`
    /// creates and rotates it). Without it a key is generated at start and sessions stop
    /// verifying at restart.
    #[arg(long, env = "WATCHWORD_AUTH_HOST_KEYS", value_name = "FILE")]
    pub keys: Option<std::path::PathBuf>,
    /// Session lifetime in seconds (300 to 90 days).
    #[arg(long, env = "WATCHWORD_AUTH_HOST_SESSION_LIFETIME", default_value_t = watchword_session::DEFAULT_SESSION_LIFETIME,
          value_parser = clap::value_parser!(u64).range(300..=7_776_000))]
    pub session_lifetime: u64,
    /// Bitcoin network of wallet addresses: bitcoin, testnet, testnet4, signet, regtest.
    #[arg(long, env = "WATCHWORD_AUTH_HOST_NETWORK", default_value = "bitcoin")]
    pub network: String,
    /// SMTP server for email codes and the contact form: `smtp://host:587` (STARTTLS
    /// required), `smtps://host:465`, `smtp://user:pass@host`; `smtp://host:25?tls=none` only
    /// on a trusted network. Without it, mail is written to the log.
    #[arg(long, env = "WATCHWORD_AUTH_HOST_SMTP", hide_env_values = true)]
    pub smtp: Option<String>,
    /// The From address of mail.
    #[arg(
        long,
        env = "WATCHWORD_AUTH_HOST_MAIL_FROM",
        default_value = "Watchword <no-reply@localhost>"
    )]
    pub mail_from: String,
    /// Where contact-form messages go; the form answers 503 without it.
    #[arg(long, env = "WATCHWORD_AUTH_HOST_CONTACT_TO")]
    pub contact_to: Option<String>,
    /// The operator token that manages Connect apps at /api/connect/apps (at least 32
    /// characters); that API answers 503 without it.
    #[arg(
        long,
        env = "WATCHWORD_AUTH_HOST_OPERATOR_TOKEN",
        hide_env_values = true
    )]
    pub operator_token: Option<String>,
    /// An OpenID Connect provider: `NAME=ISSUER_URL` (`google=https://accounts.google.com`);
    /// its client id and secret come from `WATCHWORD_OAUTH_<NAME>_CLIENT_ID` and
    /// `WATCHWORD_OAUTH_<NAME>_CLIENT_SECRET`. Repeatable.
    #[arg(long = "oidc", env = "WATCHWORD_AUTH_HOST_OIDC", value_delimiter = ',')]
    pub oidc: Vec<String>,
    /// Offer GitHub sign-in; the client id and secret come from `WATCHWORD_OAUTH_GITHUB_CLIENT_ID`
    /// and `WATCHWORD_OAUTH_GITHUB_CLIENT_SECRET`.
    #[arg(long, env = "WATCHWORD_AUTH_HOST_GITHUB")]
    pub github: bool,
}

fn parse_network(name: &str) -> Result<Network, ConfigError> {
    match name {
        "bitcoin" | "mainnet" => Ok(Network::Bitcoin),
        "testnet" => Ok(Network::Testnet),
        "testnet4" => Ok(Network::Testnet4),
        "signet" => Ok(Network::Signet),
        "regtest" => Ok(Network::Regtest),
        other => Err(ConfigError::Invalid(format!(
            "unknown network {other:?}: use bitcoin, testnet, testnet4, signet or regtest"
        ))),
    }
}

impl AuthHostArgs {
    /// The settings these flags describe, for a host listening on `listen`.
    ///
    /// # Errors
    /// For an origin that is not `scheme://host[:port]`, a bad cookie domain or a short
    /// operator token.
    pub fn settings(&self, listen: std::net::SocketAddr) -> Result<Settings, ConfigError> {
        let public_url = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{listen}"));
        if !public_url.starts_with("https://") && !public_url.starts_with("http://") {
            return Err(ConfigError::Invalid(format!(
                "--public-url {public_url:?} is not an http(s) URL"
            )));
        }
        for origin in &self.origins {
            if !watchword_http::clients::is_origin(origin) {
                return Err(ConfigError::Invalid(format!(
                    "--origin {origin:?} is not scheme://host[:port]"
                )));
            }
        }
        let mut settings = Settings::new(&public_url, &self.origins);
        settings.session_lifetime = self.session_lifetime;
        let mut cookie = CookieOptions::new(self.session_lifetime);
        if let Some(domain) = &self.cookie_domain {
            cookie = cookie
                .domain(domain)
                .map_err(|e| ConfigError::Invalid(format!("--cookie-domain: {e}")))?;
        }
        if is_loopback_http(&public_url) {
            cookie = cookie.without_secure();
        }
        settings.cookie = cookie;
        settings.contact_to.clone_from(&self.contact_to);
        if let Some(token) = &self.operator_token {
            if token.len() < 32 {
                return Err(ConfigError::Invalid(
                    "the operator token must be at least 32 characters".into(),
                ));
            }
            settings.operator_token_sha256 = Some(watchword_http::sha256_hex(token.as_bytes()));
        }
        Ok(settings)
    }
}

impl watchword_http::Surface for AuthHost {
    type State = AuthHost;
    type Args = AuthHostArgs;
    const NAME: &'static str = SURFACE;
    const PORT: u16 = 8083;
    const SUMMARY: &'static str =
        "sign-in host: wallet, email code and OAuth sign-in, Ed25519 session cookies (OrangeCheck compatible)";
    const OPENAPI: &'static str = OPENAPI;
    const DEMO: Option<watchword_http::DemoPage> = Some(watchword_http::DemoPage {
        path: "/auth",
        host: Some("localhost"),
    });

    fn router() -> Router<Self> {
        router()
    }

    fn build(
        args: &AuthHostArgs,
        env: &watchword_http::Env,
    ) -> Result<App<AuthHost>, watchword_http::BuildError> {
        let settings = args.settings(env.listen)?;
        let network = parse_network(&args.network)?;
        let keys = if let Some(path) = &args.keys {
            keys::Keys::from_file(path, &settings.public_url, settings.session_lifetime)
                .map_err(ConfigError::from)?
        } else {
            tracing::warn!("no --keys file: sessions are signed with a key made at start and stop verifying at restart");
            let set = keys::KeySet::generate(&mut env.rng.clone());
            keys::Keys::fixed(
                set.issuer(&settings.public_url, settings.session_lifetime)
                    .map_err(ConfigError::from)?,
            )
            .map_err(ConfigError::from)?
        };
        let mailer = if let Some(url) = &args.smtp {
            mail::Mailer::smtp(url, &args.mail_from).map_err(ConfigError::from)?
        } else {
            tracing::warn!(
                "no --smtp server: sign-in codes and contact messages are written to the log"
            );
            mail::Mailer::log(&args.mail_from).map_err(ConfigError::from)?
        };
        let providers =
            oauth::Providers::from_flags(&args.oidc, args.github, &settings.public_url, |name| {
                std::env::var(name).ok()
            })
            .map_err(ConfigError::from)?;
        Ok(AuthHost::new(
            env.store.clone(),
            keys,
            settings,
            network,
            mailer,
            providers,
            env.clock.clone(),
            env.rng.clone(),
        )?
        .app())
    }
}

/// Every origin of the family: credentialed CORS and the CSRF check.
async fn family(
    state: Arc<AuthHost>,
    _: watchword_http::Params,
    origin: String,
) -> Result<bool, ApiError> {
    Ok(state.settings.origins.contains(&origin))
}

/// The routes of the surface.
pub fn router() -> Router<AuthHost> {
    let mut router = Router::new()
        .safe_get("/api/auth/jwks", session::jwks)
        .safe_get("/.well-known/jwks.json", session::jwks)
        .safe_get("/api/auth/me", session::me)
        .post("/api/auth/logout", session::logout)
        .post("/api/auth/switch", session::switch)
        .safe_get("/api/auth/account", session::account)
        .route(
            http::Method::PATCH,
            "/api/auth/account",
            session::update_account,
        )
        // A GET that stores the issued challenge: the contract's shape. No HEAD, no caching.
        .get("/api/challenge", wallet::issue)
        .post("/api/challenge", wallet::verify)
        .post("/api/auth/signin", wallet::sign_in)
        .post("/api/auth/email-otp/start", email::start)
        .post("/api/auth/email-otp/verify", email::verify)
        .safe_get("/api/auth/providers", oauth::list)
        .get("/api/auth/{provider}/start", oauth::start)
        .get("/api/auth/{provider}/callback", oauth::callback)
        .post("/api/connect/provision", connect::provision)
        .safe_get("/api/connect/apps", connect::list_apps)
        .post("/api/connect/apps", connect::create_app)
        .route(
            http::Method::DELETE,
            "/api/connect/apps/{id}",
            connect::remove_app,
        )
        .safe_get("/api/family-stats", public::family_stats)
        .post("/api/contact", public::contact)
        .safe_get("/api/openapi", public::openapi)
        .safe_get("/api-explorer", public::explorer)
        .safe_get("/api-explorer.js", public::explorer_script);
    for pattern in [
        "/api/auth/me",
        "/api/auth/logout",
        "/api/auth/switch",
        "/api/auth/account",
        "/api/challenge",
        "/api/auth/signin",
        "/api/auth/email-otp/start",
        "/api/auth/email-otp/verify",
        "/api/auth/providers",
        "/api/family-stats",
    ] {
        router = router.cors(pattern, Cors::check(family));
    }
    router.cors(
        "/api/contact",
        Cors::check(|state: Arc<AuthHost>, _, origin: String| {
            std::future::ready(Ok(origin == state.settings.own_origin()))
        }),
    )
}

/// `?add=1` (or `true`): add the account to the browser's roster instead of replacing it.
fn wants_add(request: &Request) -> Result<bool, ApiError> {
    match request.query("add").as_deref() {
        None | Some("0" | "false") => Ok(false),
        Some("1" | "true") => Ok(true),
        Some(other) => Err(ApiError::bad_request(
            "invalid_request",
            format!("add must be 1 or 0, not {other:?}"),
        )),
    }
}

/// A JSON answer that no cache keeps.
fn private_ok<T: serde::Serialize + ?Sized>(value: &T) -> Response {
    let mut response = ok(value);
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    response
}

/// A short-lived cookie of one sign-in flow (`oc_oauth_…`, `oc_otp`): host-only, for the
/// `/api/auth/` paths that read it, `HttpOnly`, `SameSite=Lax`, and `Secure` when the session
/// cookie is. An empty `value` with `max_age` 0 removes it.
fn flow_cookie(state: &AuthHost, name: &str, value: &str, max_age: u64) -> String {
    let secure = if state.settings.cookie.is_secure() {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/api/auth/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// 128 random bits as 32 hex digits: browser handles, email-code transaction ids, account
/// ids.
fn random_hex(rng: &mut impl rand_core::RngCore) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    watchword_http::hex(&bytes)
}

/// `401 not_signed_in`.
fn not_signed_in() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "not_signed_in", "sign in first")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_http_is_recognised() {
        assert!(is_loopback_http("http://localhost:8083"));
        assert!(is_loopback_http("http://127.0.0.1:8083/"));
        assert!(is_loopback_http("http://[::1]:8083"));
        assert!(is_loopback_http("http://auth.localhost"));
        assert!(!is_loopback_http("https://localhost:8083"));
        assert!(!is_loopback_http("http://auth.example.com"));
        assert!(!is_loopback_http("http://localhost.example.com"));
    }

    #[test]
    fn the_own_origin_is_always_in_the_family() {
        let settings = Settings::new(
            "https://auth.example.com/",
            &["https://shop.example.com".into()],
        );
        assert_eq!(settings.own_origin(), "https://auth.example.com");
        assert_eq!(
            settings.origins,
            ["https://auth.example.com", "https://shop.example.com"]
        );
        assert!(settings.cookie.set_cookie("t").contains("Secure"));
        let dev = Settings::new("http://localhost:8083", &[]);
        assert!(!dev.cookie.set_cookie("t").contains("Secure"));
    }
}
