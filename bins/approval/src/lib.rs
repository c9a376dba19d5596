//! The `approval` surface: out-of-band approval compatible with the OtpOne API.
//!
//! A partner's server asks for a transaction (`getTransactionID`, `SendRequest`), the customer
//! answers on an enrolled phone (the approver app at `/device`), and the partner reads a
//! verifiable answer (`VerifyToken`, `IsFinish`/`GetResult`, or `SendRequest`'s reply).
//!
//! ```text
//! partner server (SRV- key)      approval                          customer's phone (/device)
//! getTransactionID ─────────────► transaction + number ───────────► pending request (long poll)
//! GetHTML ──► snippet in the partner's page, which shows the number
//!                                ◄───────── decide: approve + number picked, signed by the device key
//! page ◄── token (posted into the partner's form)
//! VerifyToken(token) ───────────► isValid, UserValided (once)
//! ```
//!
//! Handlers read the product's parameters ([`params`]), authenticate the key ([`partners`]),
//! run one transition of [`watchword_approval::Transaction`] and write it with a
//! compare-and-swap, so any number of replicas on one store agree. See `docs/approval.md`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use watchword_http::{App, Assets, Clock, Cors, Metrics, Rng, RouteLimits, Router};
use watchword_mail::Mailer;
use watchword_store::Store;

pub mod api;
pub mod certificate;
pub mod device;
pub mod page;
pub mod params;
pub mod partners;
pub mod records;
pub mod security_key;

pub use partners::{NewPartner, Partner, Partners};

/// The surface name: store keys, metrics, partner registry.
pub const SURFACE: &str = "approval";

/// The `OpenAPI` document, also committed as `docs/approval.openapi.json`.
pub const OPENAPI: &str = include_str!("../../../docs/approval.openapi.json");

/// The script the `GetHTML` snippet loads into the partner's page.
pub const PAGE_JS: &[u8] = include_bytes!("../assets/approval.js");
/// The approver app's script.
pub const DEVICE_JS: &[u8] = include_bytes!("../assets/device.js");
/// The approver app's style sheet.
pub const DEVICE_CSS: &[u8] = include_bytes!("../assets/device.css");

/// How the surface behaves (from its flags).
#[derive(Debug, Clone)]
pub struct Config {
    /// The public base URL (links in mail, the snippet's script).
    pub public_url: String,
    /// Whether server keys are accepted in the query string (with a warning).
    pub legacy_query_keys: bool,
    /// Lifetime of a transaction, in seconds.
    pub lifetime_secs: u64,
    /// How long `SendRequest` waits for the customer.
    pub server_only_wait: Duration,
    /// Open requests one customer may have at once.
    pub max_pending: usize,
    /// Requests one customer may be sent a minute.
    pub prompts_per_minute: u64,
    /// Largest photo, scan or drawn signature, in bytes.
    pub max_upload_bytes: usize,
    /// How often waiting requests look at the store again.
    pub poll_interval: Duration,
    /// The base URL of the client-certificate listener (page type 3), when there is one.
    pub certificate_url: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8082".into(),
            legacy_query_keys: false,
            lifetime_secs: 300,
            server_only_wait: Duration::from_secs(
                watchword_approval::transaction::SERVER_ONLY_LIFETIME_SECS,
            ),
            max_pending: 5,
            prompts_per_minute: 10,
            max_upload_bytes: 2 * 1024 * 1024,
            poll_interval: Duration::from_millis(500),
            certificate_url: None,
        }
    }
}

/// The surface's shared state.
pub struct Approval {
    store: Arc<dyn Store>,
    partners: Partners,
    config: Config,
    clock: Clock,
    rng: Rng,
    mailer: Mailer,
    metrics: Arc<Metrics>,
    assets: Assets,
}

impl std::fmt::Debug for Approval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Approval")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Why an approval server could not be configured.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A flag out of range.
    #[error("{flag}: {reason}")]
    Flag {
        /// The flag.
        flag: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Mail could not be set up.
    #[error(transparent)]
    Mail(#[from] watchword_mail::MailError),
    /// The store refused the surface's key names (a bug).
    #[error("store keys: {0}")]
    Store(#[from] watchword_store::Error),
}

impl Approval {
    /// A surface on `store` with `config`, sending mail through `mailer`.
    ///
    /// # Errors
    /// When a setting is out of range.
    pub fn new(
        store: Arc<dyn Store>,
        config: Config,
        mailer: Mailer,
        clock: Clock,
        rng: Rng,
    ) -> Result<Self, ConfigError> {
        let lifetimes = watchword_approval::transaction::MIN_LIFETIME_SECS
            ..=watchword_approval::transaction::MAX_LIFETIME_SECS;
        if !lifetimes.contains(&config.lifetime_secs) {
            return Err(ConfigError::Flag {
                flag: "--lifetime",
                reason: format!("{} is not between 30 and 900 seconds", config.lifetime_secs),
            });
        }
        if config.server_only_wait.is_zero() || config.server_only_wait > Duration::from_secs(600) {
            return Err(ConfigError::Flag {
                flag: "--server-only-wait",
                reason: "must be 1 to 600 seconds".into(),
            });
        }
        if !(1..=100).contains(&config.max_pending) {
            return Err(ConfigError::Flag {
                flag: "--max-pending",
                reason: "must be 1 to 100".into(),
            });
        }
        if !(1024..=16 * 1024 * 1024).contains(&config.max_upload_bytes) {
            return Err(ConfigError::Flag {
                flag: "--max-upload-bytes",
                reason: "must be 1 KiB to 16 MiB".into(),
            });
        }
        let assets = Assets::new()
            .with("approval.js", "text/javascript; charset=utf-8", PAGE_JS)
            .with("device.js", "text/javascript; charset=utf-8", DEVICE_JS)
            .with("device.css", "text/css; charset=utf-8", DEVICE_CSS);
        Ok(Self {
            store,
            partners: Partners::new()?,
            config,
            clock,
            rng,
            mailer,
            metrics: Arc::new(Metrics::new()),
            assets,
        })
    }

    /// The partner registry.
    pub fn partners(&self) -> &Partners {
        &self.partners
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The mailer (the dev demo shows its outbox).
    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The app serving this surface's routes.
    pub fn app(self) -> App<Self> {
        let (store, metrics) = (self.store.clone(), self.metrics.clone());
        let assets = self.assets.clone();
        let wait = self.config.server_only_wait;
        let upload = self.config.max_upload_bytes;
        let waits = RouteLimits {
            body_bytes: None,
            handler_timeout: Some(wait + Duration::from_secs(10)),
        };
        let router = router()
            .limits("/api/SendRequest", waits)
            .limits("/api/{operation}", waits)
            .limits(
                "/device/api/pending",
                RouteLimits {
                    body_bytes: None,
                    handler_timeout: Some(Duration::from_secs(device::LONG_POLL_SECS + 10)),
                },
            )
            .limits(
                // Handing a link to the mail server may take the SMTP timeout.
                "/device/api/enrol/start",
                RouteLimits {
                    body_bytes: None,
                    handler_timeout: Some(watchword_mail::SMTP_TIMEOUT + Duration::from_secs(5)),
                },
            )
            .limits(
                "/device/api/decide",
                RouteLimits {
                    // Base64 adds a third; the rest of the decision is small.
                    body_bytes: Some(upload / 3 * 4 + 64 * 1024),
                    handler_timeout: None,
                },
            );
        App::new(SURFACE, Arc::new(self), store, router)
            .with_metrics(metrics)
            .with_openapi(OPENAPI)
            .with_assets(assets)
            .cors_request_headers("content-type, authorization, jsapikey, x-api-key")
    }

    fn now(&self) -> watchword_token::UnixTime {
        self.clock.now()
    }
}

/// The flags of `watchword-approval`.
#[derive(Debug, clap::Args)]
pub struct ApprovalArgs {
    /// Public base URL: links in enrolment mail and the snippet's script [default: http://<listen>].
    #[arg(long, env = "WATCHWORD_APPROVAL_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Accept server keys in the query string, logging a warning each time (old integrations).
    #[arg(long, env = "WATCHWORD_APPROVAL_LEGACY_QUERY_KEYS")]
    pub legacy_query_keys: bool,
    /// Lifetime of a transaction, in seconds (30 to 900).
    #[arg(long, env = "WATCHWORD_APPROVAL_LIFETIME", default_value_t = 300)]
    pub lifetime: u64,
    /// How long `SendRequest` waits for the customer, in seconds (1 to 600; the product's 120).
    #[arg(
        long,
        env = "WATCHWORD_APPROVAL_SERVER_ONLY_WAIT",
        default_value_t = 120
    )]
    pub server_only_wait: u64,
    /// Open requests one customer may have at once (1 to 100).
    #[arg(long, env = "WATCHWORD_APPROVAL_MAX_PENDING", default_value_t = 5)]
    pub max_pending: usize,
    /// Requests one customer may be sent a minute.
    #[arg(
        long,
        env = "WATCHWORD_APPROVAL_PROMPTS_PER_MINUTE",
        default_value_t = 10
    )]
    pub prompts_per_minute: u64,
    /// Largest photo, scan or drawn signature, in bytes (1 KiB to 16 MiB).
    #[arg(long, env = "WATCHWORD_APPROVAL_MAX_UPLOAD_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub max_upload_bytes: usize,
    /// SMTP server for enrolment links: `smtp://host:port` (STARTTLS), `smtps://…` (TLS) or
    /// `smtp://host:port?tls=none` (no TLS: a relay on the same host, or a test server). Without it, mail goes to the log.
    #[arg(long, env = "WATCHWORD_APPROVAL_SMTP")]
    pub smtp: Option<String>,
    /// Sender of enrolment mail.
    #[arg(
        long,
        env = "WATCHWORD_APPROVAL_MAIL_FROM",
        default_value = "Watchword <no-reply@localhost>"
    )]
    pub mail_from: String,
    /// Address of the client-certificate listener (page type 3); with the three files below.
    #[arg(long, env = "WATCHWORD_APPROVAL_CERTIFICATE_LISTEN")]
    pub certificate_listen: Option<std::net::SocketAddr>,
    /// The certificate listener's TLS certificate chain (PEM).
    #[arg(
        long,
        env = "WATCHWORD_APPROVAL_CERTIFICATE_TLS_CERT",
        value_name = "FILE"
    )]
    pub certificate_tls_cert: Option<std::path::PathBuf>,
    /// The certificate listener's TLS private key (PEM).
    #[arg(
        long,
        env = "WATCHWORD_APPROVAL_CERTIFICATE_TLS_KEY",
        value_name = "FILE"
    )]
    pub certificate_tls_key: Option<std::path::PathBuf>,
    /// The CA certificates (PEM) whose client certificates name customers.
    #[arg(
        long,
        env = "WATCHWORD_APPROVAL_CERTIFICATE_CLIENT_CA",
        value_name = "FILE"
    )]
    pub certificate_client_ca: Option<std::path::PathBuf>,
    /// Public base URL of the certificate listener [default: https://<certificate-listen>].
    #[arg(long, env = "WATCHWORD_APPROVAL_CERTIFICATE_PUBLIC_URL")]
    pub certificate_public_url: Option<String>,
}

impl watchword_http::Surface for Approval {
    type State = Approval;
    type Args = ApprovalArgs;
    const NAME: &'static str = SURFACE;
    const PORT: u16 = 8082;
    const SUMMARY: &'static str =
        "out-of-band approval on the customer's phone (OtpOne compatible)";
    const OPENAPI: &'static str = OPENAPI;
    // On localhost: the security-key pages need a domain (WebAuthn refuses addresses).
    const DEMO: Option<watchword_http::DemoPage> = Some(watchword_http::DemoPage {
        path: "/approval",
        host: Some("localhost"),
    });

    fn router() -> Router<Self> {
        router()
    }

    fn build(
        args: &ApprovalArgs,
        env: &watchword_http::Env,
    ) -> Result<App<Approval>, watchword_http::BuildError> {
        let mailer = match &args.smtp {
            Some(url) => Mailer::smtp(url, &args.mail_from).map_err(ConfigError::from)?,
            None => Mailer::log(&args.mail_from).map_err(ConfigError::from)?,
        };
        let public_url = args
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", env.listen));
        let certificate = certificate_listener(args)?;
        let config = Config {
            certificate_url: certificate.as_ref().map(|(addr, _)| {
                args.certificate_public_url
                    .clone()
                    .unwrap_or_else(|| format!("https://{addr}"))
                    .trim_end_matches('/')
                    .to_owned()
            }),
            public_url: public_url.trim_end_matches('/').to_owned(),
            legacy_query_keys: args.legacy_query_keys,
            lifetime_secs: args.lifetime,
            server_only_wait: Duration::from_secs(args.server_only_wait),
            max_pending: args.max_pending,
            prompts_per_minute: args.prompts_per_minute,
            max_upload_bytes: args.max_upload_bytes,
            ..Config::default()
        };
        let app = Approval::new(
            env.store.clone(),
            config,
            mailer,
            env.clock.clone(),
            env.rng.clone(),
        )?
        .app();
        if let Some((addr, tls)) = certificate {
            let listener = std::net::TcpListener::bind(addr)
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .and_then(tokio::net::TcpListener::from_std)
                .map_err(|e| ConfigError::Flag {
                    flag: "--certificate-listen",
                    reason: format!("cannot listen on {addr}: {e}"),
                })?;
            tokio::spawn(certificate::serve(app.state().clone(), listener, tls));
        }
        Ok(app)
    }
}

/// The routes of the surface. Each operation has its own route in the product's spelling
/// (one line each in metrics and the OpenAPI document); `/api/{operation}` takes the other
/// spellings, since the product's clients mix cases.
pub fn router() -> Router<Approval> {
    let mut router = Router::new();
    for path in api::PATHS.into_iter().chain(["/api/{operation}"]) {
        router = router
            .get(path, api::operation)
            .post(path, api::operation)
            // Which origins a call may come from depends on its key, which a preflight does
            // not carry: the handler checks the origin against the key's partner.
            .cors(
                path,
                Cors::check(|_: Arc<Approval>, _, _: String| async { Ok(true) }),
            );
    }
    router
        .safe_get("/swagger/ui/index", api::swagger_ui)
        .safe_get("/swagger/docs/v1", api::swagger_json)
        .safe_get("/page/{transactionid}/status", page::status)
        .cors("/page/{transactionid}/status", page_cors())
        .post(
            "/page/{transactionid}/webauthn/options",
            security_key::options,
        )
        .post("/page/{transactionid}/webauthn", security_key::finish)
        .cors("/page/{transactionid}/webauthn/options", page_cors())
        .cors("/page/{transactionid}/webauthn", page_cors())
        .safe_get("/device", device::app_page)
        .post("/device/api/enrol/start", device::enrol_start)
        .post("/device/api/enrol/finish", device::enrol_finish)
        .safe_get("/device/api/pending", device::pending_requests)
        .post("/device/api/decide", device::decide)
}

/// The partner's pages may call the routes of their transaction: the origins of the partner
/// that owns it.
pub(crate) fn page_cors() -> Cors<Approval> {
    Cors::check(
        |state: Arc<Approval>, params: watchword_http::Params, origin: String| async move {
            page::allowed_origin(&state, params.get("transactionid"), &origin).await
        },
    )
}

/// The certificate listener's address and TLS settings, when `--certificate-listen` is given.
fn certificate_listener(
    args: &ApprovalArgs,
) -> Result<Option<(std::net::SocketAddr, Arc<rustls::ServerConfig>)>, ConfigError> {
    let Some(addr) = args.certificate_listen else {
        return Ok(None);
    };
    let (Some(cert), Some(key), Some(ca)) = (
        &args.certificate_tls_cert,
        &args.certificate_tls_key,
        &args.certificate_client_ca,
    ) else {
        return Err(ConfigError::Flag {
            flag: "--certificate-listen",
            reason:
                "needs --certificate-tls-cert, --certificate-tls-key and --certificate-client-ca"
                    .into(),
        });
    };
    Ok(Some((
        addr,
        certificate::tls_config_from_files(cert, key, ca)?,
    )))
}
