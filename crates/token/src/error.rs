//! The crate's one error type.

use core::fmt;

use crate::Algorithm;

/// The part of a token or key document an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Part {
    /// The JWS Protected Header (first segment).
    Header,
    /// The JWS Payload (second segment), or the JWT claims set in it.
    Payload,
    /// The JWS Signature (third segment).
    Signature,
    /// A JWK or JWK Set document.
    Key,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Header => "header",
            Part::Payload => "payload",
            Part::Signature => "signature",
            Part::Key => "key",
        })
    }
}

/// Everything that can go wrong while signing, verifying or loading keys.
///
/// Each rejection rule has its own variant so that callers (and tests) can tell exactly which
/// rule a token broke. Messages are lower-case and name the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token is longer than [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN).
    #[error("token is {len} bytes, more than the {max}-byte limit")]
    TokenTooLarge {
        /// Length of the token in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The token does not have exactly three dot-separated segments.
    #[error("token has {found} segments, a compact jws has 3")]
    SegmentCount {
        /// Number of segments found.
        found: usize,
    },
    /// A segment is not canonical unpadded base64url (RFC 7515 §2): padding, `+`, `/`,
    /// whitespace, an impossible length or non-zero trailing bits.
    #[error("{part} is not canonical unpadded base64url")]
    Base64 {
        /// Which segment.
        part: Part,
    },
    /// A JSON document does not parse.
    #[error("{part} is not valid json: {reason}")]
    Json {
        /// Which document.
        part: Part,
        /// The parser's message.
        reason: String,
    },
    /// A JSON document parses but is not an object.
    #[error("{part} is not a json object")]
    NotObject {
        /// Which document.
        part: Part,
    },
    /// A JSON object repeats a member name (RFC 7515 §5.2 step 4, RFC 7519 §4).
    #[error("duplicate key {key:?} in {part}")]
    DuplicateKey {
        /// Which document.
        part: Part,
        /// The repeated name.
        key: String,
    },
    /// The header has no `alg`.
    #[error("header has no alg")]
    MissingAlg,
    /// The header says `alg: none` (in any casing): an unsecured JWS is never accepted.
    #[error("alg {found:?} (unsecured jws) is never accepted")]
    AlgNone {
        /// The `alg` value as written.
        found: String,
    },
    /// The header names an algorithm this crate does not implement.
    #[error("unknown alg {found:?}")]
    UnknownAlg {
        /// The `alg` value as written.
        found: String,
    },
    /// The header's `alg` differs from the algorithm of the key: the key decides, never the
    /// header.
    #[error("token alg {found} does not match the key's alg {expected}")]
    AlgMismatch {
        /// The key's algorithm.
        expected: Algorithm,
        /// The header's algorithm.
        found: Algorithm,
    },
    /// The header carries `crit`: no critical extensions are understood, so any `crit`
    /// (even an empty one) is refused (RFC 7515 §4.1.11).
    #[error("header carries crit; no critical extensions are understood")]
    Crit,
    /// The header carries `jwk`, `jku`, `x5u` or `x5c`: a key chosen by the sender.
    #[error("header parameter {name:?} supplies a key of the sender's choosing and is refused")]
    EmbeddedKey {
        /// The parameter name.
        name: &'static str,
    },
    /// The header carries `b64` other than `true` (RFC 7797 unencoded payload).
    #[error("header has b64 other than true; unencoded payloads are not supported")]
    UnencodedPayload,
    /// A header parameter has the wrong JSON type.
    #[error("header parameter {name:?} must be a {expected}")]
    HeaderParamType {
        /// The parameter name.
        name: &'static str,
        /// The JSON type it must have.
        expected: &'static str,
    },
    /// The signature has the wrong length for the algorithm (for example a truncated HMAC tag).
    #[error("signature is {found} bytes, {alg} needs {expected}")]
    SignatureLength {
        /// The algorithm.
        alg: Algorithm,
        /// The length the algorithm produces.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// The signature does not verify under the key (or under any candidate key of a ring).
    #[error("signature does not verify")]
    BadSignature,
    /// The token names a `kid` that the key ring does not hold.
    #[error("no key with kid {kid:?}")]
    UnknownKid {
        /// The `kid` from the header.
        kid: String,
    },
    /// The token has no `kid` and the key ring holds no key for its algorithm.
    #[error("no key for alg {alg}")]
    NoKeyForAlg {
        /// The header's algorithm.
        alg: Algorithm,
    },
    /// The key ring holds no signing key.
    #[error("key ring has no signing key")]
    NoSigningKey,
    /// A `kid` appears twice in a key ring or a JWK Set.
    #[error("kid {kid:?} appears twice")]
    DuplicateKid {
        /// The repeated `kid`.
        kid: String,
    },
    /// An HMAC secret is shorter than the hash output (RFC 7518 §3.2).
    #[error("{alg} secret is {found} bytes, at least {min} are required")]
    KeyTooShort {
        /// The algorithm.
        alg: Algorithm,
        /// Minimum length in bytes.
        min: usize,
        /// Length given.
        found: usize,
    },
    /// An Ed25519 key is malformed or weak.
    #[error("invalid ed25519 key: {reason}")]
    InvalidEd25519Key {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A JWK is malformed.
    #[error("invalid jwk: {reason}")]
    InvalidJwk {
        /// What is wrong with it.
        reason: String,
    },
    /// A JWK is well-formed but of a type, curve, algorithm or use this crate does not verify
    /// with. A JWK Set skips such keys instead of failing.
    #[error("unsupported jwk: {reason}")]
    UnsupportedJwk {
        /// Why it is not usable.
        reason: String,
    },
    /// A registered claim has the wrong JSON type (`exp`, `nbf` and `iat` must be non-negative
    /// integers).
    #[error("claim {claim:?} must be {expected}")]
    ClaimType {
        /// The claim name.
        claim: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// The claims have no `exp`.
    #[error("token has no exp claim")]
    MissingExp,
    /// `now` is at or after `exp` plus leeway.
    #[error("token expired at {exp} (now {now}, leeway {leeway}s)")]
    Expired {
        /// The `exp` claim.
        exp: u64,
        /// The time of verification.
        now: u64,
        /// The leeway in seconds.
        leeway: u64,
    },
    /// `now` plus leeway is before `nbf`.
    #[error("token is not valid before {nbf} (now {now}, leeway {leeway}s)")]
    NotYetValid {
        /// The `nbf` claim.
        nbf: u64,
        /// The time of verification.
        now: u64,
        /// The leeway in seconds.
        leeway: u64,
    },
    /// `iat` is after `now` plus leeway.
    #[error("token was issued in the future at {iat} (now {now}, leeway {leeway}s)")]
    IssuedInFuture {
        /// The `iat` claim.
        iat: u64,
        /// The time of verification.
        now: u64,
        /// The leeway in seconds.
        leeway: u64,
    },
    /// The token's `aud` does not contain the expected audience.
    #[error("token audience {found:?} does not include {expected:?}")]
    AudienceMismatch {
        /// The expected audience.
        expected: String,
        /// The token's audiences.
        found: Vec<String>,
    },
    /// The token names an audience but the validation expects none (RFC 7519 §4.1.3: a
    /// recipient that does not identify itself with a value in `aud` must reject).
    #[error("token has audience {found:?} but no audience is expected")]
    UnexpectedAudience {
        /// The token's audiences.
        found: Vec<String>,
    },
    /// The token's `iss` is missing or differs from the expected issuer.
    #[error("token issuer {found:?} is not {expected:?}")]
    IssuerMismatch {
        /// The expected issuer.
        expected: String,
        /// The token's issuer.
        found: Option<String>,
    },
    /// The validation requires `jti` and the token has none.
    #[error("token has no jti claim")]
    MissingJti,
    /// The claims other than the registered ones do not deserialize into the caller's type.
    #[error("extra claims do not fit the expected type: {reason}")]
    ExtraClaims {
        /// The deserializer's message.
        reason: String,
    },
    /// While signing: the extra claims do not serialize to a JSON object, or repeat a
    /// registered claim.
    #[error("extra claims are unusable: {reason}")]
    BadExtraClaims {
        /// What is wrong.
        reason: String,
    },
}
