//! Routing by method and path pattern, with per-pattern CORS.
//!
//! Patterns are literal segments and `{name}` captures of one whole segment:
//! `/api/v1/challenges/{id}`. The first matching pattern wins; a path that matches a pattern
//! but not the method is a `405` with an `Allow` header.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::Method;

use crate::error::ApiError;
use crate::request::{Params, Request};
use crate::response::Response;

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

pub(crate) type Handler<S> =
    Arc<dyn Fn(Arc<S>, Request) -> BoxFuture<Result<Response, ApiError>> + Send + Sync>;
type OriginCheck<S> =
    Arc<dyn Fn(Arc<S>, Params, String) -> BoxFuture<Result<bool, ApiError>> + Send + Sync>;

/// Which browser origins may call the routes of one pattern.
pub enum Cors<S> {
    /// A fixed list of origins (`https://shop.example`), compared exactly.
    Origins(Vec<String>),
    /// A check that may look the origin up, for example in the site registered under a path
    /// parameter. It receives the state, the route's parameters and the `Origin` header, and
    /// fails (a store outage: `503`) when it cannot decide.
    Check(OriginCheck<S>),
}

impl<S> Cors<S> {
    /// A check computed by `f` from the state, the path parameters and the origin: `Ok(true)`
    /// allows, `Ok(false)` answers `403 origin_not_allowed`, an error is answered as is (so a
    /// store that is down reads as `503`, not as a refused origin).
    pub fn check<F, Fut>(f: F) -> Self
    where
        F: Fn(Arc<S>, Params, String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<bool, ApiError>> + Send + 'static,
    {
        Self::Check(Arc::new(move |state, params, origin| {
            Box::pin(f(state, params, origin))
        }))
    }

    pub(crate) async fn allows(
        &self,
        state: Arc<S>,
        params: Params,
        origin: &str,
    ) -> Result<bool, ApiError> {
        match self {
            Self::Origins(list) => Ok(list.iter().any(|o| o == origin)),
            Self::Check(check) => check(state, params, origin.to_owned()).await,
        }
    }
}

impl<S> std::fmt::Debug for Cors<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Origins(list) => f.debug_tuple("Origins").field(list).finish(),
            Self::Check(_) => f.write_str("Check(..)"),
        }
    }
}

struct Route<S> {
    method: Method,
    /// A `GET` that changes nothing, and so also answers `HEAD`.
    safe: bool,
    pattern: &'static str,
    segments: Vec<Segment>,
    handler: Handler<S>,
}

/// Limits of one route pattern that differ from the app's [`Limits`](crate::Limits): a larger
/// body (an upload), or more time for the handler (a request that waits for a person).
///
/// Reading the body stays bounded by the app's request timeout either way, so a slow sender
/// cannot hold a connection for the handler's longer time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RouteLimits {
    /// Largest body accepted on the route, instead of the app's.
    pub body_bytes: Option<usize>,
    /// Time the handler may run once the body is read, instead of the app's request timeout.
    pub handler_timeout: Option<std::time::Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(&'static str),
    Capture(&'static str),
}

/// The routes of one surface.
pub struct Router<S> {
    routes: Vec<Route<S>>,
    cors: Vec<(Vec<Segment>, Arc<Cors<S>>)>,
    limits: Vec<(Vec<Segment>, RouteLimits)>,
}

impl<S> std::fmt::Debug for Router<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.routes
                    .iter()
                    .map(|r| format!("{} {}", r.method, r.pattern)),
            )
            .finish()
    }
}

impl<S> Default for Router<S> {
    fn default() -> Self {
        Self {
            routes: Vec::new(),
            cors: Vec::new(),
            limits: Vec::new(),
        }
    }
}

/// What routing a request found.
pub(crate) enum Found<S> {
    Route {
        pattern: &'static str,
        handler: Handler<S>,
        params: Params,
        cors: Option<Arc<Cors<S>>>,
        limits: RouteLimits,
    },
    Preflight {
        pattern: &'static str,
        allow: Vec<Method>,
        params: Params,
        cors: Arc<Cors<S>>,
    },
    WrongMethod {
        allow: Vec<Method>,
    },
    Nothing,
}

impl<S: Send + Sync + 'static> Router<S> {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a route.
    ///
    /// # Panics
    /// When `pattern` does not start with `/` or has an empty capture name: a programming
    /// error caught by the surface's first test.
    #[must_use]
    pub fn route<F, Fut>(mut self, method: Method, pattern: &'static str, handler: F) -> Self
    where
        F: Fn(Arc<S>, Request) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response, ApiError>> + Send + 'static,
    {
        let segments = parse_pattern(pattern);
        self.routes.push(Route {
            method,
            safe: false,
            pattern,
            segments,
            handler: Arc::new(move |state, request| Box::pin(handler(state, request))),
        });
        self
    }

    /// Adds a `GET` route that may change state (creates a challenge, consumes a token, …):
    /// it does not answer `HEAD` (`405`), since a `HEAD` must never change anything. Declare
    /// routes that only read with [`Router::safe_get`].
    #[must_use]
    pub fn get<F, Fut>(self, pattern: &'static str, handler: F) -> Self
    where
        F: Fn(Arc<S>, Request) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response, ApiError>> + Send + 'static,
    {
        self.route(Method::GET, pattern, handler)
    }

    /// Adds a `GET` route that changes nothing (a page, a document, a read), which therefore
    /// also answers `HEAD`.
    #[must_use]
    pub fn safe_get<F, Fut>(self, pattern: &'static str, handler: F) -> Self
    where
        F: Fn(Arc<S>, Request) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response, ApiError>> + Send + 'static,
    {
        let mut router = self.route(Method::GET, pattern, handler);
        if let Some(route) = router.routes.last_mut() {
            route.safe = true;
        }
        router
    }

    /// Adds a `POST` route.
    #[must_use]
    pub fn post<F, Fut>(self, pattern: &'static str, handler: F) -> Self
    where
        F: Fn(Arc<S>, Request) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response, ApiError>> + Send + 'static,
    {
        self.route(Method::POST, pattern, handler)
    }

    /// Lets browsers on the origins `cors` allows call the routes of `pattern`; the server
    /// answers their preflight `OPTIONS` itself.
    #[must_use]
    pub fn cors(mut self, pattern: &'static str, cors: Cors<S>) -> Self {
        self.cors.push((parse_pattern(pattern), Arc::new(cors)));
        self
    }

    /// Gives the routes of `pattern` their own [`RouteLimits`].
    #[must_use]
    pub fn limits(mut self, pattern: &'static str, limits: RouteLimits) -> Self {
        self.limits.push((parse_pattern(pattern), limits));
        self
    }

    pub(crate) fn find(&self, method: &Method, path: &str) -> Found<S> {
        let parts: Vec<&str> = path.split('/').skip(1).collect();
        let mut allow = Vec::new();
        for route in &self.routes {
            let Some(params) = matches(&route.segments, &parts) else {
                continue;
            };
            let same = route.method == *method
                || (*method == Method::HEAD && route.method == Method::GET && route.safe);
            if same {
                let cors = self.cors_for(&route.segments);
                let limits = self
                    .limits
                    .iter()
                    .find(|(s, _)| *s == route.segments)
                    .map(|(_, l)| *l)
                    .unwrap_or_default();
                return Found::Route {
                    pattern: route.pattern,
                    handler: route.handler.clone(),
                    params,
                    cors,
                    limits,
                };
            }
            if !allow.contains(&route.method) {
                allow.push(route.method.clone());
            }
            if route.safe && !allow.contains(&Method::HEAD) {
                allow.push(Method::HEAD);
            }
        }
        if allow.is_empty() {
            return Found::Nothing;
        }
        if *method == Method::OPTIONS {
            if let Some(route) = self
                .routes
                .iter()
                .find(|r| matches(&r.segments, &parts).is_some())
            {
                if let Some(cors) = self.cors_for(&route.segments) {
                    let params = matches(&route.segments, &parts).unwrap_or_default();
                    return Found::Preflight {
                        pattern: route.pattern,
                        allow,
                        params,
                        cors,
                    };
                }
            }
        }
        Found::WrongMethod { allow }
    }

    fn cors_for(&self, segments: &[Segment]) -> Option<Arc<Cors<S>>> {
        self.cors
            .iter()
            .find(|(s, _)| s == segments)
            .map(|(_, c)| c.clone())
    }
}

fn parse_pattern(pattern: &'static str) -> Vec<Segment> {
    assert!(
        pattern.starts_with('/'),
        "route pattern {pattern:?} must start with /"
    );
    pattern
        .split('/')
        .skip(1)
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    assert!(
                        !name.is_empty(),
                        "empty capture in route pattern {pattern:?}"
                    );
                    Segment::Capture(name)
                }
                None => Segment::Literal(s),
            },
        )
        .collect()
}

fn matches(segments: &[Segment], parts: &[&str]) -> Option<Params> {
    if segments.len() != parts.len() {
        return None;
    }
    let mut params = Params::default();
    for (segment, part) in segments.iter().zip(parts) {
        match segment {
            Segment::Literal(lit) if lit == part => {}
            Segment::Capture(name) if !part.is_empty() => {
                params.push(name, crate::request::percent_decode(part.as_bytes(), false));
            }
            _ => return None,
        }
    }
    Some(params)
}
