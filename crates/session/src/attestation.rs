//! The OrangeCheck attestation: the canonical message that binds a Bitcoin address to a list
//! of identities, its content-addressed id, and the reference score (OrangeCheck `SPEC.md`
//! §2, §3, §8.3).
//!
//! ```text
//! orangecheck
//! identities: github:alice,nostr:npub1alice
//! address: bc1q…
//! purpose: portable reputation attestation (non-custodial)
//! nonce: 0011223344556677889900aabbccddee
//! issued_at: 2026-04-22T12:00:00Z
//! ack: I attest control of this address and bind it to my identities.
//! aud: https://example.com
//! bond: 100000
//! ```
//!
//! Seven fixed core lines, then extension lines sorted by key; line feeds only, exactly one
//! after the last line. Identities are `protocol:identifier`, sorted by that full string and
//! joined with commas; extensions with an empty value are left out. An identifier holding a
//! line break or a comma is refused rather than escaped: it would forge another line or
//! another binding.

use std::collections::BTreeMap;

use sha2::{Digest as _, Sha256};

use crate::error::{Error, TextKind};
use crate::text::{self, Charset};
use crate::{timestamp, Nonce};

/// The header line.
pub const ATTESTATION_HEADER: &str = "orangecheck";
/// The fixed `purpose` line's value.
pub const ATTESTATION_PURPOSE: &str = "portable reputation attestation (non-custodial)";
/// The fixed `ack` line's value.
pub const ATTESTATION_ACK: &str = "I attest control of this address and bind it to my identities.";
/// The longest `identities` value, in bytes (`SPEC.md` §2.1.1).
pub const MAX_IDENTITIES_LEN: usize = 512;
/// The longest attestation message accepted, in bytes.
pub const MAX_ATTESTATION_LEN: usize = 4096;
/// The longest identity part (protocol or identifier) and extension key or value, in bytes.
pub const MAX_ATTESTATION_VALUE_LEN: usize = 512;

const KIND: TextKind = TextKind::Attestation;
const CORE: [&str; 6] = [
    "identities",
    "address",
    "purpose",
    "nonce",
    "issued_at",
    "ack",
];

/// One identity binding, `protocol:identifier`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    protocol: String,
    identifier: String,
}

impl Identity {
    /// Makes a binding.
    ///
    /// # Errors
    ///
    /// [`Error::Protocol`] unless the protocol is `[a-z][a-z0-9_-]*`; for the identifier,
    /// [`Error::Newline`] (line feed or carriage return), [`Error::Comma`], [`Error::Empty`],
    /// [`Error::Character`] (a space or anything outside printable ASCII) or
    /// [`Error::ValueTooLong`].
    pub fn new(protocol: &str, identifier: &str) -> Result<Self, Error> {
        let mut chars = protocol.chars();
        let well_formed = chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
            && protocol.len() <= MAX_ATTESTATION_VALUE_LEN;
        if !well_formed {
            return Err(Error::Protocol {
                found: protocol.chars().take(64).collect(),
            });
        }
        text::check_value(
            "identity identifier",
            identifier,
            MAX_ATTESTATION_VALUE_LEN,
            Charset::Word,
        )?;
        Ok(Identity {
            protocol: protocol.to_owned(),
            identifier: identifier.to_owned(),
        })
    }

    /// Returns the protocol (`github`, `nostr`, `dns`, `x`, …).
    pub fn protocol(&self) -> &str {
        &self.protocol
    }

    /// Returns the identifier within the protocol.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// Returns `protocol:identifier`.
    pub fn binding(&self) -> String {
        format!("{}:{}", self.protocol, self.identifier)
    }
}

/// Writes identities as the `identities` line's value: bindings sorted by their full
/// `protocol:identifier` string, joined with commas; empty for none.
pub fn format_identities(identities: &[Identity]) -> String {
    let mut bindings: Vec<String> = identities.iter().map(Identity::binding).collect();
    bindings.sort_unstable();
    bindings.join(",")
}

/// Returns the attestation id of a message: lower-case hex of its SHA-256 (`SPEC.md` §3).
pub fn attestation_id(message: &str) -> String {
    text::hex(&Sha256::digest(message.as_bytes()))
}

/// The reference score `round(ln(1 + sats_bonded) * (1 + days_unspent / 30), 2)`
/// (`SPEC.md` §8.3). Advisory only: a relying party checks the raw metrics.
pub fn score_v0(sats_bonded: u64, days_unspent: u64) -> f64 {
    // Both inputs are far below 2^52 in practice; the formula is defined on reals anyway.
    #[allow(clippy::cast_precision_loss)]
    let (sats, days) = (sats_bonded as f64, days_unspent as f64);
    let raw = sats.ln_1p() * (1.0 + days / 30.0);
    (raw * 100.0).round() / 100.0
}

/// An attestation: every value valid, so it always writes a message that
/// [`parse`](Attestation::parse) reads back to the same value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    address: String,
    /// Sorted by binding.
    identities: Vec<Identity>,
    nonce: Nonce,
    issued_at: String,
    extensions: BTreeMap<String, String>,
}

impl Attestation {
    /// Makes an attestation of `address`, bound to `identities` (in any order), issued at
    /// `issued_at` (RFC 3339 UTC with `Z`, kept verbatim: fractional seconds are allowed).
    ///
    /// # Errors
    ///
    /// A value error for the address, [`Error::ValueTooLong`] if the identities line would
    /// exceed [`MAX_IDENTITIES_LEN`], [`Error::Timestamp`] for `issued_at`.
    pub fn new(
        address: &str,
        mut identities: Vec<Identity>,
        nonce: Nonce,
        issued_at: &str,
    ) -> Result<Self, Error> {
        text::check_value("address", address, MAX_ATTESTATION_VALUE_LEN, Charset::Word)?;
        identities.sort_unstable_by_key(Identity::binding);
        let formatted = format_identities(&identities);
        if formatted.len() > MAX_IDENTITIES_LEN {
            return Err(Error::ValueTooLong {
                field: "identities".into(),
                len: formatted.len(),
                max: MAX_IDENTITIES_LEN,
            });
        }
        if !timestamp::is_utc(issued_at) {
            return Err(Error::Timestamp {
                value: issued_at.chars().take(64).collect(),
            });
        }
        Ok(Attestation {
            address: address.to_owned(),
            identities,
            nonce,
            issued_at: issued_at.to_owned(),
            extensions: BTreeMap::new(),
        })
    }

    /// Sets a signed extension (`aud`, `bond`, `expires`, `network`, `scope`, … — unknown keys
    /// are allowed); an empty value removes it, as the reference issuer leaves those out.
    ///
    /// # Errors
    ///
    /// [`Error::ExtensionKey`] unless the key is `[a-z][a-z0-9_]*`, [`Error::DuplicateKey`]
    /// for a core key, and for the value [`Error::Newline`], [`Error::Character`],
    /// [`Error::Space`] (at either end) or [`Error::ValueTooLong`]. Commas are allowed
    /// (`relay_hints`, `publish` and `cap` are lists).
    pub fn with_extension(mut self, key: &str, value: &str) -> Result<Self, Error> {
        check_extension_key(key)?;
        if value.is_empty() {
            self.extensions.remove(key);
            return Ok(self);
        }
        text::check_value(
            &format!("extension {key}"),
            value,
            MAX_ATTESTATION_VALUE_LEN,
            Charset::List,
        )?;
        self.extensions.insert(key.to_owned(), value.to_owned());
        Ok(self)
    }

    /// Reads an attestation message strictly: fixed header, core lines and literals, canonical
    /// identities (each valid, sorted), a lower-case nonce, an RFC 3339 UTC `issued_at`,
    /// extension keys sorted and distinct, one trailing line feed.
    ///
    /// # Errors
    ///
    /// The first rule the message breaks, each its own [`Error`] variant.
    pub fn parse(message: &str) -> Result<Self, Error> {
        let lines = text::lines(KIND, message, MAX_ATTESTATION_LEN)?;
        text::header(KIND, lines[0], ATTESTATION_HEADER)?;
        // Unknown extension keys are allowed, so every well-formed key is "known".
        let [identities, address, purpose, nonce, issued_at, ack] =
            text::core_lines(KIND, &lines[1..], CORE, |_| true)?;
        if purpose != ATTESTATION_PURPOSE {
            return Err(Error::Literal {
                kind: KIND,
                key: "purpose",
                expected: ATTESTATION_PURPOSE,
            });
        }
        if ack != ATTESTATION_ACK {
            return Err(Error::Literal {
                kind: KIND,
                key: "ack",
                expected: ATTESTATION_ACK,
            });
        }
        let identities = parse_identities(identities)?;
        let mut attestation =
            Attestation::new(address, identities, Nonce::parse(nonce)?, issued_at)?;
        let mut previous: Option<&str> = None;
        for (index, line) in lines.iter().enumerate().skip(1 + CORE.len()) {
            let (key, value) = text::key_value(KIND, index + 1, line)?;
            if CORE.contains(&key) || previous == Some(key) {
                return Err(Error::DuplicateKey {
                    kind: KIND,
                    key: key.to_owned(),
                });
            }
            check_extension_key(key)?;
            if let Some(previous) = previous.filter(|previous| *previous > key) {
                return Err(Error::ExtensionOrder {
                    kind: KIND,
                    key: key.to_owned(),
                    previous: previous.to_owned(),
                });
            }
            if value.is_empty() {
                return Err(Error::Empty {
                    field: format!("extension {key}"),
                });
            }
            attestation = attestation.with_extension(key, value)?;
            previous = Some(key);
        }
        Ok(attestation)
    }

    /// Writes the canonical message, the exact bytes the wallet signs.
    pub fn message(&self) -> String {
        let mut message = format!(
            "{ATTESTATION_HEADER}\nidentities: {}\naddress: {}\npurpose: {ATTESTATION_PURPOSE}\nnonce: {}\nissued_at: {}\nack: {ATTESTATION_ACK}\n",
            format_identities(&self.identities),
            self.address,
            self.nonce,
            self.issued_at,
        );
        for (key, value) in &self.extensions {
            message.push_str(key);
            message.push_str(": ");
            message.push_str(value);
            message.push('\n');
        }
        message
    }

    /// Returns the attestation id: lower-case hex of the SHA-256 of [`message`](Self::message).
    pub fn id(&self) -> String {
        attestation_id(&self.message())
    }

    /// Returns the attested address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Returns the identities, sorted by binding.
    pub fn identities(&self) -> &[Identity] {
        &self.identities
    }

    /// Returns the nonce.
    pub fn nonce(&self) -> Nonce {
        self.nonce
    }

    /// Returns `issued_at` as written.
    pub fn issued_at(&self) -> &str {
        &self.issued_at
    }

    /// Returns the extensions, sorted by key.
    pub fn extensions(&self) -> &BTreeMap<String, String> {
        &self.extensions
    }

    /// Returns one extension's value.
    pub fn extension(&self, key: &str) -> Option<&str> {
        self.extensions.get(key).map(String::as_str)
    }
}

fn check_extension_key(key: &str) -> Result<(), Error> {
    let mut chars = key.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && key.len() <= MAX_ATTESTATION_VALUE_LEN;
    if !well_formed {
        return Err(Error::ExtensionKey {
            found: key.chars().take(64).collect(),
        });
    }
    if CORE.contains(&key) {
        return Err(Error::DuplicateKey {
            kind: KIND,
            key: key.to_owned(),
        });
    }
    Ok(())
}

/// Reads the `identities` value: empty, or sorted `protocol:identifier` bindings joined by
/// commas (a binding may repeat, as the reference issuer keeps duplicates).
fn parse_identities(value: &str) -> Result<Vec<Identity>, Error> {
    if value.is_empty() {
        return Ok(Vec::new());
    }
    if value.len() > MAX_IDENTITIES_LEN {
        return Err(Error::ValueTooLong {
            field: "identities".into(),
            len: value.len(),
            max: MAX_IDENTITIES_LEN,
        });
    }
    let mut identities = Vec::new();
    let mut previous: Option<&str> = None;
    for binding in value.split(',') {
        let (protocol, identifier) =
            binding
                .split_once(':')
                .ok_or_else(|| Error::IdentityBinding {
                    found: binding.chars().take(64).collect(),
                })?;
        identities.push(Identity::new(protocol, identifier)?);
        if previous.is_some_and(|previous| previous > binding) {
            return Err(Error::IdentityOrder {
                found: binding.to_owned(),
            });
        }
        previous = Some(binding);
    }
    Ok(identities)
}
