//! `fido-u2f` attestation ([WebAuthn §8.6]): a U2F registration signature by the
//! authenticator's attestation certificate.
//!
//! [WebAuthn §8.6]: https://www.w3.org/TR/webauthn-3/#sctn-fido-u2f-attestation

use super::{Context, Statement};
use crate::cose::{CoseAlgorithm, PublicKey};
use crate::{x509, AttestationTrust, Error};

pub(super) fn verify(
    statement: &Statement<'_, '_>,
    context: &Context<'_>,
) -> Result<AttestationTrust, Error> {
    statement.only(&["sig", "x5c"])?;
    let sig = statement.sig()?;
    let x5c = statement.required_x5c()?;
    if x5c.len() != 1 {
        return Err(statement.error("x5c does not hold exactly one certificate"));
    }
    let chain = x509::parse_chain(&x5c)?;
    let certificate = &chain[0];
    if !matches!(certificate.public_key, PublicKey::P256(_)) {
        return Err(Error::AttestationCertificate {
            reason: "certificate key is not on p-256",
        });
    }
    // The credential key as the raw ANSI X9.62 point U2F signed.
    let PublicKey::P256(point) = context.credential.public_key() else {
        return Err(statement.error("credential key is not an ES256 key"));
    };
    let mut signed = Vec::with_capacity(1 + 32 + 32 + context.credential_id.len() + 65);
    signed.push(0);
    signed.extend_from_slice(&context.auth_data.rp_id_hash);
    signed.extend_from_slice(context.client_data_hash);
    signed.extend_from_slice(context.credential_id);
    signed.extend_from_slice(point);
    certificate
        .public_key
        .verify(CoseAlgorithm::Es256, &signed, sig)
        .map_err(|_| Error::AttestationSignature)?;
    // A U2F device has no AAGUID and its signature does not cover one: the client writes
    // zeros. Anything else is a claim nobody vouched for, under a trusted attestation.
    if *context.aaguid != [0; 16] {
        return Err(Error::U2fAaguidNotZero);
    }
    context.trace(&chain)
}
