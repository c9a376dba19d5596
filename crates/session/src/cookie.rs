//! The `oc_session` cookie: reading it from a `Cookie` header, and the `Set-Cookie` values
//! the auth host sends (RFC 6265).

use crate::text::{self, Charset};
use crate::{Error, SESSION_COOKIE};

/// Returns the value of the first cookie called `name` in a `Cookie` request header.
///
/// A sibling subdomain can set a cookie of the same name for the parent domain; the browser
/// then sends both. Whichever comes first is returned, and a forged one fails verification
/// like any other bad token.
pub fn cookie_value<'a>(cookie_header: &'a str, name: &str) -> Option<&'a str> {
    cookie_header.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then(|| value.trim_matches('"'))
    })
}

/// The attributes of the session cookie the auth host sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieOptions {
    domain: Option<String>,
    max_age: u64,
    secure: bool,
}

impl CookieOptions {
    /// A host-only cookie (no `Domain`) that lives `max_age` seconds: pass the session
    /// lifetime.
    pub fn new(max_age: u64) -> Self {
        CookieOptions {
            domain: None,
            max_age,
            secure: true,
        }
    }

    /// Leaves out `Secure`, so that the cookie also travels over plain HTTP. Only for an auth
    /// host on `http://localhost` during development: anywhere else the cookie would be
    /// readable on the network.
    #[must_use]
    pub fn without_secure(mut self) -> Self {
        self.secure = false;
        self
    }

    /// Returns whether the cookie carries `Secure`.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// Returns the cookie's `Max-Age`, in seconds.
    pub fn max_age(&self) -> u64 {
        self.max_age
    }

    /// Shares the cookie with every subdomain of `domain` (`example.com` → `Domain=example.com`),
    /// as OrangeCheck does for its family of sites.
    ///
    /// # Errors
    ///
    /// A value error if `domain` is empty or holds a character a cookie attribute cannot
    /// (space, `;`, `,`, anything outside printable ASCII).
    pub fn domain(mut self, domain: &str) -> Result<Self, Error> {
        text::check_value("cookie domain", domain, 253, Charset::Word)?;
        if domain.contains(';') {
            return Err(Error::Character {
                field: "cookie domain".into(),
                found: ';',
            });
        }
        self.domain = Some(domain.to_owned());
        Ok(self)
    }

    /// Returns the `Set-Cookie` value that stores `token`: `HttpOnly`, `Secure`,
    /// `SameSite=Lax`, `Path=/`.
    pub fn set_cookie(&self, token: &str) -> String {
        self.render(SESSION_COOKIE, token, self.max_age)
    }

    /// Returns the `Set-Cookie` value that deletes the cookie (same attributes, `Max-Age=0`).
    pub fn clear_cookie(&self) -> String {
        self.render(SESSION_COOKIE, "", 0)
    }

    /// Returns a `Set-Cookie` value for another cookie of the auth host (`name`, with the same
    /// attributes as the session cookie), which `value` must be safe for: the caller's own
    /// token characters (base64url, hex), never user input.
    pub fn render(&self, name: &str, value: &str, max_age: u64) -> String {
        let mut cookie = format!("{name}={value}; Path=/; Max-Age={max_age}");
        if let Some(domain) = &self.domain {
            cookie.push_str("; Domain=");
            cookie.push_str(domain);
        }
        cookie.push_str(if self.secure {
            "; HttpOnly; Secure; SameSite=Lax"
        } else {
            "; HttpOnly; SameSite=Lax"
        });
        cookie
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_first_matching_cookie() {
        let header = "theme=dark; oc_session=abc.def.ghi; oc_session=second";
        assert_eq!(cookie_value(header, "oc_session"), Some("abc.def.ghi"));
        assert_eq!(cookie_value("oc_session=\"q\"", "oc_session"), Some("q"));
        assert_eq!(cookie_value("xoc_session=1", "oc_session"), None);
        assert_eq!(cookie_value("", "oc_session"), None);
    }

    #[test]
    fn writes_set_cookie_values() {
        let options = CookieOptions::new(600)
            .domain("example.com")
            .expect("valid domain");
        assert_eq!(
            options.set_cookie("t.o.k"),
            "oc_session=t.o.k; Path=/; Max-Age=600; Domain=example.com; HttpOnly; Secure; SameSite=Lax"
        );
        assert_eq!(
            CookieOptions::new(1).clear_cookie(),
            "oc_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax"
        );
        assert_eq!(
            CookieOptions::new(5)
                .without_secure()
                .render("oc_browser", "b", 5),
            "oc_browser=b; Path=/; Max-Age=5; HttpOnly; SameSite=Lax"
        );
        assert!(CookieOptions::new(1).domain("a.com; Secure").is_err());
        assert!(CookieOptions::new(1).domain("a.com;x").is_err());
        assert!(CookieOptions::new(1).domain("").is_err());
    }
}
