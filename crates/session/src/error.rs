//! The crate's one error type.

use core::fmt;

use watchword_token::UnixTime;

/// Which of the two OrangeCheck texts an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TextKind {
    /// The `orangecheck-auth` sign-in challenge.
    Challenge,
    /// The `orangecheck` attestation message.
    Attestation,
}

impl fmt::Display for TextKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TextKind::Challenge => "challenge",
            TextKind::Attestation => "attestation",
        })
    }
}

/// Everything that can go wrong while building or reading the sign-in texts, issuing or
/// verifying session tokens, keeping the JWKS cache or changing an account roster.
///
/// Each rule has its own variant so that callers (and tests) can tell exactly which one an
/// input broke. Messages are lower-case and name the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A text is longer than its limit.
    #[error("{kind} text is {len} bytes, more than the {max}-byte limit")]
    TooLong {
        /// Which text.
        kind: TextKind,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A text contains a carriage return: lines end with a line feed alone.
    #[error("{kind} text contains a carriage return; lines end with a line feed alone")]
    CarriageReturn {
        /// Which text.
        kind: TextKind,
    },
    /// A text does not end with exactly one line feed (none, or an empty last line).
    #[error("{kind} text must end with exactly one line feed")]
    TrailingNewline {
        /// Which text.
        kind: TextKind,
    },
    /// The first line is not the text's header literal.
    #[error("{kind} text starts with {found:?}, not {expected:?}")]
    Header {
        /// Which text.
        kind: TextKind,
        /// The header the text must start with.
        expected: &'static str,
        /// The first line found.
        found: String,
    },
    /// A line (1-based, the header is line 1) has no `": "` between key and value.
    #[error("{kind} line {line} has no \": \" separator")]
    MissingSeparator {
        /// Which text.
        kind: TextKind,
        /// The line number.
        line: usize,
    },
    /// A key that the text does not define.
    #[error("{kind} text has unknown key {key:?}")]
    UnknownKey {
        /// Which text.
        kind: TextKind,
        /// The key.
        key: String,
    },
    /// A key appears twice.
    #[error("{kind} text repeats key {key:?}")]
    DuplicateKey {
        /// Which text.
        kind: TextKind,
        /// The key.
        key: String,
    },
    /// A core line is out of its fixed order.
    #[error("{kind} line {line} is {found:?}, expected {expected:?}")]
    LineOrder {
        /// Which text.
        kind: TextKind,
        /// The line number.
        line: usize,
        /// The key the line must have.
        expected: &'static str,
        /// The key found.
        found: String,
    },
    /// The text ends before a core line.
    #[error("{kind} text has no {key:?} line")]
    MissingLine {
        /// Which text.
        kind: TextKind,
        /// The missing key.
        key: &'static str,
    },
    /// Extension lines are not sorted by key.
    #[error("{kind} extension {key:?} comes after {previous:?}; extensions are sorted by key")]
    ExtensionOrder {
        /// Which text.
        kind: TextKind,
        /// The key out of order.
        key: String,
        /// The key before it.
        previous: String,
    },
    /// A fixed line (`purpose`, `ack`) has other wording.
    #[error("{kind} {key} line is not the fixed text {expected:?}")]
    Literal {
        /// Which text.
        kind: TextKind,
        /// The key of the line.
        key: &'static str,
        /// The only accepted value.
        expected: &'static str,
    },
    /// A value contains a line feed or a carriage return, which would forge another line.
    #[error("{field} contains a newline")]
    Newline {
        /// What the value is.
        field: String,
    },
    /// A value contains a comma, which would forge another list item.
    #[error("{field} contains a comma")]
    Comma {
        /// What the value is.
        field: String,
    },
    /// A value contains a character outside printable ASCII.
    #[error("{field} contains {found:?}; only printable ascii is allowed")]
    Character {
        /// What the value is.
        field: String,
        /// The first such character.
        found: char,
    },
    /// A value is empty where one is required.
    #[error("{field} is empty")]
    Empty {
        /// What the value is.
        field: String,
    },
    /// A value starts or ends with a space, which a reader may not see.
    #[error("{field} starts or ends with a space")]
    Space {
        /// What the value is.
        field: String,
    },
    /// A value is longer than its limit.
    #[error("{field} is {len} bytes, more than the {max}-byte limit")]
    ValueTooLong {
        /// What the value is.
        field: String,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An identity protocol is not a lower-case name (`[a-z][a-z0-9_-]*`).
    #[error("identity protocol {found:?} is not a lower-case name ([a-z][a-z0-9_-]*)")]
    Protocol {
        /// The protocol given.
        found: String,
    },
    /// An identity binding in an attestation has no `:` between protocol and identifier.
    #[error("identity binding {found:?} has no \":\" between protocol and identifier")]
    IdentityBinding {
        /// The binding.
        found: String,
    },
    /// The identities of an attestation are not sorted by their full binding.
    #[error("identity {found:?} is out of order; identities are sorted")]
    IdentityOrder {
        /// The binding out of order.
        found: String,
    },
    /// An extension key is not a lower-case name (`[a-z][a-z0-9_]*`).
    #[error("extension key {found:?} is not a lower-case name ([a-z][a-z0-9_]*)")]
    ExtensionKey {
        /// The key given.
        found: String,
    },
    /// A nonce is not 32 lower-case hex digits (16 bytes).
    #[error("nonce {found:?} is not 32 lower-case hex digits")]
    Nonce {
        /// The nonce given.
        found: String,
    },
    /// A `did:oc` identifier is not `did:oc:` and 32 lower-case hex digits.
    #[error("{found:?} is not did:oc: followed by 32 lower-case hex digits")]
    DidOc {
        /// The identifier given.
        found: String,
    },
    /// A timestamp is not in the canonical `YYYY-MM-DDTHH:MM:SSZ` form, or names no instant.
    #[error("timestamp {value:?} is not YYYY-MM-DDTHH:MM:SSZ")]
    Timestamp {
        /// The text given.
        value: String,
    },
    /// A time is after 9999-12-31T23:59:59Z, which the texts cannot write.
    #[error("time {time} is after 9999-12-31T23:59:59Z")]
    TimestampRange {
        /// The time.
        time: UnixTime,
    },
    /// A challenge lifetime is zero, or longer than the limit.
    #[error("challenge lifetime of {seconds}s is outside 1..={max}s")]
    Lifetime {
        /// `expires_at - issued_at`, 0 when it expires at or before it is issued.
        seconds: u64,
        /// The limit.
        max: u64,
    },
    /// A JWT error from `watchword-token`: structure, header, signature or registered claims.
    #[error(transparent)]
    Token(#[from] watchword_token::Error),
    /// A verified token lacks a session claim or has one of the wrong shape.
    #[error("session claims are unusable: {reason}")]
    SessionClaims {
        /// What is wrong.
        reason: String,
    },
    /// A session issuer has no signing key.
    #[error("session issuer has no signing key")]
    NoSigningKey,
    /// A JWK Set holds no Ed25519 public key to verify sessions with.
    #[error("the jwk set has no ed25519 key")]
    NoUsableKey,
    /// Fetching the JWK Set failed (transport error, HTTP status, timeout, oversized body), as
    /// the fetcher reported it to the cache, or the fetch went unreported past its timeout.
    #[error("fetching the jwk set failed: {reason}")]
    Fetch {
        /// What went wrong.
        reason: String,
    },
    /// The JWKS cache has never loaded a key set, so nothing can be verified yet.
    #[error("no jwk set has been loaded yet")]
    NoKeySet,
    /// The token names a `kid` the cached key set lacks, and a refetch is allowed now: fetch
    /// the set (the cache's [`plan`](crate::JwksCache::plan) says how) and verify again.
    #[error("no key with kid {kid:?} in the cached set; refetch and verify again")]
    NeedsRefetch {
        /// The `kid` from the token header.
        kid: String,
    },
    /// The roster already holds the maximum number of accounts.
    #[error("the roster already holds {max} accounts")]
    RosterFull {
        /// The limit.
        max: usize,
    },
    /// The roster holds no account with this subject.
    #[error("no account {sub:?} in the roster")]
    NotInRoster {
        /// The subject asked for.
        sub: String,
    },
    /// A stored roster breaks one of its invariants.
    #[error("stored roster is invalid: {reason}")]
    InvalidRoster {
        /// What is wrong.
        reason: String,
    },
}
