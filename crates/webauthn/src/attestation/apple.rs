//! `apple` anonymous attestation ([WebAuthn §8.8]): Apple issues a certificate for the
//! credential key carrying a nonce over the registration.
//!
//! [WebAuthn §8.8]: https://www.w3.org/TR/webauthn-3/#sctn-apple-anonymous-attestation

use super::{Context, Statement};
use crate::der::{self, Reader, Tag};
use crate::relying_party::sha256;
use crate::{x509, AttestationTrust, Error};

/// 1.2.840.113635.100.8.2, the nonce extension.
const OID_APPLE_NONCE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x08, 0x02];

pub(super) fn verify(
    statement: &Statement<'_, '_>,
    context: &Context<'_>,
) -> Result<AttestationTrust, Error> {
    statement.only(&["x5c"])?;
    let x5c = statement.required_x5c()?;
    let chain = x509::parse_chain(&x5c)?;
    let credential_certificate = &chain[0];
    let expected = sha256(&context.signed_data());
    let nonce = credential_certificate
        .extension(OID_APPLE_NONCE)
        .and_then(|extension| nonce(extension.value).ok())
        .ok_or(Error::AppleNonce)?;
    if nonce != expected {
        return Err(Error::AppleNonce);
    }
    if credential_certificate.public_key != *context.credential.public_key() {
        return Err(Error::AttestationKeyMismatch);
    }
    context.trace(&chain)
}

/// `SEQUENCE { [1] EXPLICIT OCTET STRING }`.
fn nonce(value: &[u8]) -> Result<&[u8], der::DerError> {
    let mut outer = Reader::new(value);
    let mut fields = outer.sequence()?;
    outer.finish()?;
    let mut explicit = Reader::new(fields.expect(Tag::context(1))?);
    fields.finish()?;
    let nonce = explicit.expect(der::OCTET_STRING)?;
    explicit.finish()?;
    Ok(nonce)
}
