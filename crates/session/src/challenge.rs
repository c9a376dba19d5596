//! The `orangecheck-auth` sign-in challenge: the text a wallet signs to prove it controls an
//! address, in the layout of OrangeCheck's `issueChallenge`.
//!
//! ```text
//! orangecheck-auth
//! address: bc1q…
//! nonce: 0011223344556677889900aabbccddee
//! issued_at: 2026-04-22T12:00:00Z
//! expires_at: 2026-04-22T12:05:00Z
//! ack: I authorize this session under the OrangeCheck auth challenge.
//! audience: https://example.com
//! purpose: login
//! ```
//!
//! Line feeds only, exactly one after the last line. The five core lines are fixed in order;
//! `audience` and `purpose` are optional extensions, in that (sorted) order. The distinct
//! header and `ack` wording keep a signed challenge from ever passing for an attestation
//! ([`crate::attestation`]) and the reverse.
//!
//! [`Challenge::parse`] is strict where OrangeCheck's own parser is lenient (it skips lines it
//! does not understand): it refuses unknown and repeated keys, lines without `": "`, carriage
//! returns, extensions out of order, non-canonical timestamps and nonces, and values with a
//! line break, a comma or anything outside printable ASCII. Every text it accepts is the exact
//! text [`Challenge::to_text`] writes back.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use watchword_token::UnixTime;

use crate::error::{Error, TextKind};
use crate::text::{self, Charset};
use crate::{timestamp, Nonce};

/// The header line.
pub const CHALLENGE_HEADER: &str = "orangecheck-auth";
/// The fixed `ack` line's value.
pub const CHALLENGE_ACK: &str = "I authorize this session under the OrangeCheck auth challenge.";
/// The longest challenge text accepted, in bytes.
pub const MAX_CHALLENGE_LEN: usize = 1024;
/// The longest address accepted, in bytes (a bech32 address has at most 90 characters).
pub const MAX_ADDRESS_LEN: usize = 100;
/// The longest `audience` or `purpose` value accepted, in bytes.
pub const MAX_EXTENSION_LEN: usize = 256;
/// The longest challenge lifetime accepted, in seconds.
pub const MAX_CHALLENGE_TTL: u64 = 3600;
/// The lifetime OrangeCheck uses by default, in seconds.
pub const DEFAULT_CHALLENGE_TTL: u64 = 300;

const KIND: TextKind = TextKind::Challenge;
const CORE: [&str; 5] = ["address", "nonce", "issued_at", "expires_at", "ack"];
const EXTENSIONS: [&str; 2] = ["audience", "purpose"];

/// A sign-in challenge: every value valid, so it always writes a text that
/// [`parse`](Challenge::parse) reads back to the same value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    address: String,
    nonce: Nonce,
    issued_at: UnixTime,
    expires_at: UnixTime,
    audience: Option<String>,
    purpose: Option<String>,
}

impl Challenge {
    /// Makes a challenge for `address`, valid from `issued_at` for `ttl` seconds.
    ///
    /// The address is not checked against a network: a wrong one simply never verifies.
    ///
    /// # Errors
    ///
    /// A value error for the address (empty, longer than [`MAX_ADDRESS_LEN`], a line break,
    /// a comma, a space or a character outside printable ASCII), [`Error::Lifetime`] for a
    /// `ttl` of 0 or above [`MAX_CHALLENGE_TTL`], [`Error::TimestampRange`] past year 9999.
    pub fn new(address: &str, nonce: Nonce, issued_at: UnixTime, ttl: u64) -> Result<Self, Error> {
        check_address(address)?;
        let expires_at = issued_at.plus(ttl);
        check_times(issued_at, expires_at)?;
        Ok(Challenge {
            address: address.to_owned(),
            nonce,
            issued_at,
            expires_at,
            audience: None,
            purpose: None,
        })
    }

    /// Adds the `audience` extension: the origin the sign-in is for, which the verifier
    /// compares with the one it expects.
    ///
    /// # Errors
    ///
    /// A value error: empty, longer than [`MAX_EXTENSION_LEN`], a line break, a comma, a
    /// character outside printable ASCII, a space at either end.
    pub fn with_audience(mut self, audience: &str) -> Result<Self, Error> {
        text::check_value("audience", audience, MAX_EXTENSION_LEN, Charset::Phrase)?;
        self.audience = Some(audience.to_owned());
        Ok(self)
    }

    /// Adds the `purpose` extension, a short label such as `login`.
    ///
    /// # Errors
    ///
    /// As [`with_audience`](Challenge::with_audience).
    pub fn with_purpose(mut self, purpose: &str) -> Result<Self, Error> {
        text::check_value("purpose", purpose, MAX_EXTENSION_LEN, Charset::Phrase)?;
        self.purpose = Some(purpose.to_owned());
        Ok(self)
    }

    /// Reads a challenge text strictly (see the [module docs](self)).
    ///
    /// # Errors
    ///
    /// The first rule the text breaks, each its own [`Error`] variant.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let lines = text::lines(KIND, text, MAX_CHALLENGE_LEN)?;
        text::header(KIND, lines[0], CHALLENGE_HEADER)?;
        let known = |key: &str| CORE.contains(&key) || EXTENSIONS.contains(&key);
        let [address, nonce, issued_at, expires_at, ack] =
            text::core_lines(KIND, &lines[1..], CORE, known)?;
        let mut extensions = [None, None];
        let mut previous: Option<&str> = None;
        for (index, line) in lines.iter().enumerate().skip(1 + CORE.len()) {
            let (key, value) = text::key_value(KIND, index + 1, line)?;
            let Some(slot) = EXTENSIONS.iter().position(|known| *known == key) else {
                return Err(if CORE.contains(&key) {
                    Error::DuplicateKey {
                        kind: KIND,
                        key: key.to_owned(),
                    }
                } else {
                    Error::UnknownKey {
                        kind: KIND,
                        key: key.to_owned(),
                    }
                });
            };
            if let Some(previous) = previous {
                if previous == key {
                    return Err(Error::DuplicateKey {
                        kind: KIND,
                        key: key.to_owned(),
                    });
                }
                if previous > key {
                    return Err(Error::ExtensionOrder {
                        kind: KIND,
                        key: key.to_owned(),
                        previous: previous.to_owned(),
                    });
                }
            }
            previous = Some(key);
            extensions[slot] = Some(value);
        }
        if ack != CHALLENGE_ACK {
            return Err(Error::Literal {
                kind: KIND,
                key: "ack",
                expected: CHALLENGE_ACK,
            });
        }
        check_address(address)?;
        let mut challenge = Challenge {
            address: address.to_owned(),
            nonce: Nonce::parse(nonce)?,
            issued_at: timestamp::parse(issued_at)?,
            expires_at: timestamp::parse(expires_at)?,
            audience: None,
            purpose: None,
        };
        check_times(challenge.issued_at, challenge.expires_at)?;
        let [audience, purpose] = extensions;
        if let Some(audience) = audience {
            challenge = challenge.with_audience(audience)?;
        }
        if let Some(purpose) = purpose {
            challenge = challenge.with_purpose(purpose)?;
        }
        Ok(challenge)
    }

    /// Writes the canonical text, the exact bytes the wallet signs.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{CHALLENGE_HEADER}\naddress: {}\nnonce: {}\nissued_at: {}\nexpires_at: {}\nack: {CHALLENGE_ACK}\n",
            self.address,
            self.nonce,
            format_checked(self.issued_at),
            format_checked(self.expires_at),
        );
        for (key, value) in EXTENSIONS.iter().zip([&self.audience, &self.purpose]) {
            if let Some(value) = value {
                text.push_str(key);
                text.push_str(": ");
                text.push_str(value);
                text.push('\n');
            }
        }
        text
    }

    /// Returns the address the wallet must sign with.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Returns the nonce.
    pub fn nonce(&self) -> Nonce {
        self.nonce
    }

    /// Returns the first second the challenge is valid.
    pub fn issued_at(&self) -> UnixTime {
        self.issued_at
    }

    /// Returns the second from which the challenge is expired.
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }

    /// Returns the `audience` extension.
    pub fn audience(&self) -> Option<&str> {
        self.audience.as_deref()
    }

    /// Returns the `purpose` extension.
    pub fn purpose(&self) -> Option<&str> {
        self.purpose.as_deref()
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// Stored as its text, so that what a store holds is exactly what the wallet signed.
impl Serialize for Challenge {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_text())
    }
}

impl<'de> Deserialize<'de> for Challenge {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Challenge::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn check_address(address: &str) -> Result<(), Error> {
    text::check_value("address", address, MAX_ADDRESS_LEN, Charset::Word)
}

fn check_times(issued_at: UnixTime, expires_at: UnixTime) -> Result<(), Error> {
    let seconds = expires_at.0.saturating_sub(issued_at.0);
    if seconds == 0 || seconds > MAX_CHALLENGE_TTL {
        return Err(Error::Lifetime {
            seconds,
            max: MAX_CHALLENGE_TTL,
        });
    }
    timestamp::format(expires_at).map(drop)
}

/// Formats a time the constructors have already checked.
fn format_checked(time: UnixTime) -> String {
    let Ok(text) = timestamp::format(time) else {
        unreachable!("challenge times are checked on construction")
    };
    text
}
