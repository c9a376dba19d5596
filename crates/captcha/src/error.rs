//! The crate's one error type.

use watchword_token::UnixTime;

use crate::challenge::{Kind, Status};

/// Everything that can go wrong while creating, answering or checking a challenge, counting
/// annotation votes, or issuing and verifying proof-of-work.
///
/// Each rule has its own variant so that callers (and tests) can tell exactly which one an
/// input broke. Messages are lower-case and name the offending value, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A site id that is empty, longer than [`MAX_SITE_LEN`](crate::MAX_SITE_LEN) bytes, or
    /// holds characters outside printable ASCII.
    #[error("invalid site id: {reason}")]
    InvalidSite {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A corpus item id that is empty, too long, or holds characters outside printable ASCII.
    #[error("invalid corpus item id: {reason}")]
    InvalidItem {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A lifetime setting outside its accepted range.
    #[error("{what} of {found}s is outside {min}..={max}s")]
    Lifetime {
        /// Which setting.
        what: &'static str,
        /// The value asked for.
        found: u64,
        /// The shortest accepted.
        min: u64,
        /// The longest accepted.
        max: u64,
    },
    /// The challenge belongs to another site. Nothing changed.
    #[error("challenge belongs to another site than {found:?}")]
    WrongSite {
        /// The site the caller named.
        found: String,
    },
    /// The answer is for another kind of challenge. Nothing changed.
    #[error("answer is for a {found} challenge, the challenge is {expected}")]
    WrongKind {
        /// The kind of the challenge.
        expected: Kind,
        /// The kind of the answer.
        found: Kind,
    },
    /// The challenge was answered already, or is finished; only a pending challenge takes an
    /// answer.
    #[error("challenge is {status}, not pending")]
    NotPending {
        /// Its status.
        status: Status,
    },
    /// The challenge (or proof-of-work token) is past its expiry.
    #[error("challenge expired at {expires_at}, it is now {now}")]
    Expired {
        /// When it expired.
        expires_at: UnixTime,
        /// The time given.
        now: UnixTime,
    },
    /// A vote configuration outside its accepted range.
    #[error("invalid vote configuration: {reason}")]
    VoteConfig {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A proof-of-work difficulty above [`MAX_DIFFICULTY`](crate::pow::MAX_DIFFICULTY).
    #[error("difficulty of {found} bits is above the {max}-bit limit")]
    Difficulty {
        /// The difficulty asked for.
        found: u8,
        /// The limit.
        max: u8,
    },
    /// A difficulty policy whose settings do not fit together.
    #[error("invalid difficulty policy: {reason}")]
    DifficultyPolicy {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A proof-of-work server key shorter than [`MIN_KEY_LEN`](crate::pow::MIN_KEY_LEN).
    #[error("proof-of-work key is {found} bytes, at least {min} are required")]
    KeyTooShort {
        /// Minimum length in bytes.
        min: usize,
        /// Length given.
        found: usize,
    },
    /// A proof-of-work token longer than [`MAX_TOKEN_LEN`](crate::pow::MAX_TOKEN_LEN).
    #[error("token is {len} bytes, more than the {max}-byte limit")]
    TokenTooLong {
        /// Length of the token.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A proof-of-work token or challenge that is not canonical unpadded base64url.
    #[error("token is not canonical unpadded base64url")]
    TokenEncoding,
    /// A proof-of-work token or challenge whose bytes are not the expected layout.
    #[error("malformed token: {reason}")]
    TokenFormat {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The token's MAC does not verify under the server key.
    #[error("token mac does not verify")]
    BadMac,
    /// The solution does not reach the challenge's difficulty.
    #[error("solution has {found} leading zero bits, {required} are required")]
    InsufficientWork {
        /// The difficulty of the challenge.
        required: u8,
        /// What the solution reached.
        found: u32,
    },
}
