//! HOTP, the HMAC-based one-time password of [RFC 4226], and the pieces TOTP shares with it:
//! the hash [`Algorithm`], the number of [`Digits`] and the shared [`Secret`].
//!
//! [RFC 4226]: https://www.rfc-editor.org/rfc/rfc4226

use core::fmt;

use hmac::{Hmac, Mac};
use rand_core::CryptoRngCore;
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::{base32, Error};

/// The shortest secret accepted, in bytes: 128 bits, the minimum of RFC 4226 §4 (R6).
pub const MIN_SECRET_LEN: usize = 16;
/// The length of secrets [`Secret::generate`] makes: 160 bits, the length RFC 4226 §4
/// recommends.
pub const GENERATED_SECRET_LEN: usize = 20;
/// The longest secret accepted, in bytes (twice the SHA-512 block): longer keys add nothing
/// and only cost hashing.
pub const MAX_SECRET_LEN: usize = 256;
/// The widest verification window on either side, in counters or time steps.
pub const MAX_WINDOW: u8 = 10;

/// The hash function under the HMAC ([RFC 6238 §1.2]; RFC 4226 itself uses SHA-1).
///
/// [RFC 6238 §1.2]: https://www.rfc-editor.org/rfc/rfc6238#section-1.2
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA-1, the default and the only hash many authenticator apps honour.
    #[default]
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl Algorithm {
    /// Returns the name key URIs use: `SHA1`, `SHA256` or `SHA512`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// Reads a key URI `algorithm` value, in any case; `None` for any other name.
    pub fn from_name(name: &str) -> Option<Self> {
        [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512]
            .into_iter()
            .find(|alg| alg.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The number of decimal digits of a code: 6, 7 or 8.
///
/// RFC 4226 §5.3 requires at least 6; more than 8 would not fit the 31-bit truncation evenly
/// and no authenticator app shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digits(u8);

impl Digits {
    /// Six digits, the default.
    pub const SIX: Digits = Digits(6);
    /// Seven digits.
    pub const SEVEN: Digits = Digits(7);
    /// Eight digits (the RFC 6238 test vectors).
    pub const EIGHT: Digits = Digits(8);

    /// Makes a number of digits.
    ///
    /// # Errors
    ///
    /// [`Error::Digits`] for anything but 6, 7 or 8.
    pub fn new(digits: u8) -> Result<Self, Error> {
        match digits {
            6..=8 => Ok(Digits(digits)),
            _ => Err(Error::Digits { found: digits }),
        }
    }

    /// Returns the number.
    pub fn get(self) -> u8 {
        self.0
    }

    pub(crate) fn len(self) -> usize {
        usize::from(self.0)
    }

    /// `10^digits`, the modulus of the truncated value.
    fn modulus(self) -> u32 {
        10u32.pow(u32::from(self.0))
    }
}

impl Default for Digits {
    fn default() -> Self {
        Digits::SIX
    }
}

impl TryFrom<u8> for Digits {
    type Error = Error;

    fn try_from(digits: u8) -> Result<Self, Error> {
        Digits::new(digits)
    }
}

impl From<Digits> for u8 {
    fn from(digits: Digits) -> u8 {
        digits.0
    }
}

impl serde::Serialize for Digits {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Digits {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let digits = u8::deserialize(deserializer)?;
        Digits::new(digits).map_err(serde::de::Error::custom)
    }
}

/// A shared HOTP/TOTP secret of [`MIN_SECRET_LEN`]`..=`[`MAX_SECRET_LEN`] bytes.
///
/// RFC 4226 §4 requires at least 128 bits and recommends 160, which is what
/// [`Secret::generate`] makes. The bytes are zeroized on drop, compared in constant time, and
/// never printed by `Debug`.
#[derive(Clone)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Copies a secret from raw bytes.
    ///
    /// # Errors
    ///
    /// [`Error::SecretTooShort`] under 16 bytes, [`Error::SecretTooLong`] over 256.
    pub fn new(bytes: &[u8]) -> Result<Self, Error> {
        Self::from_vec(Zeroizing::new(bytes.to_vec()))
    }

    /// Reads a secret written in base32 (as in a key URI), in either case, padded or not.
    ///
    /// # Errors
    ///
    /// [`Error::Base32`] for text that is not base32, then the length errors of [`Secret::new`].
    pub fn from_base32(text: &str) -> Result<Self, Error> {
        Self::from_vec(Zeroizing::new(base32::decode(text)?))
    }

    /// Generates a fresh secret of [`GENERATED_SECRET_LEN`] (20) random bytes.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let mut bytes = Zeroizing::new(vec![0u8; GENERATED_SECRET_LEN]);
        rng.fill_bytes(&mut bytes);
        Secret(bytes)
    }

    fn from_vec(bytes: Zeroizing<Vec<u8>>) -> Result<Self, Error> {
        let found = bytes.len();
        if found < MIN_SECRET_LEN {
            return Err(Error::SecretTooShort {
                min: MIN_SECRET_LEN,
                found,
            });
        }
        if found > MAX_SECRET_LEN {
            return Err(Error::SecretTooLong {
                max: MAX_SECRET_LEN,
                found,
            });
        }
        Ok(Secret(bytes))
    }

    /// Returns the raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Returns the secret in unpadded upper-case base32, as a key URI carries it.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(base32::encode(&self.0))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes, redacted)", self.0.len())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for Secret {}

/// An HMAC keyed once, so that checking a window of codes does not redo the key schedule.
#[derive(Clone)]
pub(crate) enum KeyedMac {
    Sha1(Hmac<Sha1>),
    Sha256(Hmac<Sha256>),
    Sha512(Hmac<Sha512>),
}

impl KeyedMac {
    pub(crate) fn new(algorithm: Algorithm, secret: &Secret) -> Self {
        let key = secret.as_bytes();
        // HMAC accepts keys of any length; the error arm cannot happen.
        match algorithm {
            Algorithm::Sha1 => KeyedMac::Sha1(
                <Hmac<Sha1> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!()),
            ),
            Algorithm::Sha256 => KeyedMac::Sha256(
                <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!()),
            ),
            Algorithm::Sha512 => KeyedMac::Sha512(
                <Hmac<Sha512> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!()),
            ),
        }
    }

    /// The HOTP value for `counter` (RFC 4226 §5.3), before the decimal reduction.
    fn truncated(&self, counter: u64) -> u32 {
        let message = counter.to_be_bytes();
        match self {
            KeyedMac::Sha1(mac) => {
                dynamic_truncation(&mac.clone().chain_update(message).finalize().into_bytes())
            }
            KeyedMac::Sha256(mac) => {
                dynamic_truncation(&mac.clone().chain_update(message).finalize().into_bytes())
            }
            KeyedMac::Sha512(mac) => {
                dynamic_truncation(&mac.clone().chain_update(message).finalize().into_bytes())
            }
        }
    }

    /// The code for `counter` as ASCII digits in the first `digits` bytes of the array.
    pub(crate) fn code(&self, counter: u64, digits: Digits) -> [u8; 8] {
        let mut value = self.truncated(counter) % digits.modulus();
        let mut out = [b'0'; 8];
        for slot in out[..digits.len()].iter_mut().rev() {
            // `value % 10` is a single digit.
            *slot = b'0' + (value % 10).to_le_bytes()[0];
            value /= 10;
        }
        out
    }
}

/// Dynamic truncation (RFC 4226 §5.3): the low nibble of the last byte picks four bytes, whose
/// top bit is dropped. RFC 6238 applies it unchanged to the longer SHA-2 tags.
fn dynamic_truncation(tag: &[u8]) -> u32 {
    let offset = usize::from(tag[tag.len() - 1] & 0x0f);
    let word = [
        tag[offset],
        tag[offset + 1],
        tag[offset + 2],
        tag[offset + 3],
    ];
    u32::from_be_bytes(word) & 0x7fff_ffff
}

/// Checks that `code` is exactly `digits` ASCII digits.
pub(crate) fn check_format(code: &str, digits: Digits) -> Result<(), Error> {
    if code.len() == digits.len() && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Error::CodeFormat {
            expected: digits.get(),
        })
    }
}

/// Compares the first `digits` bytes of `expected` with `code` in constant time.
pub(crate) fn code_matches(expected: [u8; 8], code: &str, digits: Digits) -> bool {
    expected[..digits.len()].ct_eq(code.as_bytes()).into()
}

/// An HOTP generator and verifier ([RFC 4226]): a secret, a hash and a number of digits.
///
/// The moving factor is a counter the caller keeps per user: after a successful
/// [`verify`](Hotp::verify) it stores the matched counter plus one, so the same code is never
/// accepted twice.
///
/// [RFC 4226]: https://www.rfc-editor.org/rfc/rfc4226
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hotp {
    secret: Secret,
    algorithm: Algorithm,
    digits: Digits,
}

impl Hotp {
    /// Makes an HOTP from its three parameters.
    pub fn new(secret: Secret, algorithm: Algorithm, digits: Digits) -> Self {
        Hotp {
            secret,
            algorithm,
            digits,
        }
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

    /// Returns the code for `counter` (RFC 4226 §5.3), zero-padded to the configured digits.
    pub fn generate(&self, counter: u64) -> String {
        let code = KeyedMac::new(self.algorithm, &self.secret).code(counter, self.digits);
        code[..self.digits.len()]
            .iter()
            .map(|b| char::from(*b))
            .collect()
    }

    /// Verifies `code` against `counter` and the next `look_ahead` counters (the
    /// resynchronisation window of RFC 4226 §7.4), comparing in constant time, and returns the
    /// counter that matched (the lowest, if several do).
    ///
    /// The caller then stores the returned counter plus one as the next expected counter.
    ///
    /// # Errors
    ///
    /// [`Error::Window`] if `look_ahead` exceeds [`MAX_WINDOW`], [`Error::CodeFormat`] if
    /// `code` is not the configured number of ASCII digits, [`Error::WrongCode`] if no counter
    /// in the window matches.
    pub fn verify(&self, code: &str, counter: u64, look_ahead: u8) -> Result<u64, Error> {
        if look_ahead > MAX_WINDOW {
            return Err(Error::Window {
                found: look_ahead,
                max: MAX_WINDOW,
            });
        }
        check_format(code, self.digits)?;
        let mac = KeyedMac::new(self.algorithm, &self.secret);
        let last = counter.saturating_add(u64::from(look_ahead));
        let mut matched = None;
        // Every counter in the window is computed and compared, matched or not.
        for candidate in counter..=last {
            let hit = code_matches(mac.code(candidate, self.digits), code, self.digits);
            if hit && matched.is_none() {
                matched = Some(candidate);
            }
        }
        matched.ok_or(Error::WrongCode)
    }
}
