//! `otpauth://` key URIs ([`KeyUri`]).

use core::fmt;
use core::str::FromStr;

use watchword_token::UnixTime;
use zeroize::Zeroize as _;

use crate::totp::{DEFAULT_STEP_SECS, MAX_STEP_SECS};
use crate::{Algorithm, Digits, Error, Hotp, Secret, Totp};

/// The longest key URI [`KeyUri::parse`] reads, in bytes.
pub const MAX_URI_LEN: usize = 4096;
/// The longest issuer or account name, in bytes once decoded.
pub const MAX_LABEL_PART_LEN: usize = 256;

/// The OTP type of a key URI, with its type-specific parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OtpKind {
    /// `totp`, with its `period` in seconds.
    Totp {
        /// The time step.
        period: u64,
    },
    /// `hotp`, with the initial `counter`.
    Hotp {
        /// The counter value to start from.
        counter: u64,
    },
}

impl OtpKind {
    fn name(self) -> &'static str {
        match self {
            OtpKind::Totp { .. } => "totp",
            OtpKind::Hotp { .. } => "hotp",
        }
    }
}

/// An `otpauth://` key URI, the [Key Uri Format] that authenticator apps read from QR codes:
///
/// ```text
/// otpauth://totp/ACME%20Co:alice%40example.com?secret=JBSWY3DP…&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30
/// ```
///
/// [`KeyUri::to_uri`] writes every parameter explicitly and percent-encodes everything outside
/// the RFC 3986 unreserved set. [`KeyUri::parse`] is strict; it refuses:
///
/// - more than [`MAX_URI_LEN`] bytes, a scheme other than `otpauth` (any case), a type other
///   than `totp`/`hotp` (any case), a fragment, raw characters that must be percent-encoded
///   (space, controls, non-ASCII, quotes, angle and curly brackets, backslash, caret, backtick,
///   pipe), malformed `%XX` escapes, text that does not decode to UTF-8;
/// - a label with more than one `:` (literal or `%3A`) or a raw `/`, an empty issuer prefix
///   or account name, an account name starting with a space (spaces after `issuer:` are
///   dropped), control characters, either part over [`MAX_LABEL_PART_LEN`] bytes;
/// - a repeated parameter, a parameter without `=`, a missing or empty `secret`, a secret that
///   is not base32 or is shorter than 16 bytes ([`MIN_SECRET_LEN`](crate::MIN_SECRET_LEN)),
///   an unknown `algorithm`, `digits` other than 6–8, a `period` outside
///   1..=[`MAX_STEP_SECS`](crate::MAX_STEP_SECS), a `counter` that is not a `u64`, a
///   `period` on an `hotp` URI or a `counter` on a `totp` one, a missing `counter` on `hotp`;
/// - an `issuer` parameter that differs from the label's issuer prefix (or holds a `:`).
///
/// Parameters this crate does not know (such as `image`) are ignored. In parameter values `+`
/// reads as a space, as in form encoding; [`KeyUri::to_uri`] never writes a raw `+`.
///
/// [Key Uri Format]: https://github.com/google/google-authenticator/wiki/Key-Uri-Format
///
/// `Debug` does not print the secret; [`to_uri`](KeyUri::to_uri) does, since that is its job:
/// do not log it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUri {
    kind: OtpKind,
    issuer: Option<String>,
    account: String,
    secret: Secret,
    algorithm: Algorithm,
    digits: Digits,
}

impl KeyUri {
    /// Describes `totp` for an authenticator app, labelled `issuer:account`.
    ///
    /// # Errors
    ///
    /// [`Error::UriT0`] if the TOTP has a non-zero `T0` (a key URI cannot say so),
    /// [`Error::UriLabel`] for an empty account, a `:` or a control character in either part,
    /// or a part longer than [`MAX_LABEL_PART_LEN`] bytes.
    pub fn totp(totp: &Totp, issuer: Option<&str>, account: &str) -> Result<Self, Error> {
        if totp.t0() != UnixTime(0) {
            return Err(Error::UriT0 { t0: totp.t0() });
        }
        Self::new(
            OtpKind::Totp {
                period: totp.step_secs(),
            },
            issuer,
            account,
            totp.secret().clone(),
            totp.algorithm(),
            totp.digits(),
        )
    }

    /// Describes `hotp` starting at `counter` for an authenticator app.
    ///
    /// # Errors
    ///
    /// As [`KeyUri::totp`] for the label.
    pub fn hotp(
        hotp: &Hotp,
        counter: u64,
        issuer: Option<&str>,
        account: &str,
    ) -> Result<Self, Error> {
        Self::new(
            OtpKind::Hotp { counter },
            issuer,
            account,
            hotp.secret().clone(),
            hotp.algorithm(),
            hotp.digits(),
        )
    }

    fn new(
        kind: OtpKind,
        issuer: Option<&str>,
        account: &str,
        secret: Secret,
        algorithm: Algorithm,
        digits: Digits,
    ) -> Result<Self, Error> {
        if let Some(issuer) = issuer {
            check_label_part(issuer, "empty issuer")?;
        }
        check_account(account)?;
        Ok(KeyUri {
            kind,
            issuer: issuer.map(str::to_owned),
            account: account.to_owned(),
            secret,
            algorithm,
            digits,
        })
    }

    /// Returns the OTP type and its parameter.
    pub fn kind(&self) -> OtpKind {
        self.kind
    }

    /// Returns the issuer, if any.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// Returns the account name.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// Returns the secret.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// Returns the hash algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Returns the number of digits.
    pub fn digits(&self) -> Digits {
        self.digits
    }

    /// Returns the TOTP the URI describes (`T0` = 0 and the default window).
    ///
    /// # Errors
    ///
    /// [`Error::UriKind`] for an `hotp` URI.
    pub fn to_totp(&self) -> Result<Totp, Error> {
        match self.kind {
            OtpKind::Totp { period } => Totp::new(self.secret.clone())
                .with_algorithm(self.algorithm)
                .with_digits(self.digits)
                .with_step(period),
            OtpKind::Hotp { .. } => Err(Error::UriKind {
                expected: "totp",
                found: "hotp",
            }),
        }
    }

    /// Returns the HOTP the URI describes and its initial counter.
    ///
    /// # Errors
    ///
    /// [`Error::UriKind`] for a `totp` URI.
    pub fn to_hotp(&self) -> Result<(Hotp, u64), Error> {
        match self.kind {
            OtpKind::Hotp { counter } => Ok((
                Hotp::new(self.secret.clone(), self.algorithm, self.digits),
                counter,
            )),
            OtpKind::Totp { .. } => Err(Error::UriKind {
                expected: "hotp",
                found: "totp",
            }),
        }
    }

    /// Writes the URI: `otpauth://TYPE/[ISSUER:]ACCOUNT?secret=…[&issuer=…]&algorithm=…
    /// &digits=…&period=…` (or `&counter=…`), the secret in unpadded base32.
    pub fn to_uri(&self) -> String {
        let mut out = format!("otpauth://{}/", self.kind.name());
        if let Some(issuer) = &self.issuer {
            percent_encode(issuer, &mut out);
            out.push(':');
        }
        percent_encode(&self.account, &mut out);
        out.push_str("?secret=");
        out.push_str(&self.secret.to_base32());
        if let Some(issuer) = &self.issuer {
            out.push_str("&issuer=");
            percent_encode(issuer, &mut out);
        }
        out.push_str("&algorithm=");
        out.push_str(self.algorithm.name());
        out.push_str("&digits=");
        out.push_str(&self.digits.get().to_string());
        match self.kind {
            OtpKind::Totp { period } => {
                out.push_str("&period=");
                out.push_str(&period.to_string());
            }
            OtpKind::Hotp { counter } => {
                out.push_str("&counter=");
                out.push_str(&counter.to_string());
            }
        }
        out
    }

    /// Reads a key URI strictly (see [`KeyUri`] for every rule).
    ///
    /// # Errors
    ///
    /// The `Uri*` variants of [`Error`], [`Error::IssuerMismatch`], and the secret's
    /// [`Error::Base32`], [`Error::SecretTooShort`] and [`Error::SecretTooLong`].
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_URI_LEN {
            return Err(Error::UriTooLong {
                len: text.len(),
                max: MAX_URI_LEN,
            });
        }
        if let Some(bad) = text.bytes().find(|b| !is_uri_char(*b)) {
            return Err(Error::UriSyntax {
                reason: if bad == b'#' {
                    "a key uri has no fragment"
                } else {
                    "character that must be percent-encoded"
                },
            });
        }
        let rest = strip_prefix_ignore_case(text, "otpauth://").ok_or(Error::UriScheme)?;
        let (kind_name, rest) = rest
            .split_once('/')
            .ok_or(Error::UriSyntax { reason: "no label" })?;
        let (label, query) = rest.split_once('?').unwrap_or((rest, ""));
        if label.contains('/') {
            return Err(Error::UriLabel {
                reason: "label contains '/'",
            });
        }
        let is_totp = if kind_name.eq_ignore_ascii_case("totp") {
            true
        } else if kind_name.eq_ignore_ascii_case("hotp") {
            false
        } else {
            return Err(Error::UriType {
                found: percent_decode(kind_name, false).unwrap_or_else(|_| kind_name.to_owned()),
            });
        };
        let (label_issuer, account) = parse_label(label)?;
        let mut params = Params::parse(query)?;

        let secret = Secret::from_base32(
            params
                .secret
                .as_deref()
                .ok_or(Error::UriMissingParam { name: "secret" })?,
        )?;
        let issuer = reconcile_issuer(label_issuer, params.issuer.take())?;
        let algorithm = match &params.algorithm {
            None => Algorithm::Sha1,
            Some(name) => Algorithm::from_name(name).ok_or(Error::UriParam {
                name: "algorithm",
                reason: "not SHA1, SHA256 or SHA512",
            })?,
        };
        let digits = match &params.digits {
            None => Digits::SIX,
            Some(text) => parse_number(text)
                .and_then(|n| u8::try_from(n).ok())
                .and_then(|n| Digits::new(n).ok())
                .ok_or(Error::UriParam {
                    name: "digits",
                    reason: "not 6, 7 or 8",
                })?,
        };
        let kind = params.kind(is_totp)?;
        Ok(KeyUri {
            kind,
            issuer,
            account,
            secret,
            algorithm,
            digits,
        })
    }
}

impl FromStr for KeyUri {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        KeyUri::parse(text)
    }
}

/// The known parameters, each at most once, still percent-decoded text.
#[derive(Default)]
struct Params {
    secret: Option<String>,
    issuer: Option<String>,
    algorithm: Option<String>,
    digits: Option<String>,
    period: Option<String>,
    counter: Option<String>,
}

impl Drop for Params {
    fn drop(&mut self) {
        if let Some(secret) = &mut self.secret {
            secret.zeroize();
        }
    }
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Params(redacted)")
    }
}

impl Params {
    /// The type-specific parameter: `period` for `totp`, `counter` for `hotp`, and never the
    /// other one.
    fn kind(&self, is_totp: bool) -> Result<OtpKind, Error> {
        if is_totp {
            if self.counter.is_some() {
                return Err(Error::UriParam {
                    name: "counter",
                    reason: "not allowed on totp",
                });
            }
            let period = match &self.period {
                None => DEFAULT_STEP_SECS,
                Some(text) => parse_number(text)
                    .filter(|p| (1..=MAX_STEP_SECS).contains(p))
                    .ok_or(Error::UriParam {
                        name: "period",
                        reason: "not a number of seconds in the accepted range",
                    })?,
            };
            Ok(OtpKind::Totp { period })
        } else {
            if self.period.is_some() {
                return Err(Error::UriParam {
                    name: "period",
                    reason: "not allowed on hotp",
                });
            }
            let text = self
                .counter
                .as_deref()
                .ok_or(Error::UriMissingParam { name: "counter" })?;
            let counter = parse_number(text).ok_or(Error::UriParam {
                name: "counter",
                reason: "not an unsigned 64-bit number",
            })?;
            Ok(OtpKind::Hotp { counter })
        }
    }

    fn parse(query: &str) -> Result<Self, Error> {
        let mut params = Params::default();
        let mut seen: Vec<String> = Vec::new();
        if query.is_empty() {
            return Ok(params);
        }
        for pair in query.split('&') {
            let (raw_name, raw_value) = pair.split_once('=').ok_or(Error::UriSyntax {
                reason: "parameter without '='",
            })?;
            let name = percent_decode(raw_name, true)?;
            if seen.contains(&name) {
                return Err(Error::UriDuplicateParam { name });
            }
            let value = percent_decode(raw_value, true)?;
            let slot = match name.as_str() {
                "secret" => &mut params.secret,
                "issuer" => &mut params.issuer,
                "algorithm" => &mut params.algorithm,
                "digits" => &mut params.digits,
                "period" => &mut params.period,
                "counter" => &mut params.counter,
                _ => {
                    seen.push(name);
                    continue;
                }
            };
            *slot = Some(value);
            seen.push(name);
        }
        Ok(params)
    }
}

/// The issuer: the label's prefix and the `issuer` parameter must agree where both exist.
fn reconcile_issuer(label: Option<String>, param: Option<String>) -> Result<Option<String>, Error> {
    match (label, param) {
        (Some(label), Some(param)) if label != param => Err(Error::IssuerMismatch { label, param }),
        (Some(issuer), _) => Ok(Some(issuer)),
        (None, Some(param)) => {
            check_label_part(&param, "empty issuer parameter").map_err(|_| Error::UriParam {
                name: "issuer",
                reason: "empty, too long, or holds ':' or a control character",
            })?;
            Ok(Some(param))
        }
        (None, None) => Ok(None),
    }
}

/// Splits a raw label into its optional issuer prefix and account name.
fn parse_label(raw: &str) -> Result<(Option<String>, String), Error> {
    let label = percent_decode(raw, false)?;
    let mut parts = label.split(':');
    let first = parts.next().unwrap_or_default();
    let (issuer, account) = match (parts.next(), parts.next()) {
        (None, _) => (None, first),
        // The format allows optional spaces before the account name.
        (Some(account), None) => (Some(first), account.trim_start_matches(' ')),
        (Some(_), Some(_)) => {
            return Err(Error::UriLabel {
                reason: "more than one ':'",
            })
        }
    };
    if let Some(issuer) = issuer {
        check_label_part(issuer, "empty issuer prefix")?;
    }
    check_account(account)?;
    Ok((issuer.map(str::to_owned), account.to_owned()))
}

/// An account name: a label part that does not start with a space, since a reader drops the
/// spaces after `issuer:` (and one written without an issuer prefix may gain one).
fn check_account(account: &str) -> Result<(), Error> {
    check_label_part(account, "empty account name")?;
    if account.starts_with(' ') {
        return Err(Error::UriLabel {
            reason: "account name starts with a space",
        });
    }
    Ok(())
}

fn check_label_part(part: &str, empty: &'static str) -> Result<(), Error> {
    if part.is_empty() {
        return Err(Error::UriLabel { reason: empty });
    }
    if part.len() > MAX_LABEL_PART_LEN {
        return Err(Error::UriLabel {
            reason: "issuer or account name too long",
        });
    }
    if part.contains(':') {
        return Err(Error::UriLabel {
            reason: "issuer or account name contains ':'",
        });
    }
    if part.chars().any(char::is_control) {
        return Err(Error::UriLabel {
            reason: "control character",
        });
    }
    Ok(())
}

/// A decimal number of ASCII digits only (no sign, no spaces).
fn parse_number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Whether `b` may appear raw in a key URI: RFC 3986 unreserved, reserved and `%`.
fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?[]@!$&'()*+,;=%".contains(&b)
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

/// Percent-encodes everything outside the RFC 3986 unreserved set, in upper-case hex.
fn percent_encode(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in text.bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// Decodes `%XX` escapes (and `+` as a space where `plus_is_space`), requiring UTF-8.
fn percent_decode(text: &str, plus_is_space: bool) -> Result<String, Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let high = bytes.get(i + 1).and_then(|c| hex_value(*c));
                let low = bytes.get(i + 2).and_then(|c| hex_value(*c));
                let (Some(high), Some(low)) = (high, low) else {
                    return Err(Error::UriSyntax {
                        reason: "malformed percent escape",
                    });
                };
                out.push(high << 4 | low);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| Error::UriSyntax {
        reason: "percent-decoded text is not utf-8",
    })
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}
