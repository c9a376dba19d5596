//! What the test modules share: the relying party, a software authenticator for every
//! algorithm and attestation format, and CBOR and DER writers for building inputs.

pub(crate) mod authenticator;
pub(crate) mod cbor;
pub(crate) mod der;
pub(crate) mod formats;
pub(crate) mod keys;

use watchword_webauthn::{RelyingParty, RelyingPartyBuilder, UnixTime};

pub(crate) use authenticator::{b64, registered, Assertion, Registration, AT, BE, BS, ED, UP, UV};
pub(crate) use keys::TestKey;

pub(crate) const RP_ID: &str = "example.org";
pub(crate) const ORIGIN: &str = "https://example.org";
pub(crate) const CHALLENGE: [u8; 32] = *b"watchword test challenge 32 byte";
/// The verification time: 2025-06-15.
pub(crate) const NOW: UnixTime = UnixTime(1_750_000_000);
/// The default validity of issued certificates: 2023-11-14 to 2030-03-17.
pub(crate) const NOT_BEFORE: i64 = 1_700_000_000;
pub(crate) const NOT_AFTER: i64 = 1_900_000_000;

/// The test relying party's settings: [`RP_ID`], [`ORIGIN`], the defaults otherwise.
pub(crate) fn rp() -> RelyingPartyBuilder {
    RelyingParty::builder(RP_ID).origin(ORIGIN)
}

pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, data).as_ref());
    out
}
