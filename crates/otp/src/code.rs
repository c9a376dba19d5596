//! Random one-time codes for people to read and type: numeric, or alphanumeric over an
//! alphabet without look-alike characters.
//!
//! Codes are drawn from caller-supplied randomness without bias: each symbol comes from one
//! random byte, and bytes at or above the largest multiple of the alphabet size are thrown away
//! and redrawn (rejection sampling), so every symbol is exactly equally likely.

use core::fmt;

use rand_core::CryptoRngCore;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::Error;

/// The symbols of [`Alphabet::Unambiguous`]: digits `2`–`9` and upper-case letters without
/// `I`, `L` and `O`, which are easily read as `1`, `1` and `0` (themselves left out too).
/// 31 symbols, just under 5 bits each.
pub const UNAMBIGUOUS_SYMBOLS: &str = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// The shortest code [`OneTimeCode::generate`] makes.
pub const MIN_CODE_LEN: usize = 4;
/// The longest code [`OneTimeCode::generate`] makes.
pub const MAX_CODE_LEN: usize = 64;

/// The symbols a code is made of.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Alphabet {
    /// The digits `0`–`9` (3.32 bits per symbol).
    Numeric,
    /// [`UNAMBIGUOUS_SYMBOLS`] (4.95 bits per symbol). Typed codes are compared after ASCII
    /// upper-casing and trimming surrounding whitespace.
    #[default]
    Unambiguous,
}

impl Alphabet {
    /// Returns the symbols, as ASCII.
    pub fn symbols(self) -> &'static [u8] {
        match self {
            Alphabet::Numeric => b"0123456789",
            Alphabet::Unambiguous => UNAMBIGUOUS_SYMBOLS.as_bytes(),
        }
    }

    /// Returns whether every character of `text` is a symbol of the alphabet.
    pub fn contains_all(self, text: &str) -> bool {
        let symbols = self.symbols();
        text.bytes().all(|b| symbols.contains(&b))
    }

    /// Brings typed input into the form codes are generated in: whitespace and `-` (which
    /// people put between groups, as in `ABCD-2345` or `123 456`) are dropped and, for
    /// [`Alphabet::Unambiguous`], letters are upper-cased.
    pub fn normalize(self, input: &str) -> Zeroizing<String> {
        let kept = input.chars().filter(|c| !c.is_whitespace() && *c != '-');
        Zeroizing::new(match self {
            Alphabet::Numeric => kept.collect(),
            Alphabet::Unambiguous => kept.map(|c| c.to_ascii_uppercase()).collect(),
        })
    }
}

/// Draws `len` symbols of `alphabet` without bias.
pub(crate) fn draw(alphabet: Alphabet, len: usize, rng: &mut impl CryptoRngCore) -> String {
    let symbols = alphabet.symbols();
    let size = symbols.len();
    // The largest multiple of `size` that fits a byte: bytes below it map evenly.
    let limit = 256 - 256 % size;
    let mut out = String::with_capacity(len);
    let mut buffer = Zeroizing::new([0u8; 64]);
    while out.len() < len {
        rng.fill_bytes(&mut buffer[..]);
        for &byte in buffer.iter() {
            if out.len() == len {
                break;
            }
            let byte = usize::from(byte);
            if byte < limit {
                out.push(char::from(symbols[byte % size]));
            }
        }
    }
    out
}

/// A random code for a person to read or type, compared in constant time.
///
/// `Debug` does not print the code; `==` compares in constant time.
#[derive(Clone)]
pub struct OneTimeCode {
    alphabet: Alphabet,
    text: Zeroizing<String>,
}

impl OneTimeCode {
    /// Draws a code of `len` symbols of `alphabet` from `rng`, without bias.
    ///
    /// # Errors
    ///
    /// [`Error::CodeLength`] if `len` is outside [`MIN_CODE_LEN`]`..=`[`MAX_CODE_LEN`].
    pub fn generate(
        alphabet: Alphabet,
        len: usize,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, Error> {
        if !(MIN_CODE_LEN..=MAX_CODE_LEN).contains(&len) {
            return Err(Error::CodeLength {
                found: len,
                min: MIN_CODE_LEN,
                max: MAX_CODE_LEN,
            });
        }
        Ok(OneTimeCode {
            alphabet,
            text: Zeroizing::new(draw(alphabet, len, rng)),
        })
    }

    /// Returns the code.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Returns the alphabet of the code.
    pub fn alphabet(&self) -> Alphabet {
        self.alphabet
    }

    /// Returns whether typed `input` is this code, after [`Alphabet::normalize`], comparing in
    /// constant time (the length is not secret).
    pub fn matches(&self, input: &str) -> bool {
        let input = self.alphabet.normalize(input);
        self.text.as_bytes().ct_eq(input.as_bytes()).into()
    }
}

impl PartialEq for OneTimeCode {
    fn eq(&self, other: &Self) -> bool {
        self.alphabet == other.alphabet
            && bool::from(self.text.as_bytes().ct_eq(other.text.as_bytes()))
    }
}

impl Eq for OneTimeCode {}

impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "OneTimeCode({:?}, {} symbols, redacted)",
            self.alphabet,
            self.text.len()
        )
    }
}
