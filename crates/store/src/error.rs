//! The crate's one error type.

use std::time::Duration;

/// What can go wrong when talking to the store.
///
/// Every variant is a failure: no operation reports success when it could not tell for sure, so a
/// caller that maps any `Err` to a refusal (HTTP 503 for [`Error::Unavailable`] and
/// [`Error::Corrupt`]) fails closed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The backend could not be reached or did not answer in time (connection refused, timeout,
    /// Redis loading or in failover). Retrying later may succeed; callers answer 503.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The store holds data this crate did not write in that shape (wrong type, bad version,
    /// non-numeric counter).
    #[error("unexpected data in the store: {0}")]
    Corrupt(String),
    /// A store URL could not be used (bad syntax, unknown scheme, feature not compiled in).
    #[error("invalid store url {url:?}: {reason}")]
    InvalidUrl {
        /// The URL with any password masked.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// A part of a [`Key`](crate::Key) or [`Table`](crate::Table), or a configuration record id,
    /// was refused.
    #[error("invalid {part} {value:?}: {reason}")]
    InvalidKey {
        /// Which part: `surface`, `kind` or `id`.
        part: &'static str,
        /// The refused value (cut to 64 characters).
        value: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A time-to-live or window was zero or too long.
    #[error("ttl {0:?} is out of range: it must be above zero and at most {max:?}", max = crate::MAX_TTL)]
    InvalidTtl(Duration),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Masks the password of a URL such as `redis://user:secret@host` or
/// `redis+unix:///path?pass=secret` so it can be shown in errors and logs.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The authority ends at the first '/', '?' or '#'; a cluster URL lists several hosts in it.
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{user}:***@{hosts}")
        }
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let (query, fragment) = query
                .split_once('#')
                .map_or((query, None), |(q, f)| (q, Some(f)));
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name @ ("pass" | "password"), _)) => format!("{name}=***"),
                    _ => pair.to_owned(),
                })
                .collect();
            let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
            format!("{path}?{}{fragment}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(redact_url("redis://h:6379/0"), "redis://h:6379/0");
        assert_eq!(redact_url("redis://:pw@h:6379"), "redis://:***@h:6379");
        assert_eq!(redact_url("redis://u:pw@h"), "redis://u:***@h");
        assert_eq!(
            redact_url("redis+cluster://u:p@a:1,b:2"),
            "redis+cluster://u:***@a:1,b:2"
        );
        assert_eq!(
            redact_url("redis+unix:///tmp/r.sock?db=1&pass=x"),
            "redis+unix:///tmp/r.sock?db=1&pass=***"
        );
    }
}
