//! The small hyper server kit every Watchword surface stands on.
//!
//! A surface writes handlers `async fn(Arc<State>, Request) -> Result<Response, ApiError>`,
//! puts them in a [`Router`], and serves an [`App`]. The kit brings the rest: the serve loop
//! with graceful shutdown on SIGTERM, a header-read deadline answered with `408`, a body limit
//! (`413`), a per-request deadline (`503`), one JSON error shape, CORS for registered origins,
//! store-backed [`RateLimit`]s (`429` with `Retry-After`), `/healthz`, `/readyz` (the store
//! answers), `/metrics` (Prometheus text) and static [`Assets`] with `ETag`s and immutable
//! versioned URLs.
//!
//! ```no_run
//! use std::sync::Arc;
//! use watchword_http::{ok, ApiError, App, Request, Response, Router};
//!
//! struct State;
//!
//! async fn hello(_: Arc<State>, request: Request) -> Result<Response, ApiError> {
//!     let name = request.param("name")?;
//!     Ok(ok(&serde_json::json!({ "hello": name })))
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let store = watchword_store::open("memory://").expect("memory store");
//! let router = Router::new().get("/hello/{name}", hello);
//! let app = App::new("example", Arc::new(State), store, router);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! app.serve(listener, watchword_http::shutdown_signal()).await
//! # }
//! ```
//!
//! # Errors answered by the kit
//!
//! | status | code | when |
//! |---|---|---|
//! | 400 | `invalid_json` | the body is not JSON |
//! | 400 | `invalid_request` | JSON of the wrong shape or types (the message names the field) |
//! | 400 | `invalid_body` | the body could not be read |
//! | 403 | `origin_not_allowed` | a browser `Origin` not registered for a CORS route |
//! | 404 | `not_found` | no such route or asset |
//! | 405 | `method_not_allowed` | the route exists for other methods (`Allow` lists them) |
//! | 408 | `header_timeout` | the request head did not arrive in time; the connection closes |
//! | 413 | `body_too_large` | the body is over the limit |
//! | 415 | `unsupported_media_type` | the handler expects JSON or a form and got something else |
//! | 429 | `rate_limited` | over a rate limit; `Retry-After` says when to come back |
//! | 500 | `internal` | a fault of the server (logged; the caller gets no detail) |
//! | 503 | `store_unavailable` | the state store did not answer; nothing was accepted |
//! | 503 | `timeout` | the request took longer than the per-request limit |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod assets;
pub mod clients;
mod deadline;
mod error;
mod logging;
mod metrics;
mod ratelimit;
pub mod records;
mod request;
mod response;
mod router;
mod server;
mod surface;

pub use assets::{Asset, Assets};
pub use error::ApiError;
pub use logging::{init_logging, LogFormat, UnknownLogFormat};
pub use metrics::Metrics;
pub use ratelimit::{check_in_order, RateLimit};
pub use request::{form_pairs, parse_json, Params, Prefixes, Request};
pub use response::{full, html, json, ok, with_type, Response};
pub use router::{BoxFuture, Cors, RouteLimits, Router};
pub use server::{shutdown_signal, App, Limits};
pub use surface::{
    bind, build, command, default_args, main, parse, run_server, BuildError, DemoPage, Env, Rng,
    ServeError, ServerArgs, Surface,
};

pub use http::{header, Method, StatusCode};
pub use watchword_token::UnixTime;

/// A time source, shared by a surface's handlers: the wall clock in servers, one the test
/// controls in tests. Pure crates never read a clock; handlers read this one and pass `now`.
#[derive(Clone)]
pub struct Clock(std::sync::Arc<dyn Fn() -> UnixTime + Send + Sync>);

impl Clock {
    /// The wall clock.
    pub fn system() -> Self {
        Self(std::sync::Arc::new(|| {
            UnixTime(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
            )
        }))
    }

    /// A clock that reads `f` (a test's controllable time).
    pub fn from_fn(f: impl Fn() -> UnixTime + Send + Sync + 'static) -> Self {
        Self(std::sync::Arc::new(f))
    }

    /// The time now.
    pub fn now(&self) -> UnixTime {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now().0)
    }
}

/// The wall clock.
pub fn system_clock() -> Clock {
    Clock::system()
}

/// Lower-case hex of the SHA-256 of `bytes`: how surfaces name records by a secret or an id
/// they do not keep in the clear.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex(&sha2::Sha256::digest(bytes))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}
