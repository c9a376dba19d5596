//! Calls the host makes to OAuth providers: discovery, key sets, token exchange, user info.
//! HTTPS with the web PKI roots (plain HTTP only to loopback, for local providers), a
//! timeout, a body limit, no redirects followed.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// How long one call may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest response body read.
pub const MAX_BODY: usize = 256 * 1024;

/// Why a call to a provider failed.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The URL is not `https://`, or `http://` on loopback.
    #[error("{0}: only https:// URLs, or http:// on loopback")]
    Url(String),
    /// TLS set-up.
    #[error("tls: {0}")]
    Tls(String),
    /// Connection or protocol.
    #[error("{url}: {reason}")]
    Request {
        /// The URL called.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// Another status than 200.
    #[error("{url} answered {status}")]
    Status {
        /// The URL called.
        url: String,
        /// Its status.
        status: u16,
    },
    /// The body is not the JSON expected.
    #[error("{url}: {reason}")]
    Body {
        /// The URL called.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// Past [`TIMEOUT`].
    #[error("{0}: timed out")]
    Timeout(String),
}

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A client for provider calls.
#[derive(Clone)]
pub struct Outbound {
    client: HttpClient,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Outbound")
    }
}

/// Whether `host` (a name or an IP address, IPv6 possibly in brackets) is `localhost` or a
/// loopback address.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_matches(['[', ']']);
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Checks a provider URL: `https://`, or `http://` to a loopback host.
pub fn check_url(url: &str) -> Result<http::Uri, OutboundError> {
    let uri: http::Uri = url
        .parse()
        .map_err(|_| OutboundError::Url(url.to_owned()))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("https"), Some(_)) => Ok(uri),
        (Some("http"), Some(host)) if is_loopback_host(host) => Ok(uri),
        _ => Err(OutboundError::Url(url.to_owned())),
    }
}

impl Outbound {
    /// A client with the web PKI roots.
    pub fn new() -> Result<Self, OutboundError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .map_err(|e| OutboundError::Tls(e.to_string()))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// `GET url` with `Accept: application/json` (and a bearer token), parsed as JSON.
    pub async fn get_json(
        &self,
        url: &str,
        bearer: Option<&str>,
    ) -> Result<serde_json::Value, OutboundError> {
        let mut request = http::Request::get(check_url(url)?)
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::USER_AGENT, "watchword-auth-host");
        if let Some(token) = bearer {
            request = request.header(http::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = request
            .body(Full::new(Bytes::new()))
            .map_err(|e| OutboundError::Url(format!("{url}: {e}")))?;
        self.send(url, request).await
    }

    /// `POST url` with a form body (and HTTP Basic client credentials), parsed as JSON.
    pub async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
    ) -> Result<serde_json::Value, OutboundError> {
        let body = form_encode(form);
        let mut request = http::Request::post(check_url(url)?)
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::USER_AGENT, "watchword-auth-host")
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        if let Some((user, pass)) = basic {
            use base64::Engine as _;
            // RFC 6749 §2.3.1: the id and secret are form-encoded before Basic encoding.
            let credentials = format!("{}:{}", form_escape(user), form_escape(pass));
            let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
            request = request.header(http::header::AUTHORIZATION, format!("Basic {encoded}"));
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| OutboundError::Url(format!("{url}: {e}")))?;
        self.send(url, request).await
    }

    async fn send(
        &self,
        url: &str,
        request: http::Request<Full<Bytes>>,
    ) -> Result<serde_json::Value, OutboundError> {
        let call = async {
            let response =
                self.client
                    .request(request)
                    .await
                    .map_err(|e| OutboundError::Request {
                        url: url.to_owned(),
                        reason: e.to_string(),
                    })?;
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| OutboundError::Body {
                    url: url.to_owned(),
                    reason: e.to_string(),
                })?
                .to_bytes();
            if status != http::StatusCode::OK {
                return Err(OutboundError::Status {
                    url: url.to_owned(),
                    status: status.as_u16(),
                });
            }
            serde_json::from_slice(&body).map_err(|e| OutboundError::Body {
                url: url.to_owned(),
                reason: format!("not JSON: {e}"),
            })
        };
        tokio::time::timeout(TIMEOUT, call)
            .await
            .map_err(|_| OutboundError::Timeout(url.to_owned()))?
    }
}

/// `application/x-www-form-urlencoded` escaping of one value.
pub fn form_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// A form body or query string from pairs.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", form_escape(k), form_escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_urls_are_https_or_loopback() {
        assert!(check_url("https://accounts.example.com/x").is_ok());
        assert!(check_url("http://127.0.0.1:9000/x").is_ok());
        assert!(check_url("http://localhost:9000/x").is_ok());
        assert!(check_url("http://[::1]:9000/x").is_ok());
        assert!(check_url("http://accounts.example.com/x").is_err());
        assert!(check_url("file:///etc/passwd").is_err());
    }

    #[test]
    fn forms_are_escaped() {
        assert_eq!(
            form_encode(&[("a b", "c&d=é"), ("x", "~._-")]),
            "a+b=c%26d%3D%C3%A9&x=~._-"
        );
    }
}
