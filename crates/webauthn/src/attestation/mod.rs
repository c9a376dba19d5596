//! Attestation objects ([WebAuthn §6.5]) and the attestation statement formats
//! ([WebAuthn §8]): `none`, `packed`, `tpm`, `android-key`, `fido-u2f` and `apple`.
//!
//! Every format's signature is verified whether or not trust roots are configured; the
//! certificate path is validated by [`crate::x509`], against the relying party's roots only.
//!
//! [WebAuthn §6.5]: https://www.w3.org/TR/webauthn-3/#sctn-attestation
//! [WebAuthn §8]: https://www.w3.org/TR/webauthn-3/#sctn-defined-attestation-formats

mod android_key;
mod apple;
mod fido_u2f;
mod packed;
mod tpm;

use watchword_token::UnixTime;

use crate::authenticator_data::AuthenticatorData;
use crate::cbor::{self, Value};
use crate::cose::{CoseAlgorithm, CoseKey, PublicKey};
use crate::der::{self, Reader};
use crate::x509::{self, Certificate, OID_FIDO_AAGUID};
use crate::{AttestationTrust, Error, RelyingParty};

/// A decoded attestation object, borrowing from its bytes.
#[derive(Debug)]
pub(crate) struct AttestationObject<'a> {
    pub(crate) fmt: &'a str,
    pub(crate) att_stmt: Vec<(Value<'a>, Value<'a>)>,
    pub(crate) auth_data_raw: &'a [u8],
    pub(crate) auth_data: AuthenticatorData,
}

impl<'a> AttestationObject<'a> {
    /// Decodes `{fmt, attStmt, authData}` and parses the authenticator data.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<AttestationObject<'a>, Error> {
        let malformed = |reason| Error::AttestationObject { reason };
        let value = cbor::decode(bytes).map_err(|e| Error::Cbor {
            structure: "attestation object",
            reason: e.reason,
            offset: e.offset,
        })?;
        let Value::Map(entries) = value else {
            return Err(malformed("not a map"));
        };
        let (mut fmt, mut att_stmt, mut auth_data) = (None, None, None);
        for (key, value) in entries {
            match (key.as_text(), value) {
                (Some("fmt"), Value::Text(text)) => fmt = Some(text),
                (Some("attStmt"), Value::Map(map)) => att_stmt = Some(map),
                (Some("authData"), Value::Bytes(bytes)) => auth_data = Some(bytes),
                (Some("fmt" | "attStmt" | "authData"), _) => {
                    return Err(malformed("member has the wrong type"))
                }
                _ => return Err(malformed("unexpected member")),
            }
        }
        let fmt = fmt.ok_or(malformed("fmt is missing"))?;
        let att_stmt = att_stmt.ok_or(malformed("attStmt is missing"))?;
        let auth_data_raw = auth_data.ok_or(malformed("authData is missing"))?;
        Ok(AttestationObject {
            fmt,
            att_stmt,
            auth_data: AuthenticatorData::parse(auth_data_raw)?,
            auth_data_raw,
        })
    }
}

/// Everything a format's verification procedure reads.
pub(crate) struct Context<'a> {
    pub(crate) auth_data_raw: &'a [u8],
    pub(crate) auth_data: &'a AuthenticatorData,
    pub(crate) client_data_hash: &'a [u8; 32],
    pub(crate) credential: &'a CoseKey,
    pub(crate) credential_id: &'a [u8],
    pub(crate) aaguid: &'a [u8; 16],
    pub(crate) rp: &'a RelyingParty,
    pub(crate) now: UnixTime,
}

impl Context<'_> {
    /// `authData ‖ clientDataHash`, what most formats sign.
    fn signed_data(&self) -> Vec<u8> {
        let mut data = Vec::with_capacity(self.auth_data_raw.len() + 32);
        data.extend_from_slice(self.auth_data_raw);
        data.extend_from_slice(self.client_data_hash);
        data
    }

    /// Validates the chain to the relying party's roots.
    fn trace(&self, chain: &[Certificate<'_>]) -> Result<AttestationTrust, Error> {
        let roots = self.rp.trust_roots();
        Ok(match x509::verify_path(chain, &roots, self.now)? {
            Some(root) => AttestationTrust::Trusted { root },
            None => AttestationTrust::Unverified,
        })
    }
}

/// Runs the verification procedure of `fmt`.
pub(crate) fn verify(
    fmt: &str,
    att_stmt: &[(Value<'_>, Value<'_>)],
    context: &Context<'_>,
) -> Result<AttestationTrust, Error> {
    match fmt {
        "none" => {
            if att_stmt.is_empty() {
                Ok(AttestationTrust::SelfOrNone)
            } else {
                Err(Error::AttestationStatement {
                    fmt: "none",
                    reason: "statement is not empty",
                })
            }
        }
        "packed" => packed::verify(&Statement::new("packed", att_stmt), context),
        "fido-u2f" => fido_u2f::verify(&Statement::new("fido-u2f", att_stmt), context),
        "tpm" => tpm::verify(&Statement::new("tpm", att_stmt), context),
        "android-key" => android_key::verify(&Statement::new("android-key", att_stmt), context),
        "apple" => apple::verify(&Statement::new("apple", att_stmt), context),
        other => Err(Error::UnsupportedAttestationFormat {
            fmt: other.to_owned(),
        }),
    }
}

/// An attestation statement map and typed access to its members.
struct Statement<'s, 'a> {
    fmt: &'static str,
    entries: &'s [(Value<'a>, Value<'a>)],
}

impl<'s, 'a> Statement<'s, 'a> {
    fn new(fmt: &'static str, entries: &'s [(Value<'a>, Value<'a>)]) -> Self {
        Statement { fmt, entries }
    }

    fn error(&self, reason: &'static str) -> Error {
        Error::AttestationStatement {
            fmt: self.fmt,
            reason,
        }
    }

    /// Refuses members outside `allowed`.
    fn only(&self, allowed: &[&str]) -> Result<(), Error> {
        if self
            .entries
            .iter()
            .all(|(key, _)| key.as_text().is_some_and(|key| allowed.contains(&key)))
        {
            Ok(())
        } else {
            Err(self.error("unexpected member"))
        }
    }

    fn get(&self, key: &str) -> Option<&'s Value<'a>> {
        cbor::get_text(self.entries, key)
    }

    fn alg(&self) -> Result<i64, Error> {
        self.get("alg")
            .ok_or(self.error("alg is missing"))?
            .as_i64()
            .ok_or(self.error("alg is not an integer"))
    }

    fn bytes(&self, key: &str, missing: &'static str) -> Result<&'a [u8], Error> {
        self.get(key)
            .ok_or(self.error(missing))?
            .as_bytes()
            .ok_or(self.error("member is not a byte string"))
    }

    fn sig(&self) -> Result<&'a [u8], Error> {
        self.bytes("sig", "sig is missing")
    }

    /// `x5c`, if present: a non-empty array of DER certificates.
    fn x5c(&self) -> Result<Option<Vec<&'a [u8]>>, Error> {
        let Some(value) = self.get("x5c") else {
            return Ok(None);
        };
        let items = value.as_array().ok_or(self.error("x5c is not an array"))?;
        let certificates = items
            .iter()
            .map(|item| {
                item.as_bytes()
                    .ok_or(self.error("x5c holds a non-byte-string"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if certificates.is_empty() {
            return Err(self.error("x5c is empty"));
        }
        Ok(Some(certificates))
    }

    fn required_x5c(&self) -> Result<Vec<&'a [u8]>, Error> {
        self.x5c()?.ok_or(self.error("x5c is missing"))
    }
}

/// Verifies an attestation signature under a certificate key with COSE algorithm `alg`.
fn verify_signature(key: &PublicKey, alg: i64, message: &[u8], sig: &[u8]) -> Result<(), Error> {
    let alg = CoseAlgorithm::from_id(alg).ok_or(Error::UnsupportedAlgorithm { alg })?;
    key.verify(alg, message, sig)
        .map_err(|_| Error::AttestationSignature)
}

/// The certificate's `id-fido-gen-ce-aaguid` extension, when present, must be non-critical and
/// hold the authenticator data's AAGUID (WebAuthn §8.2.1).
fn check_aaguid_extension(leaf: &Certificate<'_>, aaguid: &[u8; 16]) -> Result<(), Error> {
    let Some(extension) = leaf.extension(OID_FIDO_AAGUID) else {
        return Ok(());
    };
    if extension.critical {
        return Err(Error::AaguidExtensionCritical);
    }
    let mut reader = Reader::new(extension.value);
    let value = reader
        .expect(der::OCTET_STRING)
        .and_then(|value| reader.finish().map(|()| value))
        .map_err(|_| Error::AttestationCertificate {
            reason: "aaguid extension is malformed",
        })?;
    if value == aaguid {
        Ok(())
    } else {
        Err(Error::AaguidMismatch)
    }
}

/// The leaf must not be a CA (basicConstraints absent, or `cA` false).
fn check_not_ca(leaf: &Certificate<'_>) -> Result<(), Error> {
    let constraints = leaf
        .basic_constraints()
        .map_err(|reason| Error::Certificate { index: 0, reason })?;
    if constraints.ca {
        Err(Error::AttestationCertificate {
            reason: "attestation certificate is a ca",
        })
    } else {
        Ok(())
    }
}
