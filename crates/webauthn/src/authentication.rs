//! Verifying an authentication assertion ([WebAuthn §7.2]), and a Secure Payment Confirmation
//! assertion ([SPC §5.3]).
//!
//! [WebAuthn §7.2]: https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion
//! [SPC §5.3]: https://www.w3.org/TR/secure-payment-confirmation/#sctn-verifying-assertion

use crate::ceremony::{self, GET, PAYMENT};
use crate::client_data::CollectedClientData;
use crate::{
    Authentication, AuthenticationResponse, AuthenticatorData, CoseKey, CounterPolicy, Credential,
    Error, PaymentRequest, RelyingParty,
};

impl RelyingParty {
    /// Verifies a sign-in assertion for the stored `credential` (looked up by
    /// [`AuthenticationResponse::raw_id`]) against the `challenge` this relying party issued,
    /// where `allow_credentials` are the ids the options listed (empty for a discoverable
    /// credential sign-in).
    ///
    /// The steps, in order, each with its own error: the credential is in `allow_credentials`
    /// when that is not empty; `rawId` is the stored credential's id; `userHandle` is present
    /// when `allow_credentials` is empty, and when present is the credential's user; the stored
    /// key parses with its stored algorithm; client data `type` is `webauthn.get`; the challenge
    /// matches (in constant time); the origin is allowed; the cross-origin policy holds; the
    /// authenticator data parses without attested credential data; `rpIdHash` is the RP ID's
    /// (the AppID's, when the `appid` extension output is true and an AppID is configured); UP is
    /// set; UV is set if required; BS is not set without BE; BE is what was stored; the
    /// signature verifies (a stored P-256 or P-384 point is checked to be on its curve here,
    /// by ring, rather than when the key is parsed); the signature counter increased (or both are zero), or the
    /// [`CounterPolicy`] reports instead.
    ///
    /// The challenge must be single-use: redeem it in the store before calling. Then store the
    /// credential with [`Credential::update`].
    ///
    /// # Errors
    ///
    /// The [`Error`] variant of the first step that fails.
    pub fn verify_authentication(
        &self,
        challenge: &[u8],
        response: &AuthenticationResponse,
        credential: &Credential,
        allow_credentials: &[Vec<u8>],
    ) -> Result<Authentication, Error> {
        self.verify_assertion(
            GET,
            challenge,
            response,
            credential,
            allow_credentials,
            None,
        )
    }

    /// Verifies a Secure Payment Confirmation assertion: the steps of
    /// [`RelyingParty::verify_authentication`] with `expected.credential_ids` as the allowed
    /// credentials and client data `type` `payment.get`, and then the `payment` member: `rpId`
    /// is this relying party's, and `topOrigin`, `payeeName`, `payeeOrigin`, `total` and
    /// `instrument` (display name and icon) are exactly what the relying party asked the
    /// browser to show.
    ///
    /// The client data `origin` is checked against the relying party's allowed origins like
    /// any other ceremony's: add the merchant origins that may run the payment.
    ///
    /// # Errors
    ///
    /// The [`Error`] variant of the first step that fails.
    pub fn verify_payment(
        &self,
        challenge: &[u8],
        expected: &PaymentRequest,
        response: &AuthenticationResponse,
        credential: &Credential,
    ) -> Result<Authentication, Error> {
        if expected.credential_ids.is_empty() {
            // SPC always names its credentials; an empty list would skip the check.
            return Err(Error::CredentialNotAllowed);
        }
        self.verify_assertion(
            PAYMENT,
            challenge,
            response,
            credential,
            &expected.credential_ids,
            Some(expected),
        )
    }

    fn verify_assertion(
        &self,
        ceremony_type: &'static str,
        challenge: &[u8],
        response: &AuthenticationResponse,
        credential: &Credential,
        allow_credentials: &[Vec<u8>],
        payment: Option<&PaymentRequest>,
    ) -> Result<Authentication, Error> {
        if !allow_credentials.is_empty() && !allow_credentials.contains(&response.raw_id) {
            return Err(Error::CredentialNotAllowed);
        }
        if response.raw_id != credential.id {
            return Err(Error::CredentialMismatch);
        }
        match &response.user_handle {
            Some(handle) if credential.user_handle.as_ref() != Some(handle) => {
                return Err(Error::UserHandleMismatch)
            }
            None if allow_credentials.is_empty() => return Err(Error::MissingUserHandle),
            _ => {}
        }
        let key = CoseKey::parse_stored(&credential.public_key_cose)?;
        if key.alg().id() != credential.alg {
            return Err(Error::InvalidCredential {
                reason: "stored alg differs from the key's",
            });
        }

        let (client_data, client_data_hash) = ceremony::check_client_data(
            self,
            &response.client_data_json,
            ceremony_type,
            challenge,
        )?;
        if let Some(expected) = payment {
            self.check_payment(&client_data, expected)?;
        }

        let auth_data = AuthenticatorData::parse(&response.authenticator_data)?;
        if auth_data.attested_credential.is_some() {
            return Err(Error::UnexpectedAttestedCredentialData);
        }
        let expected_rp_id_hash = match self.app_id_hash {
            Some(app_id_hash) if response.extensions.appid => app_id_hash,
            _ => self.rp_id_hash,
        };
        if auth_data.rp_id_hash != expected_rp_id_hash {
            return Err(Error::RpIdHashMismatch);
        }
        let flags = auth_data.flags;
        ceremony::check_flags(self, flags)?;
        if flags.backup_eligible() != credential.backup_eligible {
            return Err(Error::BackupEligibilityChanged {
                stored: credential.backup_eligible,
                found: flags.backup_eligible(),
            });
        }

        let mut signed = Vec::with_capacity(response.authenticator_data.len() + 32);
        signed.extend_from_slice(&response.authenticator_data);
        signed.extend_from_slice(&client_data_hash);
        key.verify_stored(&signed, &response.signature)?;

        let (stored, found) = (credential.sign_count, auth_data.sign_count);
        let counter_increased = found > stored || (found == 0 && stored == 0);
        let counter_warning = match (counter_increased, self.counter_policy) {
            (true, _) => false,
            (false, CounterPolicy::Report) => true,
            (false, CounterPolicy::Reject) => {
                return Err(Error::SignCountRegression { stored, found })
            }
        };
        Ok(Authentication {
            credential_id: credential.id.clone(),
            sign_count: found,
            uv: flags.user_verified(),
            be: flags.backup_eligible(),
            bs: flags.backup_state(),
            counter_warning,
            user_handle: response.user_handle.clone(),
        })
    }

    fn check_payment(
        &self,
        client_data: &CollectedClientData,
        expected: &PaymentRequest,
    ) -> Result<(), Error> {
        let payment = client_data
            .payment
            .as_ref()
            .ok_or(Error::PaymentDataMissing)?;
        if payment.rp_id != self.rp_id {
            return Err(Error::PaymentRpId {
                found: payment.rp_id.clone(),
            });
        }
        if payment.top_origin != expected.top_origin {
            return Err(Error::PaymentTopOrigin {
                found: payment.top_origin.clone(),
            });
        }
        if payment.payee_name != expected.payee_name {
            return Err(Error::PaymentPayeeName);
        }
        if payment.payee_origin != expected.payee_origin {
            return Err(Error::PaymentPayeeOrigin);
        }
        if payment.total != expected.total {
            return Err(Error::PaymentTotal);
        }
        let (shown, asked) = (&payment.instrument, &expected.instrument);
        if shown.display_name != asked.display_name || shown.icon != asked.icon {
            return Err(Error::PaymentInstrument);
        }
        Ok(())
    }
}
