//! The steps registration, authentication and payment share: the client data checks
//! (WebAuthn §7.1 steps 7–10, §7.2 steps 11–14) and the flag checks (§7.1 steps 14–17,
//! §7.2 steps 16–19).

use subtle::ConstantTimeEq;

use crate::authenticator_data::Flags;
use crate::client_data::CollectedClientData;
use crate::relying_party::sha256;
use crate::{Error, RelyingParty, UserVerification};

pub(crate) const CREATE: &str = "webauthn.create";
pub(crate) const GET: &str = "webauthn.get";
pub(crate) const PAYMENT: &str = "payment.get";

/// Parses `clientDataJSON` and checks its type, challenge, origin and cross-origin members.
/// Returns the client data and its hash.
pub(crate) fn check_client_data(
    rp: &RelyingParty,
    client_data_json: &[u8],
    expected_type: &'static str,
    challenge: &[u8],
) -> Result<(CollectedClientData, [u8; 32]), Error> {
    let client_data = CollectedClientData::parse(client_data_json)?;
    if client_data.type_ != expected_type {
        return Err(Error::CeremonyType {
            expected: expected_type,
            found: client_data.type_,
        });
    }
    // The challenge is a secret until redeemed: compare in constant time (a length difference
    // is no secret).
    if !bool::from(client_data.challenge.as_slice().ct_eq(challenge)) {
        return Err(Error::ChallengeMismatch);
    }
    if !rp.origin_allowed(&client_data.origin) {
        return Err(Error::OriginNotAllowed {
            origin: client_data.origin,
        });
    }
    match (client_data.cross_origin, &client_data.top_origin) {
        (false, None) => {}
        (false, Some(_)) => return Err(Error::TopOriginWithoutCrossOrigin),
        (true, _) if !rp.allow_cross_origin => return Err(Error::CrossOriginNotAllowed),
        (true, None) => return Err(Error::MissingTopOrigin),
        (true, Some(top_origin)) => {
            if !rp.top_origin_allowed(top_origin) {
                return Err(Error::TopOriginNotAllowed {
                    top_origin: top_origin.clone(),
                });
            }
        }
    }
    let hash = sha256(client_data_json);
    Ok((client_data, hash))
}

/// Checks UP, UV against the policy, and that BS is not set without BE.
pub(crate) fn check_flags(rp: &RelyingParty, flags: Flags) -> Result<(), Error> {
    if !flags.user_present() {
        return Err(Error::UserNotPresent);
    }
    if rp.user_verification == UserVerification::Required && !flags.user_verified() {
        return Err(Error::UserNotVerified);
    }
    if flags.backup_state() && !flags.backup_eligible() {
        return Err(Error::BackupStateWithoutEligibility);
    }
    Ok(())
}
