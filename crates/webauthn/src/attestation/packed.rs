//! `packed` attestation ([WebAuthn §8.2]): self attestation, or a signature by an attestation
//! certificate whose chain leads to a trust root.
//!
//! [WebAuthn §8.2]: https://www.w3.org/TR/webauthn-3/#sctn-packed-attestation

use super::{check_aaguid_extension, check_not_ca, verify_signature, Context, Statement};
use crate::x509::{
    self, Certificate, OID_COMMON_NAME, OID_COUNTRY, OID_ORGANIZATION, OID_ORGANIZATIONAL_UNIT,
};
use crate::{AttestationTrust, Error};

pub(super) fn verify(
    statement: &Statement<'_, '_>,
    context: &Context<'_>,
) -> Result<AttestationTrust, Error> {
    statement.only(&["alg", "sig", "x5c"])?;
    let alg = statement.alg()?;
    let sig = statement.sig()?;
    let signed = context.signed_data();
    if let Some(x5c) = statement.x5c()? {
        let chain = x509::parse_chain(&x5c)?;
        let leaf = &chain[0];
        verify_signature(&leaf.public_key, alg, &signed, sig)?;
        check_certificate(leaf)?;
        check_aaguid_extension(leaf, context.aaguid)?;
        return context.trace(&chain);
    }
    // Self attestation: signed by the credential key itself.
    let credential_alg = context.credential.alg().id();
    if alg != credential_alg {
        return Err(Error::AttestationAlgorithmMismatch {
            attestation: alg,
            credential: credential_alg,
        });
    }
    if !context.credential.verify(&signed, sig) {
        return Err(Error::AttestationSignature);
    }
    Ok(AttestationTrust::SelfOrNone)
}

/// The packed attestation certificate requirements (WebAuthn §8.2.1).
fn check_certificate(leaf: &Certificate<'_>) -> Result<(), Error> {
    let fail = |reason| Error::AttestationCertificate { reason };
    if leaf.version != 3 {
        return Err(fail("certificate is not version 3"));
    }
    let attribute = |oid| {
        leaf.subject_attributes(oid)
            .map_err(|reason| Error::Certificate { index: 0, reason })
    };
    let country = attribute(OID_COUNTRY)?;
    if country.len() != 1 || country[0].len() != 2 {
        return Err(fail("subject country is not one two-letter code"));
    }
    if attribute(OID_ORGANIZATION)?.len() != 1 {
        return Err(fail("subject organization is not exactly one"));
    }
    if attribute(OID_ORGANIZATIONAL_UNIT)? != ["Authenticator Attestation"] {
        return Err(fail(
            "subject organizational unit is not \"Authenticator Attestation\"",
        ));
    }
    if attribute(OID_COMMON_NAME)?.len() != 1 {
        return Err(fail("subject common name is not exactly one"));
    }
    check_not_ca(leaf)
}
