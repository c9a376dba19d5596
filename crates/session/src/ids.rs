//! The 128-bit identifiers of the protocol: challenge nonces and `did:oc` account identifiers.

use core::fmt;
use core::str::FromStr;

use rand_core::CryptoRngCore;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::text::{hex, unhex};
use crate::Error;

/// A challenge nonce: 16 random bytes, written as 32 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Nonce([u8; 16]);

impl Nonce {
    /// Wraps 16 bytes the caller drew from a CSPRNG.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Nonce(bytes)
    }

    /// Draws a fresh nonce from `rng`.
    pub fn random(rng: &mut impl CryptoRngCore) -> Self {
        let mut bytes = [0; 16];
        rng.fill_bytes(&mut bytes);
        Nonce(bytes)
    }

    /// Reads 32 lower-case hex digits.
    ///
    /// # Errors
    ///
    /// [`Error::Nonce`] for anything else (upper-case digits included: the texts are
    /// canonical).
    pub fn parse(text: &str) -> Result<Self, Error> {
        unhex(text).map(Nonce).ok_or_else(|| Error::Nonce {
            found: text.chars().take(64).collect(),
        })
    }

    /// Returns the bytes.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0
    }
}

impl fmt::Display for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl fmt::Debug for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nonce({self})")
    }
}

impl FromStr for Nonce {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        Nonce::parse(text)
    }
}

/// The prefix of every [`DidOc`].
const DID_OC_PREFIX: &str = "did:oc:";

/// An OrangeCheck account identifier, `did:oc:` and 32 lower-case hex digits.
///
/// The auth host assigns it when it creates an account, from 16 random bytes; it stays the
/// same across every way of signing in to that account.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DidOc([u8; 16]);

impl DidOc {
    /// Wraps 16 bytes the caller drew from a CSPRNG.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        DidOc(bytes)
    }

    /// Draws a fresh identifier from `rng`.
    pub fn random(rng: &mut impl CryptoRngCore) -> Self {
        let mut bytes = [0; 16];
        rng.fill_bytes(&mut bytes);
        DidOc(bytes)
    }

    /// Reads `did:oc:` followed by 32 lower-case hex digits.
    ///
    /// # Errors
    ///
    /// [`Error::DidOc`] for anything else.
    pub fn parse(text: &str) -> Result<Self, Error> {
        text.strip_prefix(DID_OC_PREFIX)
            .and_then(unhex)
            .map(DidOc)
            .ok_or_else(|| Error::DidOc {
                found: text.chars().take(64).collect(),
            })
    }

    /// Returns the bytes.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0
    }
}

impl fmt::Display for DidOc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{DID_OC_PREFIX}{}", hex(&self.0))
    }
}

impl fmt::Debug for DidOc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DidOc({self})")
    }
}

impl FromStr for DidOc {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        DidOc::parse(text)
    }
}

impl Serialize for DidOc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DidOc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DidOc::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Nonce {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Nonce {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Nonce::parse(&text).map_err(serde::de::Error::custom)
    }
}
