//! What the passkey surface keeps in the store.
//!
//! | record | key | kept |
//! |---|---|---|
//! | a sign-in request | `ww:passkey:request:{<SHA-256 of the requestId>}` | its lifetime and a minute |
//! | a user and their passkeys | `ww:passkey:user:{<SHA-256 of the user handle>}` | ten years from the last change |
//! | identity → user | `ww:passkey:identity:{<SHA-256 of client, type, value>}` | ten years from the first request |
//! | credential id → user handle | table `ww:{passkey:credential}`, field SHA-256 of the credential id | always |
//! | a token | `ww:passkey:token:{<SHA-256 of the token>}` | its lifetime |

use serde::{Deserialize, Serialize};
use watchword_http::{sha256_hex, ApiError};
use watchword_store::{Key, Table};

use crate::requests::{Attachment, IdentityType, Spc};
use crate::SURFACE;

/// Which ceremony a request runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ceremony {
    /// `navigator.credentials.create`: a new passkey.
    Registration,
    /// `navigator.credentials.get`: sign in with a passkey.
    Authentication,
}

impl Ceremony {
    /// The `type` of the identity in the validate answer.
    pub fn kind(self) -> &'static str {
        match self {
            Ceremony::Registration => "REGISTRATION",
            Ceremony::Authentication => "LOGIN",
        }
    }
}

/// A sign-in request, from `initiate` until the SDK completes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The client that initiated it.
    pub client_id: String,
    /// The identity it is for.
    pub identity_type: IdentityType,
    /// The identity's value.
    pub identity_value: String,
    /// The relying party's name.
    pub rp_name: String,
    /// The RP ID.
    pub domain: String,
    /// The user's display name.
    pub user_display_name: String,
    /// Allowed authenticators.
    pub attachment: Attachment,
    /// What the SDK runs.
    pub ceremony: Ceremony,
    /// The user's handle (base64url), existing or drawn for a first registration.
    pub user_handle: String,
    /// The user id reported to the site.
    pub user_id: String,
    /// The challenge (base64url of 32 random bytes).
    pub challenge: String,
    /// Secure Payment Confirmation details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spc: Option<Spc>,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds; the request is refused at and after.
    pub expires_at: u64,
    /// Whether a ceremony completed it (each request completes once).
    pub done: bool,
    /// Whether the SDK asked for conditional mediation (autofill), which lets the user pick
    /// any of their passkeys for the domain, possibly another identity's of the same client.
    #[serde(default)]
    pub conditional: bool,
}

/// One registered passkey.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Passkey {
    /// The RP ID it was created for.
    pub rp_id: String,
    /// What the verifier needs, with the transports for `allowCredentials`.
    pub credential: watchword_webauthn::Credential,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds of the last sign-in.
    #[serde(default)]
    pub last_used_at: Option<u64>,
}

/// A user of one client and their passkeys.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The user id reported to the site.
    pub user_id: String,
    /// The client the user belongs to.
    pub client_id: String,
    /// The identity.
    pub identity_type: IdentityType,
    /// The identity's value.
    pub identity_value: String,
    /// The passkeys.
    pub passkeys: Vec<Passkey>,
    /// Unix seconds.
    pub created_at: u64,
}

/// A completed ceremony waiting for the site's backend to validate it, once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    /// The client whose backend may validate it.
    pub client_id: String,
    /// The user.
    pub user_id: String,
    /// The identity.
    pub identity_type: IdentityType,
    /// The identity's value.
    pub identity_value: String,
    /// Registration or sign-in.
    pub ceremony: Ceremony,
    /// Unix seconds of the ceremony.
    pub verified_at: u64,
    /// The address the SDK called from.
    pub ip: String,
    /// The SDK's `User-Agent`.
    pub user_agent: String,
}

fn key(kind: &str, id: &str) -> Result<Key, ApiError> {
    Key::new(SURFACE, kind, id).map_err(|_| ApiError::internal())
}

/// The key of request `request_id`.
pub fn request_key(request_id: &str) -> Result<Key, ApiError> {
    key("request", &sha256_hex(request_id.as_bytes()))
}

/// The key of the user with `user_handle`.
pub fn user_key(user_handle: &str) -> Result<Key, ApiError> {
    key("user", &sha256_hex(user_handle.as_bytes()))
}

/// The key of `token`.
pub fn token_key(token: &str) -> Result<Key, ApiError> {
    key("token", &sha256_hex(token.as_bytes()))
}

/// An identity of one client, bound to its user the first time a request names it, so every
/// later request for the identity, concurrent or not, is for the same user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// The user's handle (base64url), the `user.id` of creation options.
    pub user_handle: String,
    /// The user id reported to the site.
    pub user_id: String,
}

/// The key of an identity (see [`identity_field`]).
pub fn identity_key(field: &str) -> Result<Key, ApiError> {
    key("identity", field)
}

/// The table from credential ids to user handles.
pub fn credentials() -> Table {
    Table::new(SURFACE, "credential").unwrap_or_else(|_| unreachable!("a valid table name"))
}

/// The id of an identity of `client`: the SHA-256 of client, type and value.
pub fn identity_field(client: &str, kind: IdentityType, value: &str) -> String {
    sha256_hex(format!("{client}\n{}\n{value}", kind.as_str()).as_bytes())
}

/// The field of a credential id in [`credentials`].
pub fn credential_field(credential_id: &[u8]) -> String {
    sha256_hex(credential_id)
}
