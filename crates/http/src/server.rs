//! The application (router, state, store, assets, metrics) and the serve loop.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ALLOW,
    CONTENT_LENGTH, ORIGIN, VARY, X_CONTENT_TYPE_OPTIONS,
};
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Body;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use watchword_store::Store;

use crate::assets::Assets;
use crate::deadline::{HeaderDeadline, InRequest};
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::request::{Prefixes, Request};
use crate::response::{full, json, with_type, Response};
use crate::router::{Found, Router};

/// Limits applied to every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body accepted; larger ones get `413 body_too_large`.
    pub body_bytes: usize,
    /// Time allowed to receive a request head; a slow one gets `408 header_timeout`.
    pub header_read_timeout: Duration,
    /// Time allowed to read the body and run the handler; past it, `503 timeout`.
    pub request_timeout: Duration,
    /// Time open requests get to finish after shutdown begins.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: 64 * 1024,
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(15),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Request headers a browser may send cross-origin to a CORS route, unless the app names
/// others with [`App::cors_request_headers`].
const CORS_REQUEST_HEADERS: &str = "content-type, authorization";

/// One surface ready to serve: routes, state, the store, assets and metrics.
pub struct App<S> {
    surface: &'static str,
    state: Arc<S>,
    router: Router<S>,
    store: Arc<dyn Store>,
    assets: Assets,
    metrics: Arc<Metrics>,
    limits: Limits,
    trust_forwarded: bool,
    cors_request_headers: &'static str,
    cors_credentials: bool,
    prefixes: Prefixes,
    max_connections: usize,
    admin_listener: bool,
    openapi: Option<&'static str>,
}

/// Which listener a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listener {
    /// The public one: the surface's routes, and the operations endpoints unless an admin
    /// listener has them.
    Public,
    /// The admin one: operations endpoints only.
    Admin,
}

impl<S> std::fmt::Debug for App<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("surface", &self.surface)
            .field("router", &self.router)
            .finish_non_exhaustive()
    }
}

impl<S: Send + Sync + 'static> App<S> {
    /// An app for `surface` (used in metrics and logs) with default [`Limits`].
    pub fn new(
        surface: &'static str,
        state: Arc<S>,
        store: Arc<dyn Store>,
        router: Router<S>,
    ) -> Self {
        Self {
            surface,
            state,
            router,
            store,
            assets: Assets::new(),
            metrics: Arc::new(Metrics::new()),
            limits: Limits::default(),
            trust_forwarded: false,
            cors_request_headers: CORS_REQUEST_HEADERS,
            cors_credentials: false,
            prefixes: Prefixes::default(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            admin_listener: false,
            openapi: None,
        }
    }

    /// The state the handlers share.
    pub fn state(&self) -> &Arc<S> {
        &self.state
    }

    /// Serves `document` (OpenAPI JSON) on `GET /openapi.json`, CORS open, for explorers and
    /// client generators.
    #[must_use]
    pub fn with_openapi(mut self, document: &'static str) -> Self {
        self.openapi = Some(document);
        self
    }

    /// The prefix lengths that name one client ([`Request::client_network`]).
    #[must_use]
    pub fn with_prefixes(mut self, prefixes: Prefixes) -> Self {
        self.prefixes = prefixes;
        self
    }

    /// Serves at most `max` connections at once; further ones wait in the listen queue until
    /// one closes.
    #[must_use]
    pub fn with_max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Whether `/metrics` and `/readyz` are served on a separate admin listener (then the
    /// public listener answers them `404`; `/healthz` stays on both, for load balancers).
    #[must_use]
    pub fn with_admin_listener(mut self, separate: bool) -> Self {
        self.admin_listener = separate;
        self
    }

    /// Serves `assets` under `/assets/`.
    #[must_use]
    pub fn with_assets(mut self, assets: Assets) -> Self {
        self.assets = assets;
        self
    }

    /// Replaces the limits.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Shares a metrics registry (so handlers can count their own events).
    #[must_use]
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Takes the client address from the last `X-Forwarded-For` entry, for servers behind a
    /// reverse proxy that sets it. Off by default: without a proxy the header is the caller's
    /// word and would let anyone pick their own rate-limit bucket.
    #[must_use]
    pub fn trust_forwarded(mut self, trust: bool) -> Self {
        self.trust_forwarded = trust;
        self
    }

    /// The request headers browsers may send to CORS routes (the `Access-Control-Allow-Headers`
    /// of preflights), for a browser SDK that sends headers of its own; `content-type,
    /// authorization` by default.
    #[must_use]
    pub fn cors_request_headers(mut self, headers: &'static str) -> Self {
        self.cors_request_headers = headers;
        self
    }

    /// Lets the origins that CORS routes allow send credentials (cookies): answers them with
    /// `Access-Control-Allow-Credentials: true`. For a surface whose browser calls carry its
    /// own session cookie from sibling sites; the origins are always named, never `*`.
    #[must_use]
    pub fn cors_credentials(mut self, allow: bool) -> Self {
        self.cors_credentials = allow;
        self
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Answers one request. The serve loop calls this; tests may call it directly.
    pub async fn handle<B>(&self, request: http::Request<B>, peer: IpAddr) -> Response
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        self.answer(request, peer, Listener::Public).await
    }

    async fn answer<B>(
        &self,
        request: http::Request<B>,
        peer: IpAddr,
        listener: Listener,
    ) -> Response
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let started = Instant::now();
        // One deadline for the whole request: reading the body and running the handler.
        let deadline = tokio::time::Instant::now() + self.limits.request_timeout;
        // Metrics and logs name the method from a fixed set, so a client inventing methods
        // cannot grow either. A method no route has is the caller's mistake, answered by the
        // router like any other method a route does not take (405 with `Allow`, or 404).
        let method = method_label(request.method());
        let is_head = request.method() == Method::HEAD;
        let (route, mut response) = if listener == Listener::Admin {
            match self
                .operations(request.method(), request.uri().path(), listener)
                .await
            {
                Some(answer) => answer,
                None => (
                    "unmatched",
                    ApiError::not_found("no such endpoint").into_response(),
                ),
            }
        } else {
            self.dispatch(request, peer, deadline).await
        };
        let status = response.status();
        let headers = response.headers_mut();
        headers
            .entry(X_CONTENT_TYPE_OPTIONS)
            .or_insert(HeaderValue::from_static("nosniff"));
        if is_head {
            *response.body_mut() = http_body_util::Full::new(Bytes::new());
        }
        let labels = [
            ("surface", self.surface),
            ("route", route),
            ("method", method),
            ("status", status.as_str()),
        ];
        self.metrics.inc(
            "watchword_http_requests_total",
            "HTTP requests answered.",
            &labels,
        );
        self.metrics.observe(
            "watchword_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            &[("surface", self.surface), ("route", route)],
            started.elapsed().as_secs_f64(),
        );
        tracing::info!(
            surface = self.surface,
            method,
            route,
            status = status.as_u16(),
            micros = started.elapsed().as_micros(),
            "request"
        );
        response
    }

    async fn dispatch<B>(
        &self,
        request: http::Request<B>,
        peer: IpAddr,
        deadline: tokio::time::Instant,
    ) -> (&'static str, Response)
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let path = request.uri().path().to_owned();
        if let Some(answer) = self
            .operations(request.method(), &path, Listener::Public)
            .await
        {
            return answer;
        }
        if let (Some(document), "/openapi.json") = (self.openapi, path.as_str()) {
            return ("/openapi.json", openapi(request.method(), document));
        }
        let origin = request
            .headers()
            .get(ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        match self.router.find(request.method(), &path) {
            Found::Nothing => {
                if path.starts_with("/assets/") {
                    if let Some(refusal) = read_only(request.method()) {
                        return ("/assets", refusal);
                    }
                    let (parts, _) = request.into_parts();
                    let head =
                        Request::new(parts.method, parts.uri, parts.headers, Bytes::new(), peer);
                    if let Some(response) = self.assets.serve(&head) {
                        return ("/assets", response);
                    }
                }
                (
                    "unmatched",
                    ApiError::not_found(format!("no route for {path}")).into_response(),
                )
            }
            Found::WrongMethod { allow } => {
                let list = allow
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                let error = ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    format!("use {list}"),
                );
                let error = error.with_header(
                    ALLOW,
                    HeaderValue::from_str(&list).unwrap_or(HeaderValue::from_static("")),
                );
                ("unmatched", error.into_response())
            }
            Found::Preflight {
                pattern,
                allow,
                params,
                cors,
            } => {
                let wanted = request
                    .headers()
                    .contains_key(ACCESS_CONTROL_REQUEST_HEADERS);
                (
                    pattern,
                    self.preflight(origin, &allow, params, &cors, wanted).await,
                )
            }
            Found::Route {
                pattern,
                handler,
                params,
                cors,
                limits,
            } => {
                let cors_origin = match (&cors, origin) {
                    (Some(cors), Some(origin)) => {
                        match cors
                            .allows(self.state.clone(), params.clone(), &origin)
                            .await
                        {
                            Ok(true) => {}
                            Ok(false) => return (pattern, origin_refused(&origin)),
                            Err(error) => return (pattern, error.into_response()),
                        }
                        Some(origin)
                    }
                    _ => None,
                };
                let mut response = self
                    .read_and_run(request, peer, deadline, handler, params, limits)
                    .await;
                if let Some(origin) = cors_origin {
                    set_allow_origin(response.headers_mut(), &origin, self.cors_credentials);
                }
                (pattern, response)
            }
        }
    }

    /// Reads the body within the route's limits and runs its handler: until `deadline`, or
    /// for the route's own handler time once the body is in.
    async fn read_and_run<B>(
        &self,
        request: http::Request<B>,
        peer: IpAddr,
        deadline: tokio::time::Instant,
        handler: crate::router::Handler<S>,
        params: crate::request::Params,
        limits: crate::router::RouteLimits,
    ) -> Response
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let body_bytes = limits.body_bytes.unwrap_or(self.limits.body_bytes);
        match self.read(request, peer, deadline, body_bytes).await {
            Ok(mut request) => {
                request.set_params(params);
                let run_until = limits
                    .handler_timeout
                    .map_or(deadline, |t| tokio::time::Instant::now() + t);
                self.run(handler(self.state.clone(), request), run_until)
                    .await
            }
            Err(error) => error.into_response(),
        }
    }

    /// The endpoints every server has: `/healthz`, `/readyz`, `/metrics` (the last two only on
    /// the admin listener when there is one).
    async fn operations(
        &self,
        method: &Method,
        path: &str,
        listener: Listener,
    ) -> Option<(&'static str, Response)> {
        let private = matches!(path, "/readyz" | "/metrics");
        if private && self.admin_listener && listener == Listener::Public {
            return None;
        }
        let known = matches!(path, "/healthz" | "/readyz" | "/metrics");
        if let (true, Some(refusal)) = (known, read_only(method)) {
            return Some(("unmatched", refusal));
        }
        Some(match path {
            "/healthz" => (
                "/healthz",
                json(StatusCode::OK, &serde_json::json!({"status": "ok"})),
            ),
            "/readyz" => ("/readyz", self.readiness().await),
            "/metrics" => (
                "/metrics",
                with_type(
                    StatusCode::OK,
                    "text/plain; version=0.0.4",
                    self.metrics.render(),
                ),
            ),
            _ => return None,
        })
    }

    /// Answers a CORS preflight for a route whose `cors` policy decides on `origin`.
    async fn preflight(
        &self,
        origin: Option<String>,
        allow: &[Method],
        params: crate::request::Params,
        cors: &crate::router::Cors<S>,
        wants_headers: bool,
    ) -> Response {
        let Some(origin) = origin else {
            return ApiError::bad_request("invalid_request", "preflight without Origin")
                .into_response();
        };
        match cors.allows(self.state.clone(), params, &origin).await {
            Ok(true) => {}
            Ok(false) => return origin_refused(&origin),
            Err(error) => return error.into_response(),
        }
        let mut response = full(StatusCode::NO_CONTENT, Bytes::new());
        let methods = allow
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let headers = response.headers_mut();
        set_allow_origin(headers, &origin, self.cors_credentials);
        headers.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_str(&methods).unwrap_or(HeaderValue::from_static("GET")),
        );
        if wants_headers {
            headers.insert(
                ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(self.cors_request_headers),
            );
        }
        headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        response
    }

    /// Reads the body within the size limit and the request deadline.
    async fn read<B>(
        &self,
        request: http::Request<B>,
        peer: IpAddr,
        deadline: tokio::time::Instant,
        body_bytes: usize,
    ) -> Result<Request, ApiError>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let too_large = || {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("request body is larger than {body_bytes} bytes"),
            )
        };
        let declared = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > body_bytes as u64) {
            return Err(too_large());
        }
        let (parts, body) = request.into_parts();
        let collected =
            tokio::time::timeout_at(deadline, Limited::new(body, body_bytes).collect()).await;
        let bytes = match collected {
            Err(_) => return Err(timeout_error()),
            Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => {
                return Err(too_large())
            }
            Ok(Err(error)) => {
                return Err(ApiError::bad_request(
                    "invalid_body",
                    format!("could not read the body: {error}"),
                ))
            }
            Ok(Ok(collected)) => collected.to_bytes(),
        };
        let client_ip = if self.trust_forwarded {
            forwarded_for(&parts.headers).unwrap_or(peer)
        } else {
            peer
        };
        Ok(
            Request::new(parts.method, parts.uri, parts.headers, bytes, client_ip)
                .with_prefixes(self.prefixes),
        )
    }

    /// Runs a handler on its own task, so a panic becomes a `500` and the deadline a `503`.
    async fn run(
        &self,
        future: crate::router::BoxFuture<Result<Response, ApiError>>,
        deadline: tokio::time::Instant,
    ) -> Response {
        let task = tokio::spawn(future);
        let abort = task.abort_handle();
        match tokio::time::timeout_at(deadline, task).await {
            Ok(Ok(Ok(response))) => response,
            Ok(Ok(Err(error))) => {
                if error.status().is_server_error() {
                    tracing::warn!(
                        surface = self.surface,
                        code = error.code(),
                        "{}",
                        error.message()
                    );
                }
                error.into_response()
            }
            Ok(Err(join)) => {
                tracing::error!(surface = self.surface, error = %join, "handler panicked");
                self.metrics.inc(
                    "watchword_http_panics_total",
                    "Handlers that panicked.",
                    &[("surface", self.surface)],
                );
                ApiError::internal().into_response()
            }
            Err(_) => {
                abort.abort();
                timeout_error().into_response()
            }
        }
    }

    async fn readiness(&self) -> Response {
        match tokio::time::timeout(Duration::from_secs(2), self.store.ping()).await {
            Ok(Ok(())) => json(StatusCode::OK, &serde_json::json!({"status": "ready"})),
            // The reason goes to the log only: store errors name hosts and sockets.
            Ok(Err(error)) => {
                tracing::warn!(surface = self.surface, %error, "not ready");
                not_ready()
            }
            Err(_) => {
                tracing::warn!(
                    surface = self.surface,
                    "not ready: the store did not answer in time"
                );
                not_ready()
            }
        }
    }

    /// Serves connections from `listener` until `shutdown` resolves, then lets open requests
    /// finish within [`Limits::shutdown_grace`].
    ///
    /// # Errors
    /// Only if the listener's address cannot be read; accept errors (such as running out of
    /// file descriptors) are logged and retried.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        self.serve_with_admin(listener, None, shutdown).await
    }

    /// As [`App::serve`], and serves the operations endpoints on `admin` too (when given, with
    /// [`App::with_admin_listener`], they are answered there only).
    ///
    /// # Errors
    /// Only if a listener's address cannot be read.
    pub async fn serve_with_admin(
        self,
        listener: TcpListener,
        admin: Option<TcpListener>,
        shutdown: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        let app = Arc::new(self);
        let local = listener.local_addr()?;
        tracing::info!(surface = app.surface, %local, "listening");
        if let Some(admin) = &admin {
            tracing::info!(surface = app.surface, local = %admin.local_addr()?, "admin listening");
        }
        let graceful = GracefulShutdown::new();
        let slots = Arc::new(Semaphore::new(app.max_connections));
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            // Past the cap, stop accepting: new connections wait in the kernel's queue.
            let slot = tokio::select! {
                slot = slots.clone().acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_) => break,
                },
                () = &mut shutdown => break,
            };
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => app.clone().connection(stream, peer, &graceful, Listener::Public, Some(slot)),
                    Err(error) => {
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                accepted = accept_admin(admin.as_ref()) => match accepted {
                    Ok((stream, peer)) => app.clone().connection(stream, peer, &graceful, Listener::Admin, None),
                    Err(error) => {
                        tracing::warn!(%error, "admin accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                () = &mut shutdown => break,
            }
        }
        drop(listener);
        drop(admin);
        tracing::info!(surface = app.surface, "shutting down");
        tokio::select! {
            () = graceful.shutdown() => {}
            () = tokio::time::sleep(app.limits.shutdown_grace) => {
                tracing::warn!(surface = app.surface, "shutdown grace elapsed with requests still open");
            }
        }
        Ok(())
    }

    fn connection(
        self: Arc<Self>,
        stream: tokio::net::TcpStream,
        peer: SocketAddr,
        graceful: &GracefulShutdown,
        listener: Listener,
        slot: Option<OwnedSemaphorePermit>,
    ) {
        let _ = stream.set_nodelay(true);
        let in_request = InRequest::default();
        let io = HeaderDeadline::new(stream, self.limits.header_read_timeout, in_request.clone());
        let app = self.clone();
        let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
            let app = app.clone();
            let in_request = in_request.clone();
            in_request.set(true);
            async move {
                let response = app.answer(request, peer.ip(), listener).await;
                in_request.set(false);
                Ok::<_, Infallible>(response)
            }
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            // Backstop only: HeaderDeadline answers 408 first.
            .header_read_timeout(self.limits.header_read_timeout + Duration::from_secs(1))
            .max_buf_size(64 * 1024)
            .serve_connection(TokioIo::new(io), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
            drop(slot);
        });
    }
}

/// Connections served at once unless the app says otherwise.
const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// The next connection on the admin listener, or never when there is none.
async fn accept_admin(
    admin: Option<&TcpListener>,
) -> std::io::Result<(tokio::net::TcpStream, SocketAddr)> {
    match admin {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

/// The method as a metrics and log label: one of a fixed set.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The refusal of any method but GET and HEAD on a read-only resource (the operations
/// endpoints, the OpenAPI document, assets): 405 with `Allow: GET, HEAD`.
fn read_only(method: &Method) -> Option<Response> {
    if *method == Method::GET || *method == Method::HEAD {
        return None;
    }
    let error = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "use GET, HEAD",
    )
    .with_header(ALLOW, HeaderValue::from_static("GET, HEAD"));
    Some(error.into_response())
}

fn not_ready() -> Response {
    json(
        StatusCode::SERVICE_UNAVAILABLE,
        &serde_json::json!({"status": "unavailable"}),
    )
}

/// The OpenAPI document: GET or HEAD, readable from any origin, cached for five minutes.
fn openapi(method: &Method, document: &'static str) -> Response {
    if let Some(refusal) = read_only(method) {
        return refusal;
    }
    let mut response = with_type(StatusCode::OK, "application/json", document);
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

fn timeout_error() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "timeout",
        "the request took too long; try again",
    )
}

fn origin_refused(origin: &str) -> Response {
    let message = format!("origin {origin} is not registered for this resource");
    ApiError::new(StatusCode::FORBIDDEN, "origin_not_allowed", message).into_response()
}

fn set_allow_origin(headers: &mut http::HeaderMap, origin: &str, credentials: bool) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    if credentials {
        headers.insert(
            http::header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    headers.append(VARY, HeaderValue::from_static("Origin"));
}

fn forwarded_for(headers: &http::HeaderMap) -> Option<IpAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()?
        .to_str()
        .ok()?;
    last.rsplit(',').next()?.trim().parse().ok()
}

/// Resolves on SIGTERM or Ctrl-C, for [`App::serve`].
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send {
    // Register the handlers now, not at the first poll: a signal that arrives between this
    // call and the first poll is then a shutdown, not the default action (death).
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |signal: Option<tokio::signal::unix::Signal>| async move {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(interrupt) => {}
                () = wait(terminate) => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
