//! Registering a new credential ([WebAuthn §7.1]).
//!
//! [WebAuthn §7.1]: https://www.w3.org/TR/webauthn-3/#sctn-registering-a-new-credential

use watchword_token::UnixTime;

use crate::attestation::{self, AttestationObject, Context};
use crate::ceremony::{self, CREATE};
use crate::{CoseKey, Credential, Error, Registration, RegistrationResponse, RelyingParty};

/// The longest credential id accepted (WebAuthn §7.1 step 25).
pub const MAX_CREDENTIAL_ID_LEN: usize = 1023;

impl RelyingParty {
    /// Verifies a registration against the `challenge` this relying party issued for it, at
    /// `now` (for the attestation certificates' validity).
    ///
    /// The steps, in order, each with its own error: client data `type` is `webauthn.create`;
    /// the challenge matches (in constant time); the origin is allowed; the cross-origin policy
    /// holds; the attestation object decodes; `rpIdHash` is the RP ID's; UP is set; UV is set if
    /// required; BS is not set without BE; attested credential data is present; the credential
    /// id is at most 1023 bytes and equals `rawId`; the credential key parses and its algorithm
    /// was requested; the response's `authenticatorData` and `publicKeyAlgorithm`, when sent,
    /// agree; the attestation statement verifies under its format's procedure, and its
    /// certificate path leads to a configured trust root when there are any.
    ///
    /// The challenge must be single-use: redeem it in the store before calling. Afterwards, refuse
    /// the credential if its id is already registered to any user (WebAuthn §7.1 step 26), and
    /// set its `user_handle` before storing it.
    ///
    /// # Errors
    ///
    /// The [`Error`] variant of the first step that fails.
    pub fn verify_registration(
        &self,
        challenge: &[u8],
        response: &RegistrationResponse,
        now: UnixTime,
    ) -> Result<Registration, Error> {
        let (_, client_data_hash) =
            ceremony::check_client_data(self, &response.client_data_json, CREATE, challenge)?;

        let object = AttestationObject::parse(&response.attestation_object)?;
        let auth_data = &object.auth_data;
        if auth_data.rp_id_hash != self.rp_id_hash {
            return Err(Error::RpIdHashMismatch);
        }
        ceremony::check_flags(self, auth_data.flags)?;
        let attested = auth_data
            .attested_credential
            .as_ref()
            .ok_or(Error::MissingAttestedCredentialData)?;
        if attested.credential_id.len() > MAX_CREDENTIAL_ID_LEN {
            return Err(Error::CredentialIdTooLong {
                len: attested.credential_id.len(),
                max: MAX_CREDENTIAL_ID_LEN,
            });
        }
        if attested.credential_id != response.raw_id {
            return Err(Error::CredentialIdMismatch);
        }
        let key = CoseKey::parse(&attested.public_key_cose)?;
        if !self.algorithms.contains(&key.alg()) {
            return Err(Error::AlgorithmNotAllowed { alg: key.alg() });
        }
        if response
            .authenticator_data
            .as_ref()
            .is_some_and(|sent| sent.as_slice() != object.auth_data_raw)
        {
            return Err(Error::ResponseInconsistent {
                field: "authenticatorData",
            });
        }
        if response
            .public_key_algorithm
            .is_some_and(|alg| alg != key.alg().id())
        {
            return Err(Error::ResponseInconsistent {
                field: "publicKeyAlgorithm",
            });
        }

        let attestation_trust = attestation::verify(
            object.fmt,
            &object.att_stmt,
            &Context {
                auth_data_raw: object.auth_data_raw,
                auth_data,
                client_data_hash: &client_data_hash,
                credential: &key,
                credential_id: &attested.credential_id,
                aaguid: &attested.aaguid,
                rp: self,
                now,
            },
        )?;

        let flags = auth_data.flags;
        Ok(Registration {
            credential: Credential {
                id: attested.credential_id.clone(),
                public_key_cose: attested.public_key_cose.clone(),
                alg: key.alg().id(),
                sign_count: auth_data.sign_count,
                user_handle: None,
                backup_eligible: flags.backup_eligible(),
                backup_state: flags.backup_state(),
                uv_initialized: flags.user_verified(),
                transports: response.transports.clone(),
            },
            fmt: object.fmt.to_owned(),
            attestation_trust,
            aaguid: attested.aaguid,
            uv: flags.user_verified(),
            be: flags.backup_eligible(),
            bs: flags.backup_state(),
            authenticator_attachment: response.authenticator_attachment.clone(),
        })
    }
}
