//! What the passkey surface keeps in the store.
//!
//! | record | key | kept |
//! |---|---|---|
//! | a sign-in request ([`Lifecycle`](crate::lifecycle::Lifecycle)) | `ww:passkey:request:{<SHA-256 of the requestId>}` | its lifetime and a minute |
//! | a user and their passkeys | `ww:passkey:user:{<SHA-256 of the user handle>}` | ten years from the last change |
//! | identity → user | `ww:passkey:identity:{<SHA-256 of client, type, value>}` | one request's lifetime until a passkey is registered, then ten years from the last change |
//! | credential id → user handle | `ww:passkey:credential:{<SHA-256 of the credential id>}` | ten years from the last sign-in |
//! | the same, as earlier versions kept it | table `ww:{passkey:credential}` | read on a miss, copied forward |
//! | a token | `ww:passkey:token:{<SHA-256 of the token>}` | its lifetime |

use serde::{Deserialize, Serialize};
use watchword_http::{sha256_hex, ApiError};
use watchword_store::Key;

use crate::lifecycle::Ceremony;
use crate::requests::IdentityType;
use crate::SURFACE;

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
    /// Until a passkey is registered, when this binding ends (Unix seconds; stored with that
    /// lifetime). `None` once the user has a passkey: the binding then lives as long as the
    /// user record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_until: Option<watchword_token::UnixTime>,
}

/// The key of an identity (see [`identity_field`]).
pub fn identity_key(field: &str) -> Result<Key, ApiError> {
    key("identity", field)
}

/// The id of an identity of `client`: the SHA-256 of client, type and value.
pub fn identity_field(client: &str, kind: IdentityType, value: &str) -> String {
    sha256_hex(format!("{client}\n{}\n{value}", kind.as_str()).as_bytes())
}

/// The table where earlier versions kept credential ids (field: SHA-256 of the id). Read only:
/// a sign-in with a passkey found there copies its entry to [`credential_key`].
pub fn legacy_credentials() -> Result<watchword_store::Table, ApiError> {
    watchword_store::Table::new(SURFACE, "credential").map_err(|_| ApiError::internal())
}

/// The key of the index entry of a credential id: the handle of the user whose passkey it is.
/// A registration claims it before it stores the passkey, so every stored passkey is found.
pub fn credential_key(credential_id: &[u8]) -> Result<Key, ApiError> {
    key("credential", &sha256_hex(credential_id))
}
