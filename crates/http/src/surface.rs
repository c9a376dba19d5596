//! What makes a surface a server: its description ([`Surface`]), the flags every server
//! binary shares ([`ServerArgs`]) and the one `main` they all run ([`main`], [`run_server`]).
//!
//! A surface is its routes, its handlers and its pure state machine; this module brings the
//! rest. A server binary's `main.rs` is then:
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     watchword_http::main::<watchword_twoway_server::TwowaySurface>()
//! }
//! ```

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use clap::{ArgMatches, Args, Command, FromArgMatches};
use rand_core::{CryptoRng, RngCore};
use tokio::net::TcpListener;
use watchword_store::Store;

use crate::logging::LogFormat;
use crate::request::Prefixes;
use crate::server::App;
use crate::Clock;

/// The error a surface's [`Surface::build`] reports: its own typed error, boxed.
pub type BuildError = Box<dyn std::error::Error + Send + Sync>;

/// A surface as the kit serves it: a name, a default port, its own flags, and how to build
/// its [`App`] from the store, a clock and randomness.
pub trait Surface: 'static {
    /// The state its handlers share.
    type State: Send + Sync + 'static;
    /// Its own flags, beside [`ServerArgs`] (`clap::Args`; an empty struct when it has none).
    type Args: Args + FromArgMatches + std::fmt::Debug;

    /// Its name: `captcha`, `passkey`, … (binary `watchword-<name>`, metrics label, env
    /// prefix `WATCHWORD_<NAME>_`).
    const NAME: &'static str;
    /// The port it listens on unless told otherwise.
    const PORT: u16;
    /// One line for `--help`, the dev banner and the demo index.
    const SUMMARY: &'static str;
    /// Its OpenAPI 3.1 document (JSON), as served on `/openapi.json`.
    const OPENAPI: &'static str;
    /// Its page on the demo site of `watchword dev`, if it has one.
    const DEMO: Option<DemoPage> = None;

    /// Its routes.
    fn router() -> crate::Router<Self::State>;

    /// The app serving `state` on `store`: the surface's name, routes and OpenAPI document,
    /// and the metrics registry its handlers count their own events in. Add assets and CORS
    /// headers to it as the surface needs.
    fn app(
        state: Self::State,
        store: Arc<dyn Store>,
        metrics: Arc<crate::Metrics>,
    ) -> App<Self::State> {
        App::new(Self::NAME, Arc::new(state), store, Self::router())
            .with_metrics(metrics)
            .with_openapi(Self::OPENAPI)
    }

    /// Builds the app from the surface's flags and what the kit provides.
    ///
    /// # Errors
    /// When the flags make no valid configuration (the message says which flag and why).
    fn build(args: &Self::Args, env: &Env) -> Result<App<Self::State>, BuildError>;
}

/// A surface's demo page on the demo site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoPage {
    /// Its path on the demo site.
    pub path: &'static str,
    /// The host name the page must be opened on when the listening address will not do
    /// (WebAuthn refuses IP addresses: `localhost`).
    pub host: Option<&'static str>,
}

/// What the kit hands a surface to build on.
#[derive(Clone)]
pub struct Env {
    /// The state store.
    pub store: Arc<dyn Store>,
    /// The clock.
    pub clock: Clock,
    /// Randomness for identifiers, secrets and keys.
    pub rng: Rng,
    /// The address the surface is served on (a default for its public URL).
    pub listen: SocketAddr,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("listen", &self.listen)
            .finish_non_exhaustive()
    }
}

/// A cloneable source of cryptographic randomness: the OS generator in servers, a seeded one
/// in tests. It implements [`RngCore`] and [`CryptoRng`], so `&mut env.rng.clone()` goes
/// wherever a pure crate asks for `&mut impl CryptoRngCore`.
#[derive(Clone)]
pub struct Rng(Arc<FillBytes>);

type FillBytes = dyn Fn(&mut [u8]) + Send + Sync;

impl std::fmt::Debug for Rng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rng(..)")
    }
}

impl Rng {
    /// The operating system's generator.
    pub fn os() -> Self {
        Self(Arc::new(|bytes| rand_core::OsRng.fill_bytes(bytes)))
    }

    /// Randomness drawn from `rng`, shared by every clone (for tests that need to replay a
    /// run: pass a seeded generator; never in production).
    pub fn from_rng<R: RngCore + CryptoRng + Send + 'static>(rng: R) -> Self {
        let rng = Mutex::new(rng);
        Self(Arc::new(move |bytes| {
            rng.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .fill_bytes(bytes);
        }))
    }
}

impl RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        (self.0)(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for Rng {}

/// The flags every server binary takes (each with an environment variable).
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Address to listen on [env: WATCHWORD_<SURFACE>_LISTEN; default 127.0.0.1:<its port>].
    #[arg(long)]
    pub listen: SocketAddr,
    /// State store: `memory://` (one process only), `redis://host:6379`, `redis+unix:///path`,
    /// `redis+cluster://a,b`.
    // Its value from the environment stays out of `--help`: the URL may hold a password.
    #[arg(
        long,
        env = "WATCHWORD_STORE",
        hide_env_values = true,
        default_value = "memory://"
    )]
    pub store: String,
    /// Take the client address from X-Forwarded-For (only behind a proxy that sets it).
    #[arg(long, env = "WATCHWORD_TRUST_FORWARDED")]
    pub trust_forwarded: bool,
    /// Log format.
    #[arg(long, env = "WATCHWORD_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Most connections served at once; further ones wait in the listen queue.
    #[arg(long, env = "WATCHWORD_MAX_CONNECTIONS", default_value_t = 4096,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// Serve `/metrics` and `/readyz` on this address only (not on the public one).
    #[arg(long, env = "WATCHWORD_ADMIN_LISTEN")]
    pub admin_listen: Option<SocketAddr>,
    /// Leading bits of an IPv4 address that name one client for rate limits (8 to 32).
    #[arg(long, env = "WATCHWORD_CLIENT_PREFIX_V4", default_value_t = 32,
          value_parser = clap::value_parser!(u8).range(8..=32))]
    pub client_prefix_v4: u8,
    /// Leading bits of an IPv6 address that name one client for rate limits (32 to 128).
    #[arg(long, env = "WATCHWORD_CLIENT_PREFIX_V6", default_value_t = 64,
          value_parser = clap::value_parser!(u8).range(32..=128))]
    pub client_prefix_v6: u8,
}

impl ServerArgs {
    /// The prefix lengths that name one client.
    pub fn prefixes(&self) -> Prefixes {
        Prefixes {
            v4: self.client_prefix_v4,
            v6: self.client_prefix_v6,
        }
    }

    /// The flags of the app served with them: forwarded addresses, prefixes, the connection
    /// cap and where the operations endpoints are.
    #[must_use]
    pub fn configure<S: Send + Sync + 'static>(&self, app: App<S>) -> App<S> {
        app.trust_forwarded(self.trust_forwarded)
            .with_prefixes(self.prefixes())
            .with_max_connections(self.max_connections as usize)
            .with_admin_listener(self.admin_listen.is_some())
    }
}

/// Why a server stopped before or while serving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The store URL is unusable (the message never repeats a password).
    #[error("opening the store: {0}")]
    Store(#[from] watchword_store::Error),
    /// The surface's flags make no valid configuration.
    #[error("configuring the {surface} surface: {source}")]
    Build {
        /// The surface.
        surface: &'static str,
        /// What its `build` said.
        source: BuildError,
    },
    /// An address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The system's reason.
        source: std::io::Error,
    },
    /// The async runtime did not start.
    #[error("starting the async runtime: {0}")]
    Runtime(std::io::Error),
    /// Serving failed.
    #[error("serving: {0}")]
    Serve(std::io::Error),
}

/// The command line of surface `S`: its name, summary, [`ServerArgs`] (with its own listen
/// variable and port) and its own flags.
pub fn command<S: Surface>() -> Command {
    let name: &'static str = leak(format!("watchword-{}", S::NAME));
    let env: &'static str = leak(format!(
        "WATCHWORD_{}_LISTEN",
        S::NAME.to_ascii_uppercase().replace('-', "_")
    ));
    let default: &'static str = leak(format!("127.0.0.1:{}", S::PORT));
    let command = Command::new(name)
        .about(S::SUMMARY)
        .version(env!("CARGO_PKG_VERSION"));
    let command = S::Args::augment_args(ServerArgs::augment_args(command));
    command.mut_arg("listen", |arg| {
        arg.env(env).default_value(default).required(false)
    })
}

/// A flag value that must live as long as the process: the command line is built once.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// Reads the command line of surface `S`.
///
/// # Errors
/// Clap's error for a bad flag (print it with `exit()`).
pub fn parse<S: Surface>(
    args: impl IntoIterator<Item = impl Into<std::ffi::OsString> + Clone>,
) -> Result<(ServerArgs, S::Args), clap::Error> {
    let matches: ArgMatches = command::<S>().try_get_matches_from(args)?;
    Ok((
        ServerArgs::from_arg_matches(&matches)?,
        S::Args::from_arg_matches(&matches)?,
    ))
}

/// The surface's own flags at their defaults (what `watchword dev` runs it with).
///
/// # Errors
/// When a flag of the surface has no default (it cannot run in dev then).
pub fn default_args<S: Surface>() -> Result<S::Args, clap::Error> {
    let command = S::Args::augment_args(Command::new(S::NAME));
    S::Args::from_arg_matches(&command.try_get_matches_from([S::NAME])?)
}

/// Builds surface `S` on `env`, with its OpenAPI document on `/openapi.json`.
///
/// # Errors
/// [`ServeError::Build`] with what the surface said.
pub fn build<S: Surface>(args: &S::Args, env: &Env) -> Result<App<S::State>, ServeError> {
    S::build(args, env)
        .map(|app| app.with_openapi(S::OPENAPI))
        .map_err(|source| ServeError::Build {
            surface: S::NAME,
            source,
        })
}

/// A server binary's `main`: reads the flags, starts logging, serves surface `S` until
/// SIGTERM or Ctrl-C, and reports a failure on stderr in one line with exit status 1.
pub fn main<S: Surface>() -> std::process::ExitCode {
    let (server, args) = match parse::<S>(std::env::args_os()) {
        Ok(parsed) => parsed,
        Err(error) => error.exit(),
    };
    crate::init_logging(server.log_format);
    match run_server::<S>(&server, &args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("watchword-{}: {error}", S::NAME);
            std::process::ExitCode::FAILURE
        }
    }
}

/// Serves surface `S` with these flags: opens the store, builds the app, listens (and on the
/// admin address, if any), and serves until SIGTERM or Ctrl-C, draining requests in flight.
///
/// # Errors
/// A [`ServeError`] naming what failed; the store URL in it is redacted.
pub fn run_server<S: Surface>(server: &ServerArgs, args: &S::Args) -> Result<(), ServeError> {
    let store = watchword_store::open(&server.store)?;
    if server.store.starts_with("memory://") {
        let warning = format!(
            "watchword-{}: serving on the memory store: state lives in this process only and \
             is lost on exit; replicas would not share it. Use --store redis://… in production.",
            S::NAME
        );
        tracing::warn!("{warning}");
        eprintln!("{warning}");
    }
    let runtime = tokio::runtime::Runtime::new().map_err(ServeError::Runtime)?;
    runtime.block_on(async move {
        let shutdown = crate::shutdown_signal();
        let env = Env {
            store,
            clock: crate::system_clock(),
            rng: Rng::os(),
            listen: server.listen,
        };
        let app = server.configure(build::<S>(args, &env)?);
        let listener = bind(server.listen).await?;
        let admin = match server.admin_listen {
            Some(addr) => Some(bind(addr).await?),
            None => None,
        };
        app.serve_with_admin(listener, admin, shutdown)
            .await
            .map_err(ServeError::Serve)
    })
}

/// Binds `addr`.
///
/// # Errors
/// [`ServeError::Bind`].
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })
}
