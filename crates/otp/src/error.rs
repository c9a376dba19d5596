//! The crate's one error type.

use watchword_token::UnixTime;

use crate::pairing::Unrecoverable;

/// Everything that can go wrong while building or verifying one-time passwords, reading key
/// URIs, generating codes, or driving a pairing from the portal side.
///
/// Each rule has its own variant so that callers (and tests) can tell exactly which one an
/// input broke. Messages are lower-case and name the offending value, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A shared secret is shorter than [`MIN_SECRET_LEN`](crate::MIN_SECRET_LEN) bytes
    /// (RFC 4226 §4 R6: at least 128 bits).
    #[error("secret is {found} bytes, at least {min} are required")]
    SecretTooShort {
        /// Minimum length in bytes.
        min: usize,
        /// Length given.
        found: usize,
    },
    /// A secret is longer than [`MAX_SECRET_LEN`](crate::MAX_SECRET_LEN) bytes.
    #[error("secret is {found} bytes, at most {max} are accepted")]
    SecretTooLong {
        /// Maximum length in bytes.
        max: usize,
        /// Length given.
        found: usize,
    },
    /// A number of digits other than 6, 7 or 8.
    #[error("an otp has 6, 7 or 8 digits, not {found}")]
    Digits {
        /// The number asked for.
        found: u8,
    },
    /// A TOTP time step outside `1..=`[`MAX_STEP_SECS`](crate::MAX_STEP_SECS) seconds.
    #[error("time step of {found}s is outside 1..={max}s")]
    TimeStep {
        /// The step asked for.
        found: u64,
        /// The largest step accepted.
        max: u64,
    },
    /// A verification window wider than [`MAX_WINDOW`](crate::MAX_WINDOW) steps on one side.
    #[error("window of {found} steps is wider than the {max}-step limit")]
    Window {
        /// The widest side asked for.
        found: u8,
        /// The limit.
        max: u8,
    },
    /// The verification time is before the TOTP epoch `T0`.
    #[error("time {now} is before t0 {t0}")]
    BeforeT0 {
        /// The time given.
        now: UnixTime,
        /// The epoch.
        t0: UnixTime,
    },
    /// A code to verify is not the configured number of ASCII digits.
    #[error("code is not {expected} ascii digits")]
    CodeFormat {
        /// The number of digits expected.
        expected: u8,
    },
    /// A well-formed code matches no counter or time step in the window.
    #[error("code does not match")]
    WrongCode,
    /// The code matches only steps at or before the last step the caller accepted: a replay.
    #[error("code is for step {step}, at or before the last used step {last_used}")]
    ReusedStep {
        /// The newest step the code matched.
        step: u64,
        /// The last step the caller accepted.
        last_used: u64,
    },
    /// Text is not RFC 4648 §6 base32.
    #[error("invalid base32: {reason}")]
    Base32 {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A key URI is longer than [`MAX_URI_LEN`](crate::MAX_URI_LEN) bytes.
    #[error("key uri is {len} bytes, more than the {max}-byte limit")]
    UriTooLong {
        /// Length of the URI in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A key URI does not start with `otpauth://`.
    #[error("key uri does not start with otpauth://")]
    UriScheme,
    /// A key URI names an OTP type other than `totp` or `hotp`.
    #[error("unknown otp type {found:?}")]
    UriType {
        /// The type as written.
        found: String,
    },
    /// A key URI is not well formed: a character that needs percent-encoding, a bad `%XX`
    /// escape, a fragment, a parameter without `=`.
    #[error("malformed key uri: {reason}")]
    UriSyntax {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The label (issuer prefix or account name) is unusable.
    #[error("invalid key uri label: {reason}")]
    UriLabel {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A required parameter is missing (`secret`; `counter` for `hotp`).
    #[error("key uri has no {name} parameter")]
    UriMissingParam {
        /// The parameter name.
        name: &'static str,
    },
    /// A parameter appears twice.
    #[error("key uri repeats the {name:?} parameter")]
    UriDuplicateParam {
        /// The parameter name as written.
        name: String,
    },
    /// A parameter has a value this crate does not accept.
    #[error("key uri parameter {name} has an invalid value: {reason}")]
    UriParam {
        /// The parameter name.
        name: &'static str,
        /// What is wrong with the value.
        reason: &'static str,
    },
    /// The label's issuer prefix and the `issuer` parameter differ.
    #[error("label issuer {label:?} differs from issuer parameter {param:?}")]
    IssuerMismatch {
        /// The issuer prefix of the label.
        label: String,
        /// The `issuer` parameter.
        param: String,
    },
    /// A TOTP with a non-zero `T0` cannot be written as a key URI, which has no field for it.
    #[error("a key uri cannot carry t0 {t0}; authenticator apps assume 0")]
    UriT0 {
        /// The epoch of the TOTP.
        t0: UnixTime,
    },
    /// The key URI is for the other OTP type than the one asked for.
    #[error("key uri is for {found}, not {expected}")]
    UriKind {
        /// The type asked for.
        expected: &'static str,
        /// The type of the URI.
        found: &'static str,
    },
    /// A one-time code length outside the accepted range.
    #[error("code length {found} is outside {min}..={max}")]
    CodeLength {
        /// The length asked for.
        found: usize,
        /// The shortest accepted.
        min: usize,
        /// The longest accepted.
        max: usize,
    },
    /// A client code format that is not `digits:N` or `alnum:N`.
    #[error("code format {found:?} is not digits:N or alnum:N")]
    CodeFormatName {
        /// What was given.
        found: String,
    },
    /// A pairing lifetime outside the accepted range.
    #[error("pairing lifetime of {found}s is outside {min}..={max}s")]
    Lifetime {
        /// The lifetime asked for.
        found: u64,
        /// The shortest accepted.
        min: u64,
        /// The longest accepted.
        max: u64,
    },
    /// A limit of wrong response codes outside `1..=max`.
    #[error("attempt limit {found} is outside 1..={max}")]
    MaxAttempts {
        /// The limit asked for.
        found: u8,
        /// The largest accepted.
        max: u8,
    },
    /// A user identifier that is empty, longer than
    /// [`MAX_USER_LEN`](crate::pairing::MAX_USER_LEN) bytes, or holds control characters.
    #[error("invalid user identifier: {reason}")]
    InvalidUser {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The portal entered a client code that is not this pairing's. The state is unchanged.
    #[error("client code does not belong to this pairing")]
    ClientCodeMismatch,
    /// A second, different user entered a client code another user had already entered. The
    /// pairing is burned: the device gets status 5000 and must start over.
    #[error("client code was already entered by another user; the pairing is cancelled")]
    ClientCodeClaimed,
    /// The pairing is past its lifetime.
    #[error("pairing expired")]
    PairingExpired,
    /// The pairing already completed (single use).
    #[error("pairing already completed")]
    PairingCompleted,
    /// The pairing was burned earlier.
    #[error("pairing was cancelled: {reason}")]
    PairingBurned {
        /// Why it was burned.
        reason: Unrecoverable,
    },
    /// A stored pairing field does not hold a valid value (the state was not written by this
    /// crate or was altered).
    #[error("invalid stored pairing state: {reason}")]
    StoredState {
        /// What is wrong with it.
        reason: &'static str,
    },
}
