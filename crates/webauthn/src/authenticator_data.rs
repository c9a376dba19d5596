//! Authenticator data ([WebAuthn §6.1]): RP ID hash, flags, signature counter, attested
//! credential data ([§6.5.2]) and extensions.
//!
//! [WebAuthn §6.1]: https://www.w3.org/TR/webauthn-3/#sctn-authenticator-data
//! [§6.5.2]: https://www.w3.org/TR/webauthn-3/#sctn-attested-credential-data

use crate::cbor::{self, Value};
use crate::Error;

/// The flags byte of authenticator data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags(pub u8);

impl Flags {
    /// UP: the user was present.
    pub const USER_PRESENT: u8 = 0x01;
    /// UV: the user was verified.
    pub const USER_VERIFIED: u8 = 0x04;
    /// BE: the credential may be backed up (a multi-device credential).
    pub const BACKUP_ELIGIBLE: u8 = 0x08;
    /// BS: the credential is backed up now.
    pub const BACKUP_STATE: u8 = 0x10;
    /// AT: attested credential data follows.
    pub const ATTESTED_CREDENTIAL_DATA: u8 = 0x40;
    /// ED: extension data follows.
    pub const EXTENSION_DATA: u8 = 0x80;

    /// UP.
    pub fn user_present(self) -> bool {
        self.0 & Self::USER_PRESENT != 0
    }

    /// UV.
    pub fn user_verified(self) -> bool {
        self.0 & Self::USER_VERIFIED != 0
    }

    /// BE.
    pub fn backup_eligible(self) -> bool {
        self.0 & Self::BACKUP_ELIGIBLE != 0
    }

    /// BS.
    pub fn backup_state(self) -> bool {
        self.0 & Self::BACKUP_STATE != 0
    }

    /// AT.
    pub fn attested_credential_data(self) -> bool {
        self.0 & Self::ATTESTED_CREDENTIAL_DATA != 0
    }

    /// ED.
    pub fn extension_data(self) -> bool {
        self.0 & Self::EXTENSION_DATA != 0
    }
}

/// Attested credential data: the new credential of a registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestedCredentialData {
    /// The authenticator model's AAGUID.
    pub aaguid: [u8; 16],
    /// The credential id (its length is checked against 1023 bytes at registration).
    pub credential_id: Vec<u8>,
    /// The credential public key, CBOR-encoded COSE_Key, exactly as sent.
    pub public_key_cose: Vec<u8>,
}

/// Parsed authenticator data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatorData {
    /// SHA-256 of the RP ID the authenticator scoped the credential to.
    pub rp_id_hash: [u8; 32],
    /// The flags.
    pub flags: Flags,
    /// The signature counter.
    pub sign_count: u32,
    /// Attested credential data, present exactly when AT is set.
    pub attested_credential: Option<AttestedCredentialData>,
    /// The extension outputs (a CBOR map, as sent), present exactly when ED is set.
    pub extensions: Option<Vec<u8>>,
}

impl AuthenticatorData {
    /// Parses authenticator data.
    ///
    /// # Errors
    ///
    /// [`Error::AuthenticatorData`] when it is shorter than 37 bytes, when AT or ED is set and
    /// what it announces is missing or malformed, when the extensions are not a CBOR map, or
    /// when bytes are left over; [`Error::Cbor`] when the credential public key or the
    /// extensions are not valid CBOR.
    pub fn parse(data: &[u8]) -> Result<AuthenticatorData, Error> {
        let malformed = |reason| Error::AuthenticatorData { reason };
        if data.len() < 37 {
            return Err(malformed("shorter than 37 bytes"));
        }
        let rp_id_hash: [u8; 32] = data[..32].try_into().unwrap_or([0; 32]);
        let flags = Flags(data[32]);
        let sign_count = u32::from_be_bytes([data[33], data[34], data[35], data[36]]);
        let mut rest = &data[37..];

        let attested_credential = if flags.attested_credential_data() {
            if rest.len() < 18 {
                return Err(malformed("attested credential data is truncated"));
            }
            let aaguid: [u8; 16] = rest[..16].try_into().unwrap_or([0; 16]);
            let id_len = usize::from(u16::from_be_bytes([rest[16], rest[17]]));
            rest = &rest[18..];
            if rest.len() < id_len {
                return Err(malformed("credential id is truncated"));
            }
            let (credential_id, after_id) = rest.split_at(id_len);
            let (_, key_len) = cbor::decode_prefix(after_id).map_err(|e| Error::Cbor {
                structure: "credential public key",
                reason: e.reason,
                offset: e.offset,
            })?;
            let (public_key, after_key) = after_id.split_at(key_len);
            rest = after_key;
            Some(AttestedCredentialData {
                aaguid,
                credential_id: credential_id.to_vec(),
                public_key_cose: public_key.to_vec(),
            })
        } else {
            None
        };

        let extensions = if flags.extension_data() {
            let value = cbor::decode(rest).map_err(|e| Error::Cbor {
                structure: "authenticator extensions",
                reason: e.reason,
                offset: e.offset,
            })?;
            if !matches!(value, Value::Map(_)) {
                return Err(malformed("extensions are not a map"));
            }
            let extensions = rest.to_vec();
            rest = &[];
            Some(extensions)
        } else {
            None
        };

        if !rest.is_empty() {
            return Err(malformed("trailing bytes"));
        }
        Ok(AuthenticatorData {
            rp_id_hash,
            flags,
            sign_count,
            attested_credential,
            extensions,
        })
    }

    /// Encodes the authenticator data back to bytes; parsing and encoding round-trip exactly.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(37);
        out.extend_from_slice(&self.rp_id_hash);
        out.push(self.flags.0);
        out.extend_from_slice(&self.sign_count.to_be_bytes());
        if let Some(attested) = &self.attested_credential {
            out.extend_from_slice(&attested.aaguid);
            // Saturates for ids over 65535 bytes, which no parse produces.
            let len = u16::try_from(attested.credential_id.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&attested.credential_id);
            out.extend_from_slice(&attested.public_key_cose);
        }
        if let Some(extensions) = &self.extensions {
            out.extend_from_slice(extensions);
        }
        out
    }
}
