//! What a verification returns, and the credential record a server stores
//! ([WebAuthn §4, credential record]).
//!
//! [WebAuthn §4, credential record]: https://www.w3.org/TR/webauthn-3/#credential-record

use serde::{Deserialize, Serialize};

use crate::encoding::base64url;

/// The credential record a relying party stores after a registration and looks up by id at
/// each sign-in. Byte strings serialise as unpadded base64url.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    /// The credential id.
    #[serde(with = "base64url")]
    pub id: Vec<u8>,
    /// The credential public key, CBOR COSE_Key as the authenticator sent it.
    #[serde(with = "base64url")]
    pub public_key_cose: Vec<u8>,
    /// The key's COSE algorithm identifier.
    pub alg: i64,
    /// The last signature counter seen.
    pub sign_count: u32,
    /// The user handle (`user.id` of the creation options) of the account the credential
    /// belongs to. A registration leaves it `None`: the relying party sets it, as only it
    /// knows the `user.id` it sent.
    #[serde(default, with = "base64url::option")]
    pub user_handle: Option<Vec<u8>>,
    /// BE at registration: whether the credential may be backed up. Fixed for its lifetime.
    pub backup_eligible: bool,
    /// BS at the last ceremony: whether it is backed up now.
    pub backup_state: bool,
    /// Whether any ceremony so far verified the user.
    pub uv_initialized: bool,
    /// The transports the client reported at registration, as hints for `allowCredentials`.
    #[serde(default)]
    pub transports: Vec<String>,
}

impl Credential {
    /// Records a successful sign-in: the counter (never lowered, even when
    /// [`Authentication::counter_warning`] is set), the backup state and whether the user was
    /// ever verified.
    pub fn update(&mut self, authentication: &Authentication) {
        self.sign_count = self.sign_count.max(authentication.sign_count);
        self.backup_state = authentication.bs;
        self.uv_initialized |= authentication.uv;
    }
}

/// How far an attestation could be traced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum AttestationTrust {
    /// The attestation certificate chain leads to the configured trust root at this index.
    Trusted {
        /// Position of the root among those configured.
        root: usize,
    },
    /// The attestation signature and certificate chain verify, but no trust root was
    /// configured, so who made the authenticator is not known.
    Unverified,
    /// `none` or self attestation: there is nothing to trace.
    SelfOrNone,
}

/// A verified registration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // the authenticator data flags, by their spec names
pub struct Registration {
    /// The record to store (set its `user_handle` first).
    pub credential: Credential,
    /// The attestation statement format (`none`, `packed`, `fido-u2f`, `tpm`, `android-key`,
    /// `apple`).
    pub fmt: String,
    /// How far the attestation could be traced.
    pub attestation_trust: AttestationTrust,
    /// The authenticator model's AAGUID. Only as trustworthy as the attestation: with
    /// [`AttestationTrust::Trusted`] it was vouched for (by the certificate's AAGUID extension
    /// or the attestation signature), otherwise it is what the authenticator claims.
    pub aaguid: [u8; 16],
    /// UV.
    pub uv: bool,
    /// BE.
    pub be: bool,
    /// BS.
    pub bs: bool,
    /// `authenticatorAttachment`, if the client reported it.
    pub authenticator_attachment: Option<String>,
}

/// A verified sign-in (or Secure Payment Confirmation). Pass it to [`Credential::update`] and
/// store the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // the authenticator data flags, by their spec names
pub struct Authentication {
    /// The credential used.
    pub credential_id: Vec<u8>,
    /// The authenticator's signature counter.
    pub sign_count: u32,
    /// UV.
    pub uv: bool,
    /// BE.
    pub be: bool,
    /// BS.
    pub bs: bool,
    /// The counter did not increase and [`CounterPolicy::Report`](crate::CounterPolicy) let
    /// the assertion through: the authenticator may have been cloned.
    pub counter_warning: bool,
    /// The user handle the authenticator returned, if any (checked against the credential's).
    pub user_handle: Option<Vec<u8>>,
}
