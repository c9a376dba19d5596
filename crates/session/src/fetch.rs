//! Fetching the auth host's JWK Set with a hyper 1 client (feature `fetch`).
//!
//! `https://` URLs go through rustls (on *ring*, with Mozilla's root certificates compiled in
//! from `webpki-roots`: no OpenSSL, no system trust store); `http://` is accepted too, for a
//! host on loopback or behind a TLS-terminating egress proxy. Anything fancier (a private CA,
//! a proxy that needs credentials) is a matter of fetching the set yourself and feeding the
//! pure [`JwksCache`] — that is all [`RemoteJwks`] does.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use watchword_token::UnixTime;

use crate::jwks_cache::max_age;
use crate::{Error, Fetched, JwksCache, Session};

/// How long one fetch may take, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest JWK Set body read, in bytes.
pub const MAX_JWKS_LEN: usize = 64 * 1024;

type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

fn client() -> Result<HttpClient, Error> {
    // The provider is named rather than taken from rustls's process default, which another
    // crate of the same program could have set differently.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(provider)
        .map_err(|err| fetch_error(format!("tls setup failed: {err}")))?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

fn check_url(url: &str) -> Result<http::Uri, Error> {
    let uri: http::Uri = url
        .parse()
        .map_err(|err| fetch_error(format!("invalid url {url:?}: {err}")))?;
    match uri.scheme_str() {
        Some("https" | "http") if uri.host().is_some() => Ok(uri),
        _ => Err(fetch_error(format!(
            "{url:?} is not an https:// or http:// url"
        ))),
    }
}

fn fetch_error(reason: impl Into<String>) -> Error {
    Error::Fetch {
        reason: reason.into(),
    }
}

/// Fetches the JWK Set at `url` once: `GET`, status 200, a UTF-8 body of at most
/// [`MAX_JWKS_LEN`] bytes, and the `Cache-Control` max-age. Redirects are not followed.
///
/// # Errors
///
/// [`Error::Fetch`] for a URL that is not `https://` or `http://`, a connection, TLS or
/// protocol error, another status, an oversized or non-UTF-8 body, or `timeout`.
pub async fn fetch_jwks(url: &str, timeout: Duration) -> Result<Fetched, Error> {
    fetch_with(&client()?, url, timeout).await
}

async fn fetch_with(client: &HttpClient, url: &str, timeout: Duration) -> Result<Fetched, Error> {
    let uri = check_url(url)?;
    let request = http::Request::get(uri)
        .header(http::header::ACCEPT, "application/json")
        .body(Empty::new())
        .map_err(|err| fetch_error(err.to_string()))?;
    let work = async {
        let response = client
            .request(request)
            .await
            .map_err(|err| fetch_error(format!("request failed: {err}")))?;
        if response.status() != http::StatusCode::OK {
            return Err(fetch_error(format!("status {}", response.status())));
        }
        let max_age = response
            .headers()
            .get(http::header::CACHE_CONTROL)
            .and_then(|value| value.to_str().ok())
            .and_then(max_age);
        let body = Limited::new(response.into_body(), MAX_JWKS_LEN)
            .collect()
            .await
            .map_err(|err| fetch_error(format!("reading the body failed: {err}")))?
            .to_bytes();
        let body =
            String::from_utf8(body.to_vec()).map_err(|_| fetch_error("the body is not utf-8"))?;
        Ok(Fetched { body, max_age })
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| fetch_error(format!("no answer within {}s", timeout.as_secs())))?
}

/// Returns the system time as [`UnixTime`] (0 before 1970).
pub fn system_now() -> UnixTime {
    UnixTime(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs()),
    )
}

/// A [`JwksCache`] that fetches for itself: share one per auth host (it is `Sync`) and call
/// [`verify`](RemoteJwks::verify) per request.
///
/// Verification runs under a short lock of the cache. When a fetch is due, the first caller
/// performs it and the others that also need it wait for it (at most [`DEFAULT_TIMEOUT`]);
/// a stale set keeps verifying while a refresh fails.
#[derive(Debug)]
pub struct RemoteJwks {
    cache: Mutex<JwksCache>,
    fetching: tokio::sync::Mutex<()>,
    client: HttpClient,
    timeout: Duration,
}

impl RemoteJwks {
    /// Wraps a cache whose URL is `https://` or `http://`.
    ///
    /// # Errors
    ///
    /// [`Error::Fetch`] for another URL, or if TLS cannot be set up.
    pub fn new(cache: JwksCache) -> Result<Self, Error> {
        check_url(cache.url())?;
        Ok(RemoteJwks {
            cache: Mutex::new(cache),
            fetching: tokio::sync::Mutex::new(()),
            client: client()?,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// Sets the timeout of one fetch.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn lock(&self) -> MutexGuard<'_, JwksCache> {
        // The cache's methods leave it consistent at every return, so a panic elsewhere while
        // it was locked leaves nothing half-done.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Returns a copy of the cache as it is now.
    pub fn snapshot(&self) -> JwksCache {
        self.lock().clone()
    }

    /// Verifies a session token at the system time.
    ///
    /// # Errors
    ///
    /// As [`verify_at`](RemoteJwks::verify_at).
    pub async fn verify(&self, token: &str) -> Result<Session, Error> {
        self.verify_at(token, system_now()).await
    }

    /// Verifies a session token at `now`, fetching the set first when it is missing or stale,
    /// and once more for an unknown `kid` when the cache allows.
    ///
    /// # Errors
    ///
    /// [`Error::NoKeySet`] if no set could be fetched yet, otherwise the errors of
    /// [`JwksCache::verify`] — never [`Error::NeedsRefetch`], which this method acts on.
    pub async fn verify_at(&self, token: &str, now: UnixTime) -> Result<Session, Error> {
        self.refresh(now).await;
        let first = self.lock().verify(token, now);
        match first {
            Err(Error::NeedsRefetch { .. } | Error::NoKeySet) => {
                self.refresh(now).await;
                match self.lock().verify(token, now) {
                    Err(Error::NeedsRefetch { kid }) => {
                        Err(watchword_token::Error::UnknownKid { kid }.into())
                    }
                    verdict => verdict,
                }
            }
            verdict => verdict,
        }
    }

    /// Performs the fetch the cache plans at `now`, if any; returns whether the set was
    /// (re)loaded.
    pub async fn refresh(&self, now: UnixTime) -> bool {
        if !self.lock().fetch_due(now) {
            return false;
        }
        let _one_fetch_at_a_time = self.fetching.lock().await;
        let Some(request) = self.lock().plan(now) else {
            // Another caller fetched while this one waited.
            return false;
        };
        let result = fetch_with(&self.client, &request.url, self.timeout).await;
        self.lock().on_fetched(now, result).is_ok()
    }
}
