//! A deliberately small HTTP/1.1 client over a raw socket for server tests, so tests can also send what a real
//! client library would refuse to: slow heads, lying lengths, broken JSON.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A parsed HTTP/1.1 response.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Reply {
    /// The first header called `name`, any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    ///
    /// # Panics
    /// When it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body as text (lossy), for assertion messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The stable error code of a `{"error": {"code": …}}` body.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {:?}", self.json()))
            .to_owned()
    }
}

/// Sends `raw` bytes and reads the reply until the server closes (requests say `Connection: close`).
pub async fn send_raw(addr: SocketAddr, raw: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(raw).await.expect("write");
    read_reply(&mut stream).await
}

/// Reads a reply until the server closes.
///
/// # Panics
/// When nothing complete arrives within 10 s.
pub async fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buf))
        .await
        .expect("reply in time")
        .expect("read");
    parse(&buf)
}

/// Parses a whole HTTP/1.1 response.
///
/// # Panics
/// When there is no complete head.
pub fn parse(buf: &[u8]) -> Reply {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(buf)));
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect::<Vec<_>>();
    let mut body = buf[end + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut input: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(line_end) = input.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(String::from_utf8_lossy(&input[..line_end]).trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&input[line_end + 2..line_end + 2 + size]);
        input = &input[line_end + 2 + size + 2..];
    }
}

/// A request with `Connection: close` and, when `body` is given, a JSON content type.
pub fn request(method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Vec<u8> {
    request_to("test", method, path, headers, body)
}

/// A request like [`request`] (`Connection: close`, a `Content-Length` when `body` is given) with
/// the `Host` header `host` (`127.0.0.1:port`, say) instead of `test`, for servers that build
/// URLs from it.
pub fn request_to(
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Vec<u8> {
    let mut raw = format!("{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n");
    for (name, value) in headers {
        let _ = write!(raw, "{name}: {value}\r\n");
    }
    if let Some(body) = body {
        let _ = write!(raw, "content-length: {}\r\n\r\n", body.len());
        let mut raw = raw.into_bytes();
        raw.extend_from_slice(body);
        return raw;
    }
    raw.push_str("\r\n");
    raw.into_bytes()
}

/// `GET path`.
pub async fn get(addr: SocketAddr, path: &str) -> Reply {
    send_raw(addr, &request("GET", path, &[], None)).await
}

/// `POST path` with a JSON body.
pub async fn post_json(addr: SocketAddr, path: &str, body: &[u8]) -> Reply {
    send_raw(
        addr,
        &request(
            "POST",
            path,
            &[("content-type", "application/json")],
            Some(body),
        ),
    )
    .await
}

/// The cookies a server set, kept per name and path and sent back on the requests they match
/// (RFC 6265 path matching), as a browser would for one host. Domains, `Secure` and expiry
/// dates are not tracked: a jar talks to one server on loopback for the span of a test.
#[derive(Debug, Clone, Default)]
pub struct CookieJar {
    cookies: Vec<Cookie>,
}

#[derive(Debug, Clone)]
struct Cookie {
    name: String,
    value: String,
    path: String,
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps every `Set-Cookie` of `reply`, the answer to a request for `target` (path and
    /// query). A cookie set empty, with `Max-Age` zero or less, or expiring in 1970 (the ways
    /// servers delete one) is removed instead.
    pub fn store(&mut self, target: &str, reply: &Reply) {
        for (_, line) in reply
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        {
            let mut parts = line.split(';');
            let Some((name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else {
                continue;
            };
            let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
            let mut path = None;
            let mut deleted = value.is_empty();
            for attribute in parts {
                let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
                let (key, val) = (key.trim(), val.trim());
                if key.eq_ignore_ascii_case("path") && val.starts_with('/') {
                    path = Some(val.to_owned());
                } else if key.eq_ignore_ascii_case("max-age") {
                    deleted |= val.parse::<i64>().is_ok_and(|age| age <= 0);
                } else if key.eq_ignore_ascii_case("expires") {
                    deleted |= val.contains("1970");
                }
            }
            let path = path.unwrap_or_else(|| default_path(target));
            self.cookies
                .retain(|cookie| cookie.name != name || cookie.path != path);
            if !deleted {
                self.cookies.push(Cookie { name, value, path });
            }
        }
    }

    /// The value of the cookie `name` (of any path), if the jar holds one.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|cookie| cookie.name == name)
            .map(|cookie| cookie.value.as_str())
    }

    /// The `Cookie` header for a request to `target` (path and query), longest paths first, or
    /// `None` when no cookie matches.
    pub fn header(&self, target: &str) -> Option<String> {
        let path = target.split(['?', '#']).next().unwrap_or("/");
        let mut matching: Vec<&Cookie> = self
            .cookies
            .iter()
            .filter(|cookie| path_matches(path, &cookie.path))
            .collect();
        if matching.is_empty() {
            return None;
        }
        matching.sort_by_key(|cookie| std::cmp::Reverse(cookie.path.len()));
        Some(
            matching
                .iter()
                .map(|cookie| format!("{}={}", cookie.name, cookie.value))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }
}

/// RFC 6265 §5.1.4: the directory of the request path.
fn default_path(target: &str) -> String {
    let path = target.split(['?', '#']).next().unwrap_or("");
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(slash) => path[..slash].to_owned(),
    }
}

/// RFC 6265 §5.1.4: whether a request for `path` gets a cookie of `cookie_path`.
fn path_matches(path: &str, cookie_path: &str) -> bool {
    path == cookie_path
        || (path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || path[cookie_path.len()..].starts_with('/')))
}

/// `application/x-www-form-urlencoded` of `pairs`, for form bodies and query strings.
pub fn form_urlencoded(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` (a space, as in forms and query strings).
///
/// # Panics
/// On a malformed escape or a result that is not UTF-8.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text
                    .get(i + 1..i + 3)
                    .unwrap_or_else(|| panic!("truncated escape in {text:?}"));
                out.push(
                    u8::from_str_radix(hex, 16)
                        .unwrap_or_else(|_| panic!("bad escape %{hex} in {text:?}")),
                );
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| panic!("{text:?} does not decode to UTF-8"))
}

/// The decoded value of the query parameter `name` of `url` (a full URL or a path with a
/// query), if present.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(key, _)| percent_decode(key) == name)
        .map(|(_, value)| percent_decode(value))
}

/// Splits an `http://<ip>:<port><target>` URL (the form servers on loopback answer with) into
/// the socket address, the authority for the `Host` header and the target (`/` when empty).
///
/// # Panics
/// On another scheme or a host that is not an IP address with a port.
pub fn split_url(url: &str) -> (SocketAddr, &str, &str) {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("not an http:// URL: {url}"));
    let (authority, target) = rest
        .find(['/', '?', '#'])
        .map_or((rest, "/"), |at| rest.split_at(at));
    let addr = authority
        .parse()
        .unwrap_or_else(|e| panic!("{url}: the host is not <ip>:<port> ({e})"));
    (addr, authority, target)
}

/// `GET url` for an `http://<ip>:<port>/…` URL, with the `Host` header it names.
pub async fn get_url(url: &str) -> Reply {
    let (addr, host, target) = split_url(url);
    send_raw(addr, &request_to(host, "GET", target, &[], None)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply_setting(cookies: &[&str]) -> Reply {
        Reply {
            status: 302,
            headers: cookies
                .iter()
                .map(|c| ("Set-Cookie".to_owned(), (*c).to_owned()))
                .collect(),
            body: Vec::new(),
        }
    }

    #[test]
    fn cookies_go_to_their_paths() {
        let mut jar = CookieJar::new();
        jar.store(
            "/auth?client_id=x",
            &reply_setting(&[
                "_interaction=1; path=/interaction/abc; httponly; samesite=lax",
                "_resume=2; path=/auth/abc",
                "_session=3; path=/; expires=Fri, 01 Jan 2100 00:00:00 GMT",
                "local=4",
            ]),
        );
        assert_eq!(
            jar.header("/interaction/abc/login").as_deref(),
            Some("_interaction=1; _session=3; local=4")
        );
        assert_eq!(
            jar.header("/interaction/abcdef").as_deref(),
            Some("_session=3; local=4")
        );
        assert_eq!(
            jar.header("/auth/abc?x=1").as_deref(),
            Some("_resume=2; _session=3; local=4")
        );
        assert_eq!(jar.get("_resume"), Some("2"));

        jar.store(
            "/auth/abc",
            &reply_setting(&[
                "_resume=; path=/auth/abc; expires=Thu, 01 Jan 1970 00:00:00 GMT",
                "_session=5; path=/",
                "local=x; path=/; max-age=0",
            ]),
        );
        assert_eq!(jar.header("/auth/abc").as_deref(), Some("_session=5"));
        assert_eq!(jar.header("/elsewhere").as_deref(), Some("_session=5"));
    }

    #[test]
    fn forms_and_queries_round_trip() {
        let encoded = form_urlencoded(&[
            ("redirect_uri", "http://127.0.0.1:9/cb?a=b"),
            ("s", "x y+é"),
        ]);
        assert_eq!(
            encoded,
            "redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb%3Fa%3Db&s=x%20y%2B%C3%A9"
        );
        let url = format!("http://127.0.0.1:9/cb?{encoded}&flag#frag");
        assert_eq!(
            query_param(&url, "redirect_uri").as_deref(),
            Some("http://127.0.0.1:9/cb?a=b")
        );
        assert_eq!(query_param(&url, "s").as_deref(), Some("x y+é"));
        assert_eq!(query_param(&url, "flag").as_deref(), Some(""));
        assert_eq!(query_param(&url, "missing"), None);
        assert_eq!(percent_decode("a+b%20c"), "a b c");
    }

    #[test]
    fn urls_split_into_address_host_and_target() {
        let (addr, host, target) = split_url("http://127.0.0.1:8080/a/b?c=d");
        assert_eq!(addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!((host, target), ("127.0.0.1:8080", "/a/b?c=d"));
        assert_eq!(split_url("http://[::1]:1").2, "/");
    }
}
