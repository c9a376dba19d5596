//! The crate's one error type.

/// Why a JWK Set could not be fetched or used.
///
/// Messages are lower-case and name the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL does not parse.
    #[error("invalid url {url:?}: {reason}")]
    Url {
        /// The URL given.
        url: String,
        /// What the parser said.
        reason: String,
    },
    /// The URL is not `https://` or `http://` with a host.
    #[error("{url:?} is not an https:// or http:// url")]
    Scheme {
        /// The URL given.
        url: String,
    },
    /// The TLS client could not be set up.
    #[error("tls setup failed: {reason}")]
    Tls {
        /// What rustls said.
        reason: String,
    },
    /// The connection, the TLS handshake or the HTTP exchange failed.
    #[error("request failed: {reason}")]
    Request {
        /// What hyper said.
        reason: String,
    },
    /// The host answered with another status than 200.
    #[error("status {status}")]
    Status {
        /// The status code.
        status: u16,
    },
    /// The body could not be read, or is longer than [`MAX_JWKS_LEN`](crate::MAX_JWKS_LEN).
    #[error("reading the body failed: {reason}")]
    Body {
        /// What went wrong.
        reason: String,
    },
    /// The body is not UTF-8.
    #[error("the body is not utf-8")]
    NotUtf8,
    /// No complete answer within the timeout.
    #[error("no answer within {seconds}s")]
    Timeout {
        /// The timeout, in seconds.
        seconds: u64,
    },
    /// The fetched set is unusable, or the token does not verify with it.
    #[error(transparent)]
    Session(#[from] watchword_session::Error),
}

impl Error {
    /// Returns this failure as the pure cache records it.
    pub(crate) fn into_session(self) -> watchword_session::Error {
        match self {
            Error::Session(error) => error,
            other => watchword_session::Error::Fetch {
                reason: other.to_string(),
            },
        }
    }
}
