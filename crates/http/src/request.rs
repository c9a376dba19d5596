//! The request a handler receives: head, the whole (size-limited) body, the caller's address
//! and the path parameters of the matched route.

use std::net::IpAddr;

use bytes::Bytes;
use http::header::{HeaderMap, CONTENT_TYPE};
use http::{Method, Uri};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Path parameters captured by a route pattern such as `/challenges/{id}`.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(&'static str, String)>);

impl Params {
    pub(crate) fn push(&mut self, name: &'static str, value: String) {
        self.0.push((name, value));
    }

    /// The value captured for `name`, if the route has that parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A request whose body has been read within the server's size limit.
#[derive(Debug)]
pub struct Request {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    client_ip: IpAddr,
    prefixes: Prefixes,
    params: Params,
}

/// How many leading bits of a client address name one client for rate limits, escalation and
/// voting: one customer usually holds a whole IPv6 /64 and can pick any address in it, so
/// keying on the full address would give them 2^64 buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefixes {
    /// Prefix length for IPv4 addresses (1 to 32; 32 by default).
    pub v4: u8,
    /// Prefix length for IPv6 addresses (1 to 128; 64 by default).
    pub v6: u8,
}

impl Default for Prefixes {
    fn default() -> Self {
        Self { v4: 32, v6: 64 }
    }
}

impl Prefixes {
    /// The network of `ip` under these prefix lengths, as `address/length` text: the subject
    /// of every per-client key. IPv4-mapped IPv6 addresses count as IPv4.
    pub fn network(&self, ip: IpAddr) -> String {
        match ip {
            IpAddr::V4(v4) => v4_network(v4, self.v4),
            IpAddr::V6(v6) => {
                if let Some(v4) = v6.to_ipv4_mapped() {
                    return v4_network(v4, self.v4);
                }
                let bits = self.v6.clamp(1, 128);
                let mask = u128::MAX << (128 - u32::from(bits));
                let net = std::net::Ipv6Addr::from(u128::from(v6) & mask);
                format!("{net}/{bits}")
            }
        }
    }
}

fn v4_network(ip: std::net::Ipv4Addr, bits: u8) -> String {
    let bits = bits.clamp(1, 32);
    let mask = u32::MAX << (32 - u32::from(bits));
    let net = std::net::Ipv4Addr::from(u32::from(ip) & mask);
    format!("{net}/{bits}")
}

impl Request {
    /// Builds a request; the server does this, tests may too.
    pub fn new(
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
        client_ip: IpAddr,
    ) -> Self {
        Self {
            method,
            uri,
            headers,
            body,
            client_ip,
            prefixes: Prefixes::default(),
            params: Params::default(),
        }
    }

    /// Sets the prefix lengths of [`Request::client_network`].
    #[must_use]
    pub fn with_prefixes(mut self, prefixes: Prefixes) -> Self {
        self.prefixes = prefixes;
        self
    }

    pub(crate) fn set_params(&mut self, params: Params) {
        self.params = params;
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URI as received (path and query).
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header's value as text, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The raw body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The caller's IP address: the socket peer, or the proxy-supplied address when the server
    /// is configured to trust `X-Forwarded-For`.
    pub fn client_ip(&self) -> IpAddr {
        self.client_ip
    }

    /// The caller's network (`203.0.113.7/32`, `2001:db8:1:2::/64`): the subject to use for
    /// every per-client rate limit, counter and identity, so that one customer's IPv6 /64 is
    /// one client.
    pub fn client_network(&self) -> String {
        self.prefixes.network(self.client_ip)
    }

    /// The path parameter `name`.
    ///
    /// # Errors
    /// `404 not_found` when the route has no such parameter (a routing mistake of the surface,
    /// reported as a missing resource rather than a panic).
    pub fn param(&self, name: &str) -> Result<&str, ApiError> {
        self.params
            .get(name)
            .ok_or_else(|| ApiError::not_found(format!("no path parameter {name}")))
    }

    /// The decoded query string as pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.uri
            .query()
            .map(|q| form_pairs(q.as_bytes()))
            .unwrap_or_default()
    }

    /// The first query value for `name`.
    pub fn query(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// Parses the body as JSON into `T`.
    ///
    /// # Errors
    /// `415 unsupported_media_type` unless the content type is JSON, `400 invalid_json` when
    /// the body is not JSON, `400 invalid_request` when it is JSON of the wrong shape (the
    /// message names the field and what was expected).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if !self.content_type_is("application/json") {
            return Err(ApiError::new(
                http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected Content-Type: application/json",
            ));
        }
        parse_json(&self.body)
    }

    /// The body of an endpoint that takes JSON: empty (an endpoint may take no body), or
    /// declared `application/json`.
    ///
    /// # Errors
    /// `415 unsupported_media_type` for a body that is not empty and declared as something
    /// else, or not declared at all.
    pub fn json_body(&self) -> Result<&[u8], ApiError> {
        if !self.body.iter().all(u8::is_ascii_whitespace)
            && !self.content_type_is("application/json")
        {
            return Err(ApiError::new(
                http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected Content-Type: application/json",
            ));
        }
        Ok(&self.body)
    }

    /// Parses an `application/x-www-form-urlencoded` body into pairs.
    ///
    /// # Errors
    /// `415 unsupported_media_type` unless the content type is form-encoded.
    pub fn form(&self) -> Result<Vec<(String, String)>, ApiError> {
        if !self.content_type_is("application/x-www-form-urlencoded") {
            return Err(ApiError::new(
                http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected Content-Type: application/x-www-form-urlencoded",
            ));
        }
        Ok(form_pairs(&self.body))
    }

    /// Whether the media type (ignoring parameters such as `charset`) is `expected`.
    pub fn content_type_is(&self, expected: &str) -> bool {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected))
    }
}

/// Parses JSON bytes into `T`, telling syntax errors (`invalid_json`) from shape errors
/// (`invalid_request`).
///
/// # Errors
/// As [`Request::json`].
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => {
                ApiError::bad_request("invalid_request", format!("invalid request body: {e}"))
            }
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::bad_request("invalid_json", format!("body is not valid JSON: {e}"))
            }
        }
    })
}

/// Decodes `application/x-www-form-urlencoded` bytes (also used for query strings).
/// Invalid percent escapes are kept literally and invalid UTF-8 is replaced, as browsers do.
pub fn form_pairs(input: &[u8]) -> Vec<(String, String)> {
    input
        .split(|&b| b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut split = part.splitn(2, |&b| b == b'=');
            let name = split.next().unwrap_or_default();
            let value = split.next().unwrap_or_default();
            (percent_decode(name, true), percent_decode(value, true))
        })
        .collect()
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`, as in forms).
pub(crate) fn percent_decode(input: &[u8], plus_is_space: bool) -> String {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => match (hex(input.get(i + 1)), hex(input.get(i + 2))) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: Option<&u8>) -> Option<u8> {
    match b? {
        b @ b'0'..=b'9' => Some(b - b'0'),
        b @ b'a'..=b'f' => Some(b - b'a' + 10),
        b @ b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::form_pairs;

    #[test]
    fn decodes_forms_like_browsers() {
        let pairs = form_pairs(b"a=1&b=x+y&c=%41%2f&d=%zz&e&&f=%4");
        let expect: Vec<(String, String)> = [
            ("a", "1"),
            ("b", "x y"),
            ("c", "A/"),
            ("d", "%zz"),
            ("e", ""),
            ("f", "%4"),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
        assert_eq!(pairs, expect);
    }
}
