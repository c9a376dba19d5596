//! One fetch of a JWK Set.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use watchword_session::jwks_cache::max_age;
use watchword_session::verdict::verify_session_with_jwks;
use watchword_session::{Fetched, SessionRules, UnixTime};

use crate::Error;

/// How long one fetch may take, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest JWK Set body read, in bytes.
pub const MAX_JWKS_LEN: usize = 64 * 1024;

pub(crate) type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

pub(crate) fn client() -> Result<HttpClient, Error> {
    // The provider is named rather than taken from rustls's process default, which another
    // crate of the same program could have set differently.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(provider)
        .map_err(|err| Error::Tls {
            reason: err.to_string(),
        })?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

pub(crate) fn check_url(url: &str) -> Result<http::Uri, Error> {
    let uri: http::Uri = url
        .parse()
        .map_err(|err: http::uri::InvalidUri| Error::Url {
            url: url.to_owned(),
            reason: err.to_string(),
        })?;
    match uri.scheme_str() {
        Some("https" | "http") if uri.host().is_some() => Ok(uri),
        _ => Err(Error::Scheme {
            url: url.to_owned(),
        }),
    }
}

/// Fetches the JWK Set at `url` once: `GET`, status 200, a UTF-8 body of at most
/// [`MAX_JWKS_LEN`] bytes, and the `Cache-Control` max-age. Redirects are not followed.
///
/// # Errors
///
/// [`Error::Url`] or [`Error::Scheme`] for a URL that is not `https://` or `http://`,
/// [`Error::Tls`] or [`Error::Request`] for a connection, TLS or protocol error,
/// [`Error::Status`] for another status than 200, [`Error::Body`] or [`Error::NotUtf8`] for
/// an oversized or non-UTF-8 body, [`Error::Timeout`] past `timeout`.
pub async fn fetch_jwks(url: &str, timeout: Duration) -> Result<Fetched, Error> {
    fetch_with(&client()?, url, timeout).await
}

pub(crate) async fn fetch_with(
    client: &HttpClient,
    url: &str,
    timeout: Duration,
) -> Result<Fetched, Error> {
    let uri = check_url(url)?;
    let request = http::Request::get(uri)
        .header(http::header::ACCEPT, "application/json")
        .body(Empty::new())
        .map_err(|err| Error::Url {
            url: url.to_owned(),
            reason: err.to_string(),
        })?;
    let work = async {
        let response = client
            .request(request)
            .await
            .map_err(|err| Error::Request {
                reason: err.to_string(),
            })?;
        if response.status() != http::StatusCode::OK {
            return Err(Error::Status {
                status: response.status().as_u16(),
            });
        }
        let max_age = response
            .headers()
            .get(http::header::CACHE_CONTROL)
            .and_then(|value| value.to_str().ok())
            .and_then(max_age);
        let body = Limited::new(response.into_body(), MAX_JWKS_LEN)
            .collect()
            .await
            .map_err(|err| Error::Body {
                reason: err.to_string(),
            })?
            .to_bytes();
        let body = String::from_utf8(body.to_vec()).map_err(|_| Error::NotUtf8)?;
        Ok(Fetched { body, max_age })
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| Error::Timeout {
            seconds: timeout.as_secs(),
        })?
}

/// Fetches the JWK Set at `url` (`https://` or `http://`) and returns the verdict of `token`
/// under `rules` at `now`, as
/// [`verify_session_with_jwks`](watchword_session::verdict::verify_session_with_jwks) does —
/// for `watchword verify session --jwks URL`.
///
/// # Errors
///
/// The errors of [`fetch_jwks`], or [`Error::Session`] if the set does not parse or holds no
/// Ed25519 key.
pub async fn verify_session_with_url(
    url: &str,
    token: &str,
    rules: SessionRules,
    now: UnixTime,
) -> Result<Value, Error> {
    let fetched = fetch_jwks(url, DEFAULT_TIMEOUT).await?;
    Ok(verify_session_with_jwks(&fetched.body, token, rules, now)?)
}
