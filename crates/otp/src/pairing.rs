//! Two-way OTP pairing: a device shows a client code, a portal that knows the user turns it
//! into a response code, and the device completes with that response code (the Token Server
//! two-way OTP flow, seed `004`).
//!
//! ```text
//!  device                 server (this state machine)                 portal (user known)
//!  init  ───────────────► Pairing::init ──► AwaitingPortal
//!        ◄─ transaction id + client code
//!                                          client code + user ◄────── user types the code
//!                          enter_on_portal ──► AwaitingResponse
//!                                          response code ───────────► shown to the user
//!  complete(id, response code) ─► complete ──► Completed (2000)
//! ```
//!
//! # States and transitions
//!
//! A [`Pairing`] is one of four states. Each transition consumes the state with the current
//! time and returns a [`Transition`]: the next state, the outcome to report, and whether the
//! state changed. The server stores the state (as JSON, with serde) under
//! [`Pairing::transaction_key`] and writes the next state back with a compare-and-swap only when
//! it changed; it reports the outcome only once that write succeeded, and on a lost race runs
//! the transition again on the fresh state. Terminal states ([`Pairing::is_terminal`]) may be
//! deleted instead of stored: a missing transaction is reported as
//! [`Completion::transaction_gone`], status 5000 as well.
//!
//! | state | `enter_on_portal` | `complete` |
//! |---|---|---|
//! | `AwaitingPortal` | → `AwaitingResponse`, response code | 4002, unchanged, **no attempt used** |
//! | `AwaitingResponse`, same user | same response code, unchanged | right: → `Completed`, 2000; wrong: one attempt used, 4001 (or → `Burned`, 5000 on the last) |
//! | `AwaitingResponse`, other user | → `Burned`, [`Error::ClientCodeClaimed`] | — |
//! | `Completed` | [`Error::PairingCompleted`] | 5000, unchanged (single use) |
//! | `Burned` | [`Error::PairingBurned`] | 5000, unchanged |
//! | any live state at or after `expires_at` | → `Burned`, [`Error::PairingExpired`] | → `Burned`, 5000 |
//!
//! Further rules:
//!
//! - **Lifetime.** The pairing lives [`PairingConfig::lifetime_secs`] (default 5 minutes) from
//!   `init`; the portal entry does not extend it. It is live while `now < expires_at`: *at*
//!   `expires_at` it has expired.
//! - **Attempts.** Only a `complete` that reaches a response code can use an attempt: a wrong
//!   response code (of any shape) uses one. `complete` before the portal entry (4002) does not,
//!   since there is no response code yet to guess; the lifetime and the server's rate limits
//!   bound such polling. The wrong code that uses the last attempt burns the pairing and is
//!   answered 5000, not 4001, so the device starts over at once. With the default of 5, a
//!   device sees 4001 with 4, 3, 2, 1 attempts left, then 5000.
//! - **One user per client code.** The first user to enter a client code owns the pairing;
//!   entering it again as the same user returns the same response code (idempotent), as
//!   another user burns the pairing (both get nothing: the device 5000, that portal
//!   [`Error::ClientCodeClaimed`]).
//! - **Inputs that are not this pairing's** (a client code or transaction id that does not
//!   match, an invalid user identifier) change nothing: a stranger cannot burn a pairing by
//!   pointing at it.
//!
//! # Secrets at rest
//!
//! The transaction id is the device's bearer secret: the state keeps only its SHA-256, and the
//! client code only as SHA-256 too, so a dump of the store cannot complete a pairing. The
//! response code is kept as is, because the portal must show it again to the same user; it is
//! worthless without the transaction id.

use core::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use watchword_token::UnixTime;
use zeroize::Zeroizing;

use crate::code::{draw, Alphabet, OneTimeCode};
use crate::{Digits, Error};

/// The default lifetime of a pairing, in seconds (5 minutes).
pub const DEFAULT_LIFETIME_SECS: u64 = 300;
/// The shortest lifetime [`PairingConfig::with_lifetime_secs`] accepts.
pub const MIN_LIFETIME_SECS: u64 = 30;
/// The longest lifetime [`PairingConfig::with_lifetime_secs`] accepts (one hour).
pub const MAX_LIFETIME_SECS: u64 = 3600;
/// The default number of wrong response codes that burn a pairing.
pub const DEFAULT_MAX_ATTEMPTS: u8 = 5;
/// The largest attempt limit [`PairingConfig::with_max_attempts`] accepts.
pub const MAX_ATTEMPTS_LIMIT: u8 = 10;
/// The default length of a client code (8 symbols of [`Alphabet::Unambiguous`], 39 bits).
pub const DEFAULT_CLIENT_CODE_LEN: usize = 8;
/// The shortest client code accepted.
pub const MIN_CLIENT_CODE_LEN: usize = 6;
/// The longest client code accepted.
pub const MAX_CLIENT_CODE_LEN: usize = 16;
/// Random bytes in a transaction id (256 bits, 43 characters of base64url).
pub const TRANSACTION_ID_BYTES: usize = 32;
/// The longest user identifier, in bytes.
pub const MAX_USER_LEN: usize = 256;

const TRANSACTION_DOMAIN: &[u8] = b"watchword-otp/pairing/transaction\0";
const CLIENT_CODE_DOMAIN: &[u8] = b"watchword-otp/pairing/client-code\0";

/// How client codes look: an alphabet and a length, written `digits:6` (six of `0`–`9`) or
/// `alnum:8` (eight of [`UNAMBIGUOUS_SYMBOLS`](crate::UNAMBIGUOUS_SYMBOLS), the default), with
/// a length of [`MIN_CLIENT_CODE_LEN`] to [`MAX_CLIENT_CODE_LEN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodeFormat {
    alphabet: Alphabet,
    len: usize,
}

impl CodeFormat {
    /// A format of `len` symbols of `alphabet`.
    ///
    /// # Errors
    /// [`Error::CodeLength`] outside [`MIN_CLIENT_CODE_LEN`]`..=`[`MAX_CLIENT_CODE_LEN`].
    pub fn new(alphabet: Alphabet, len: usize) -> Result<Self, Error> {
        if !(MIN_CLIENT_CODE_LEN..=MAX_CLIENT_CODE_LEN).contains(&len) {
            return Err(Error::CodeLength {
                found: len,
                min: MIN_CLIENT_CODE_LEN,
                max: MAX_CLIENT_CODE_LEN,
            });
        }
        Ok(Self { alphabet, len })
    }

    /// The alphabet.
    pub fn alphabet(self) -> Alphabet {
        self.alphabet
    }

    /// The number of symbols.
    pub fn symbols(self) -> usize {
        self.len
    }

    /// How many different codes there are: the alphabet's size to the power of the length
    /// (saturating), what a guesser must search.
    pub fn space(self) -> u128 {
        let symbols = self.alphabet.symbols().len() as u128;
        (0..self.len).fold(1u128, |space, _| space.saturating_mul(symbols))
    }
}

impl Default for CodeFormat {
    fn default() -> Self {
        Self {
            alphabet: Alphabet::Unambiguous,
            len: DEFAULT_CLIENT_CODE_LEN,
        }
    }
}

impl core::str::FromStr for CodeFormat {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let unknown = || Error::CodeFormatName {
            found: text.chars().take(32).collect(),
        };
        let (name, len) = text.split_once(':').ok_or_else(unknown)?;
        let alphabet = match name {
            "digits" => Alphabet::Numeric,
            "alnum" => Alphabet::Unambiguous,
            _ => return Err(unknown()),
        };
        if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
            return Err(unknown());
        }
        let len = len.parse().map_err(|_| unknown())?;
        Self::new(alphabet, len)
    }
}

impl core::fmt::Display for CodeFormat {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let name = match self.alphabet {
            Alphabet::Numeric => "digits",
            _ => "alnum",
        };
        write!(f, "{name}:{}", self.len)
    }
}

/// The settings of new pairings. Each setting is copied into the state at
/// [`Pairing::init`], so changing the configuration never alters pairings under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PairingConfig {
    lifetime_secs: u64,
    max_attempts: u8,
    client_code_alphabet: Alphabet,
    client_code_len: usize,
    response_digits: Digits,
}

impl Default for PairingConfig {
    fn default() -> Self {
        PairingConfig {
            lifetime_secs: DEFAULT_LIFETIME_SECS,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            client_code_alphabet: Alphabet::Unambiguous,
            client_code_len: DEFAULT_CLIENT_CODE_LEN,
            response_digits: Digits::SIX,
        }
    }
}

impl PairingConfig {
    /// The defaults: 5 minutes, 5 attempts, 8-symbol unambiguous client codes, 6-digit
    /// response codes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the lifetime of a pairing, from `init`.
    ///
    /// # Errors
    ///
    /// [`Error::Lifetime`] outside [`MIN_LIFETIME_SECS`]`..=`[`MAX_LIFETIME_SECS`].
    pub fn with_lifetime_secs(mut self, seconds: u64) -> Result<Self, Error> {
        if !(MIN_LIFETIME_SECS..=MAX_LIFETIME_SECS).contains(&seconds) {
            return Err(Error::Lifetime {
                found: seconds,
                min: MIN_LIFETIME_SECS,
                max: MAX_LIFETIME_SECS,
            });
        }
        self.lifetime_secs = seconds;
        Ok(self)
    }

    /// Sets how many wrong response codes burn a pairing.
    ///
    /// # Errors
    ///
    /// [`Error::MaxAttempts`] outside `1..=`[`MAX_ATTEMPTS_LIMIT`].
    pub fn with_max_attempts(mut self, attempts: u8) -> Result<Self, Error> {
        if !(1..=MAX_ATTEMPTS_LIMIT).contains(&attempts) {
            return Err(Error::MaxAttempts {
                found: attempts,
                max: MAX_ATTEMPTS_LIMIT,
            });
        }
        self.max_attempts = attempts;
        Ok(self)
    }

    /// Sets how client codes look. `digits:6` reproduces the seed's example (`"582115"`);
    /// longer codes and the larger alphabet make a guessed code on the portal less likely to
    /// hit someone's pairing.
    #[must_use]
    pub fn with_client_code_format(mut self, format: CodeFormat) -> Self {
        self.client_code_alphabet = format.alphabet;
        self.client_code_len = format.len;
        self
    }

    /// Sets the alphabet and length of client codes (see [`Self::with_client_code_format`]).
    ///
    /// # Errors
    ///
    /// [`Error::CodeLength`] outside [`MIN_CLIENT_CODE_LEN`]`..=`[`MAX_CLIENT_CODE_LEN`].
    pub fn with_client_code(mut self, alphabet: Alphabet, len: usize) -> Result<Self, Error> {
        if !(MIN_CLIENT_CODE_LEN..=MAX_CLIENT_CODE_LEN).contains(&len) {
            return Err(Error::CodeLength {
                found: len,
                min: MIN_CLIENT_CODE_LEN,
                max: MAX_CLIENT_CODE_LEN,
            });
        }
        self.client_code_alphabet = alphabet;
        self.client_code_len = len;
        Ok(self)
    }

    /// Sets the number of digits of response codes.
    #[must_use]
    pub fn with_response_digits(mut self, digits: Digits) -> Self {
        self.response_digits = digits;
        self
    }

    /// Returns the lifetime in seconds.
    pub fn lifetime_secs(&self) -> u64 {
        self.lifetime_secs
    }

    /// Returns the attempt limit.
    pub fn max_attempts(&self) -> u8 {
        self.max_attempts
    }

    /// Returns the client code alphabet.
    pub fn client_code_alphabet(&self) -> Alphabet {
        self.client_code_alphabet
    }

    /// Returns the client code length.
    pub fn client_code_len(&self) -> usize {
        self.client_code_len
    }

    /// Returns the response code digits.
    pub fn response_digits(&self) -> Digits {
        self.response_digits
    }

    /// Returns the store key (lower-case hex SHA-256) under which the server indexes the
    /// pairing whose client code a portal user typed as `input`. Input is normalized first
    /// (see [`Alphabet::normalize`]), so it matches [`Pairing::client_code_key`].
    pub fn client_code_key(&self, input: &str) -> String {
        client_code_fingerprint(self.client_code_alphabet, input).to_hex()
    }
}

/// Returns the store key (lower-case hex SHA-256) of the pairing with `transaction_id`, the
/// same as [`Pairing::transaction_key`] of its state.
pub fn transaction_key(transaction_id: &str) -> String {
    Fingerprint::of(TRANSACTION_DOMAIN, transaction_id.as_bytes()).to_hex()
}

/// A transaction id: [`TRANSACTION_ID_BYTES`] random bytes in unpadded base64url. The device's
/// bearer secret for [`Pairing::complete`]; `Debug` does not print it, `==` compares in
/// constant time.
#[derive(Clone)]
pub struct TransactionId(Zeroizing<String>);

impl PartialEq for TransactionId {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for TransactionId {}

impl TransactionId {
    /// Returns the id as sent to the device.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns the store key of the pairing, see [`transaction_key`].
    pub fn key(&self) -> String {
        transaction_key(&self.0)
    }
}

impl fmt::Debug for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TransactionId(redacted)")
    }
}

/// A response code: 6 to 8 decimal digits. `Debug` does not print it, `==` compares in
/// constant time.
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResponseCode(Zeroizing<String>);

impl PartialEq for ResponseCode {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for ResponseCode {}

impl ResponseCode {
    /// Returns the code as shown on the portal.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns whether `input` (surrounding whitespace ignored) is this code, comparing in
    /// constant time.
    pub fn matches(&self, input: &str) -> bool {
        self.0.as_bytes().ct_eq(input.trim().as_bytes()).into()
    }
}

impl TryFrom<String> for ResponseCode {
    type Error = Error;

    fn try_from(text: String) -> Result<Self, Error> {
        let text = Zeroizing::new(text);
        if (6..=8).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(ResponseCode(text))
        } else {
            Err(Error::StoredState {
                reason: "response code is not 6 to 8 digits",
            })
        }
    }
}

impl From<ResponseCode> for String {
    fn from(code: ResponseCode) -> String {
        code.0.as_str().to_owned()
    }
}

impl fmt::Debug for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResponseCode({} digits, redacted)", self.0.len())
    }
}

/// A domain-separated SHA-256, stored as lower-case hex.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
struct Fingerprint([u8; 32]);

impl Fingerprint {
    fn of(domain: &[u8], data: &[u8]) -> Self {
        Fingerprint(
            Sha256::new()
                .chain_update(domain)
                .chain_update(data)
                .finalize()
                .into(),
        )
    }

    fn matches(&self, other: &Fingerprint) -> bool {
        self.0.ct_eq(&other.0).into()
    }

    fn to_hex(self) -> String {
        use fmt::Write as _;
        self.0.iter().fold(String::with_capacity(64), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
    }
}

fn client_code_fingerprint(alphabet: Alphabet, input: &str) -> Fingerprint {
    Fingerprint::of(CLIENT_CODE_DOMAIN, alphabet.normalize(input).as_bytes())
}

impl TryFrom<String> for Fingerprint {
    type Error = Error;

    fn try_from(text: String) -> Result<Self, Error> {
        let invalid = Error::StoredState {
            reason: "fingerprint is not 64 lower-case hex digits",
        };
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(invalid);
        }
        let mut out = [0u8; 32];
        for (slot, pair) in out.iter_mut().zip(bytes.chunks(2)) {
            let nibble = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            let (Some(high), Some(low)) = (nibble(pair[0]), nibble(pair[1])) else {
                return Err(invalid);
            };
            *slot = high << 4 | low;
        }
        Ok(Fingerprint(out))
    }
}

impl From<Fingerprint> for String {
    fn from(fingerprint: Fingerprint) -> String {
        fingerprint.to_hex()
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

/// A count of response-code attempts, `1..=`[`MAX_ATTEMPTS_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
struct Attempts(u8);

impl TryFrom<u8> for Attempts {
    type Error = Error;

    fn try_from(n: u8) -> Result<Self, Error> {
        if (1..=MAX_ATTEMPTS_LIMIT).contains(&n) {
            Ok(Attempts(n))
        } else {
            Err(Error::StoredState {
                reason: "attempt count outside 1..=10",
            })
        }
    }
}

impl From<Attempts> for u8 {
    fn from(attempts: Attempts) -> u8 {
        attempts.0
    }
}

/// Why a pairing cannot go on: the detail behind status 5000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Unrecoverable {
    /// The lifetime ran out.
    Expired,
    /// The last allowed wrong response code was entered.
    TooManyAttempts,
    /// A second user entered the client code.
    ClientCodeConflict,
    /// The pairing already completed (single use).
    AlreadyCompleted,
    /// No pairing has this transaction id (never issued, deleted, or the id is wrong).
    UnknownTransaction,
}

impl fmt::Display for Unrecoverable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unrecoverable::Expired => "expired",
            Unrecoverable::TooManyAttempts => "too many wrong response codes",
            Unrecoverable::ClientCodeConflict => "client code entered by a second user",
            Unrecoverable::AlreadyCompleted => "already completed",
            Unrecoverable::UnknownTransaction => "unknown transaction",
        })
    }
}

/// The status codes of the two-way OTP API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// 2000: the response code was valid (also the status of a successful `init`).
    Valid,
    /// 4001: the client code was entered on the portal but the response code is wrong; the
    /// device may try again.
    InvalidResponseCode,
    /// 4002: the client code was never entered on the portal; the user should go there first.
    NotEnteredOnPortal,
    /// 5000: the pairing cannot go on; the device must start over.
    Unrecoverable,
}

impl Status {
    /// Returns the numeric status: 2000, 4001, 4002 or 5000.
    pub fn code(self) -> u16 {
        match self {
            Status::Valid => 2000,
            Status::InvalidResponseCode => 4001,
            Status::NotEnteredOnPortal => 4002,
            Status::Unrecoverable => 5000,
        }
    }

    /// Reads a numeric status; `None` for any other number.
    pub fn from_code(code: u16) -> Option<Self> {
        match code {
            2000 => Some(Status::Valid),
            4001 => Some(Status::InvalidResponseCode),
            4002 => Some(Status::NotEnteredOnPortal),
            5000 => Some(Status::Unrecoverable),
            _ => None,
        }
    }
}

/// What [`Pairing::complete`] reports to the device.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Completion {
    /// 2000: paired with `user`, the user the portal had authenticated.
    Paired {
        /// The portal's user identifier.
        user: String,
    },
    /// 4001: wrong response code; `attempts_left` (at least 1) more may be tried.
    WrongResponseCode {
        /// Attempts remaining before the pairing burns.
        attempts_left: u8,
    },
    /// 4002: the client code has not been entered on the portal yet.
    NotEnteredOnPortal,
    /// 5000: start over.
    Unrecoverable(Unrecoverable),
}

impl Completion {
    /// The outcome for a transaction id the store holds nothing for.
    pub fn transaction_gone() -> Self {
        Completion::Unrecoverable(Unrecoverable::UnknownTransaction)
    }

    /// Returns the API status of the outcome.
    pub fn status(&self) -> Status {
        match self {
            Completion::Paired { .. } => Status::Valid,
            Completion::WrongResponseCode { .. } => Status::InvalidResponseCode,
            Completion::NotEnteredOnPortal => Status::NotEnteredOnPortal,
            Completion::Unrecoverable(_) => Status::Unrecoverable,
        }
    }
}

/// A pairing created, waiting for the portal to enter its client code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwaitingPortal {
    transaction: Fingerprint,
    client_code: Fingerprint,
    client_code_alphabet: Alphabet,
    expires_at: u64,
    max_attempts: Attempts,
    response_digits: Digits,
}

/// A pairing whose client code a user entered on the portal, waiting for the device to send
/// back the response code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwaitingResponse {
    transaction: Fingerprint,
    client_code: Fingerprint,
    client_code_alphabet: Alphabet,
    user: String,
    response_code: ResponseCode,
    expires_at: u64,
    attempts_left: Attempts,
}

/// A pairing that completed: the device is coupled with `user`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Completed {
    transaction: Fingerprint,
    user: String,
    paired_at: u64,
    expires_at: u64,
}

/// A pairing that can no longer complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Burned {
    transaction: Fingerprint,
    reason: Unrecoverable,
    expires_at: u64,
}

impl Completed {
    /// Returns the paired user.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Returns when the pairing completed.
    pub fn paired_at(&self) -> UnixTime {
        UnixTime(self.paired_at)
    }
}

impl Burned {
    /// Returns why the pairing was burned.
    pub fn reason(&self) -> Unrecoverable {
        self.reason
    }
}

/// The state of one two-way OTP pairing; see the [module docs](self) for the transitions.
///
/// Serialized with serde as a JSON object tagged by `"state"`: `"awaiting_portal"`,
/// `"awaiting_response"`, `"completed"` or `"burned"`. Deserializing checks every field, so a
/// corrupted record is refused rather than misread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Pairing {
    /// Created; the client code was not entered on the portal yet.
    AwaitingPortal(AwaitingPortal),
    /// The portal issued a response code.
    AwaitingResponse(AwaitingResponse),
    /// Completed (terminal).
    Completed(Completed),
    /// Cancelled (terminal).
    Burned(Burned),
}

/// A new pairing: the state to store, and what the device receives.
#[derive(Debug)]
pub struct Init {
    /// The state; store it with `put_new` under [`TransactionId::key`].
    pub state: Pairing,
    /// Sent to the device; never stored in the clear.
    pub transaction_id: TransactionId,
    /// Shown on the device (the `data` of the `init` response, status 2000).
    pub client_code: OneTimeCode,
}

/// The result of a transition: the next state, the outcome, and whether the state changed
/// (if not, there is nothing to write).
#[derive(Debug)]
#[must_use]
pub struct Transition<T> {
    /// The next state.
    pub state: Pairing,
    /// What to report.
    pub outcome: T,
    /// Whether `state` differs from the state the transition consumed.
    pub changed: bool,
}

impl<T> Transition<T> {
    fn unchanged(state: Pairing, outcome: T) -> Self {
        Transition {
            state,
            outcome,
            changed: false,
        }
    }

    fn changed(state: Pairing, outcome: T) -> Self {
        Transition {
            state,
            outcome,
            changed: true,
        }
    }
}

impl Pairing {
    /// Starts a pairing at `now`: a fresh transaction id and client code from `rng`.
    ///
    /// Client codes are short, so two live pairings can draw the same one: the server indexes
    /// [`Pairing::client_code_key`] with `put_new` and, if the key is taken, calls `init` again.
    pub fn init(config: &PairingConfig, rng: &mut impl CryptoRngCore, now: UnixTime) -> Init {
        let mut raw = Zeroizing::new([0u8; TRANSACTION_ID_BYTES]);
        rng.fill_bytes(&mut raw[..]);
        let transaction_id = TransactionId(Zeroizing::new(URL_SAFE_NO_PAD.encode(&raw[..])));
        let client_code =
            OneTimeCode::generate(config.client_code_alphabet, config.client_code_len, rng)
                .unwrap_or_else(|_| unreachable!("the config checked the length"));
        let state = Pairing::AwaitingPortal(AwaitingPortal {
            transaction: Fingerprint::of(TRANSACTION_DOMAIN, transaction_id.as_str().as_bytes()),
            client_code: client_code_fingerprint(config.client_code_alphabet, client_code.as_str()),
            client_code_alphabet: config.client_code_alphabet,
            expires_at: now.plus(config.lifetime_secs).0,
            max_attempts: Attempts(config.max_attempts),
            response_digits: config.response_digits,
        });
        Init {
            state,
            transaction_id,
            client_code,
        }
    }

    /// The portal, for a `user` it has authenticated, enters the `client_code` the user
    /// typed, at `now`. The first entry draws the response code from `rng`; entering it again
    /// as the same user returns the same code.
    ///
    /// The outcome is the response code to show, or why there is none: [`Error::InvalidUser`],
    /// [`Error::ClientCodeMismatch`] (state unchanged), [`Error::ClientCodeClaimed`] (a second
    /// user: burned), [`Error::PairingExpired`] (burned), [`Error::PairingCompleted`],
    /// [`Error::PairingBurned`].
    #[doc(alias = "portal")]
    pub fn enter_on_portal(
        self,
        client_code: &str,
        user: &str,
        rng: &mut impl CryptoRngCore,
        now: UnixTime,
    ) -> Transition<Result<ResponseCode, Error>> {
        if let Err(error) = check_user(user) {
            return Transition::unchanged(self, Err(error));
        }
        match self {
            Pairing::Completed(_) => Transition::unchanged(self, Err(Error::PairingCompleted)),
            Pairing::Burned(ref burned) => {
                let reason = burned.reason;
                Transition::unchanged(self, Err(Error::PairingBurned { reason }))
            }
            Pairing::AwaitingPortal(ref state)
                if !client_code_fingerprint(state.client_code_alphabet, client_code)
                    .matches(&state.client_code) =>
            {
                Transition::unchanged(self, Err(Error::ClientCodeMismatch))
            }
            Pairing::AwaitingResponse(ref state)
                if !client_code_fingerprint(state.client_code_alphabet, client_code)
                    .matches(&state.client_code) =>
            {
                Transition::unchanged(self, Err(Error::ClientCodeMismatch))
            }
            live if now >= live.expires_at() => Transition::changed(
                live.burn(Unrecoverable::Expired),
                Err(Error::PairingExpired),
            ),
            Pairing::AwaitingPortal(state) => {
                let response_code = ResponseCode(Zeroizing::new(draw(
                    Alphabet::Numeric,
                    state.response_digits.len(),
                    rng,
                )));
                let next = Pairing::AwaitingResponse(AwaitingResponse {
                    transaction: state.transaction,
                    client_code: state.client_code,
                    client_code_alphabet: state.client_code_alphabet,
                    user: user.to_owned(),
                    response_code: response_code.clone(),
                    expires_at: state.expires_at,
                    attempts_left: state.max_attempts,
                });
                Transition::changed(next, Ok(response_code))
            }
            Pairing::AwaitingResponse(ref state) if state.user == user => {
                let code = state.response_code.clone();
                Transition::unchanged(self, Ok(code))
            }
            Pairing::AwaitingResponse(_) => Transition::changed(
                self.burn(Unrecoverable::ClientCodeConflict),
                Err(Error::ClientCodeClaimed),
            ),
        }
    }

    /// The device sends back `transaction_id` and the `response_code` the user read on the
    /// portal, at `now`. See the [module docs](self) for every outcome and what it costs.
    pub fn complete(
        self,
        transaction_id: &str,
        response_code: &str,
        now: UnixTime,
    ) -> Transition<Completion> {
        let given = Fingerprint::of(TRANSACTION_DOMAIN, transaction_id.as_bytes());
        match self {
            Pairing::Completed(_) => Transition::unchanged(
                self,
                Completion::Unrecoverable(Unrecoverable::AlreadyCompleted),
            ),
            Pairing::Burned(ref burned) => {
                let reason = burned.reason;
                Transition::unchanged(self, Completion::Unrecoverable(reason))
            }
            ref live if !live.transaction().matches(&given) => {
                Transition::unchanged(self, Completion::transaction_gone())
            }
            live if now >= live.expires_at() => Transition::changed(
                live.burn(Unrecoverable::Expired),
                Completion::Unrecoverable(Unrecoverable::Expired),
            ),
            Pairing::AwaitingPortal(_) => {
                Transition::unchanged(self, Completion::NotEnteredOnPortal)
            }
            Pairing::AwaitingResponse(state) if state.response_code.matches(response_code) => {
                let user = state.user.clone();
                let next = Pairing::Completed(Completed {
                    transaction: state.transaction,
                    user: state.user,
                    paired_at: now.0,
                    expires_at: state.expires_at,
                });
                Transition::changed(next, Completion::Paired { user })
            }
            Pairing::AwaitingResponse(mut state) => match state.attempts_left.0 - 1 {
                0 => Transition::changed(
                    Pairing::AwaitingResponse(state).burn(Unrecoverable::TooManyAttempts),
                    Completion::Unrecoverable(Unrecoverable::TooManyAttempts),
                ),
                attempts_left => {
                    state.attempts_left = Attempts(attempts_left);
                    Transition::changed(
                        Pairing::AwaitingResponse(state),
                        Completion::WrongResponseCode { attempts_left },
                    )
                }
            },
        }
    }

    /// Returns when the pairing expires; a good TTL for the stored record. Live
    /// until this instant, expired at it.
    pub fn expires_at(&self) -> UnixTime {
        UnixTime(match self {
            Pairing::AwaitingPortal(state) => state.expires_at,
            Pairing::AwaitingResponse(state) => state.expires_at,
            Pairing::Completed(state) => state.expires_at,
            Pairing::Burned(state) => state.expires_at,
        })
    }

    /// Returns the store key of the pairing (see [`transaction_key`]).
    pub fn transaction_key(&self) -> String {
        self.transaction().to_hex()
    }

    /// Returns the store key of the client-code index (see [`PairingConfig::client_code_key`])
    /// while the pairing is live.
    pub fn client_code_key(&self) -> Option<String> {
        match self {
            Pairing::AwaitingPortal(state) => Some(state.client_code.to_hex()),
            Pairing::AwaitingResponse(state) => Some(state.client_code.to_hex()),
            Pairing::Completed(_) | Pairing::Burned(_) => None,
        }
    }

    /// Returns whether no transition can lead anywhere else (`Completed` or `Burned`).
    pub fn is_terminal(&self) -> bool {
        matches!(self, Pairing::Completed(_) | Pairing::Burned(_))
    }

    /// Returns the portal's user once the client code was entered.
    pub fn user(&self) -> Option<&str> {
        match self {
            Pairing::AwaitingResponse(state) => Some(&state.user),
            Pairing::Completed(state) => Some(&state.user),
            Pairing::AwaitingPortal(_) | Pairing::Burned(_) => None,
        }
    }

    /// Returns the wrong response codes still allowed, while the pairing is live.
    pub fn attempts_left(&self) -> Option<u8> {
        match self {
            Pairing::AwaitingPortal(state) => Some(state.max_attempts.0),
            Pairing::AwaitingResponse(state) => Some(state.attempts_left.0),
            Pairing::Completed(_) | Pairing::Burned(_) => None,
        }
    }

    fn transaction(&self) -> &Fingerprint {
        match self {
            Pairing::AwaitingPortal(state) => &state.transaction,
            Pairing::AwaitingResponse(state) => &state.transaction,
            Pairing::Completed(state) => &state.transaction,
            Pairing::Burned(state) => &state.transaction,
        }
    }

    fn burn(self, reason: Unrecoverable) -> Pairing {
        Pairing::Burned(Burned {
            transaction: *self.transaction(),
            reason,
            expires_at: self.expires_at().0,
        })
    }
}

fn check_user(user: &str) -> Result<(), Error> {
    let reason = if user.is_empty() {
        "empty"
    } else if user.len() > MAX_USER_LEN {
        "longer than 256 bytes"
    } else if user.chars().any(char::is_control) {
        "control character"
    } else {
        return Ok(());
    };
    Err(Error::InvalidUser { reason })
}
