//! The browser's `PublicKeyCredential.toJSON()` form of a registration
//! ([WebAuthn §5.1, `RegistrationResponseJSON`]) and of an assertion
//! (`AuthenticationResponseJSON`).
//!
//! Every binary member is base64url, unpadded or fully padded (see [`crate::encoding`]); `id`
//! must encode the same bytes as `rawId`; `type` must be `public-key`. A member may not appear twice.
//! Members this crate does not use are ignored, so that newer browsers' additions pass.
//!
//! [WebAuthn §5.1, `RegistrationResponseJSON`]: https://www.w3.org/TR/webauthn-3/#dictdef-registrationresponsejson

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{encoding, Error};

/// The largest response document accepted, in bytes. Attestation certificate chains and SPC
/// icons (often `data:` URLs) are what make responses large.
pub const MAX_RESPONSE_LEN: usize = 128 * 1024;

/// The client extension outputs this crate acts on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientExtensionResults {
    /// `appid`: the FIDO AppID extension was used, so `rpIdHash` is the hash of the AppID.
    pub appid: bool,
}

/// A parsed registration response (`navigator.credentials.create()` in its JSON form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationResponse {
    pub(crate) raw_id: Vec<u8>,
    pub(crate) client_data_json: Vec<u8>,
    pub(crate) attestation_object: Vec<u8>,
    pub(crate) authenticator_data: Option<Vec<u8>>,
    pub(crate) public_key_algorithm: Option<i64>,
    pub(crate) transports: Vec<String>,
    pub(crate) authenticator_attachment: Option<String>,
    pub(crate) extensions: ClientExtensionResults,
}

/// A parsed authentication response (`navigator.credentials.get()`, or a Secure Payment
/// Confirmation, in its JSON form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticationResponse {
    pub(crate) raw_id: Vec<u8>,
    pub(crate) client_data_json: Vec<u8>,
    pub(crate) authenticator_data: Vec<u8>,
    pub(crate) signature: Vec<u8>,
    pub(crate) user_handle: Option<Vec<u8>>,
    pub(crate) authenticator_attachment: Option<String>,
    pub(crate) extensions: ClientExtensionResults,
}

impl RegistrationResponse {
    /// The credential id.
    pub fn raw_id(&self) -> &[u8] {
        &self.raw_id
    }

    /// The `clientDataJSON` bytes.
    pub fn client_data_json(&self) -> &[u8] {
        &self.client_data_json
    }

    /// The CBOR attestation object.
    pub fn attestation_object(&self) -> &[u8] {
        &self.attestation_object
    }

    /// The transports the client reported (`usb`, `nfc`, `ble`, `hybrid`, `internal`, …).
    pub fn transports(&self) -> &[String] {
        &self.transports
    }

    /// `authenticatorAttachment` (`platform` or `cross-platform`), if reported.
    pub fn authenticator_attachment(&self) -> Option<&str> {
        self.authenticator_attachment.as_deref()
    }

    /// The client extension outputs this crate acts on.
    pub fn client_extension_results(&self) -> &ClientExtensionResults {
        &self.extensions
    }
}

impl AuthenticationResponse {
    /// The credential id: look the stored [`Credential`](crate::Credential) up by it.
    pub fn raw_id(&self) -> &[u8] {
        &self.raw_id
    }

    /// The `clientDataJSON` bytes.
    pub fn client_data_json(&self) -> &[u8] {
        &self.client_data_json
    }

    /// The authenticator data bytes.
    pub fn authenticator_data(&self) -> &[u8] {
        &self.authenticator_data
    }

    /// The assertion signature.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The user handle, present for discoverable credentials.
    pub fn user_handle(&self) -> Option<&[u8]> {
        self.user_handle.as_deref()
    }

    /// `authenticatorAttachment`, if reported.
    pub fn authenticator_attachment(&self) -> Option<&str> {
        self.authenticator_attachment.as_deref()
    }

    /// The client extension outputs this crate acts on.
    pub fn client_extension_results(&self) -> &ClientExtensionResults {
        &self.extensions
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCredential<R> {
    id: String,
    raw_id: String,
    #[serde(rename = "type")]
    type_: String,
    response: R,
    #[serde(default)]
    authenticator_attachment: Option<String>,
    #[serde(default)]
    client_extension_results: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAttestationResponse {
    #[serde(rename = "clientDataJSON")]
    client_data_json: String,
    attestation_object: String,
    #[serde(default)]
    authenticator_data: Option<String>,
    #[serde(default)]
    transports: Option<Vec<String>>,
    #[serde(default)]
    public_key_algorithm: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAssertionResponse {
    #[serde(rename = "clientDataJSON")]
    client_data_json: String,
    authenticator_data: String,
    signature: String,
    #[serde(default)]
    user_handle: Option<String>,
}

fn parse_json<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T, Error> {
    if json.len() > MAX_RESPONSE_LEN {
        return Err(Error::ResponseTooLarge {
            len: json.len(),
            max: MAX_RESPONSE_LEN,
        });
    }
    serde_json::from_str(json).map_err(|e| Error::Json {
        reason: e.to_string(),
    })
}

/// Checks `type` and `id` and decodes `rawId`.
fn credential_id<R>(raw: &RawCredential<R>) -> Result<Vec<u8>, Error> {
    if raw.type_ != "public-key" {
        return Err(Error::CredentialType {
            found: raw.type_.clone(),
        });
    }
    let raw_id = encoding::decode("rawId", &raw.raw_id)?;
    // Either may be padded and the other not, so the bytes are compared, not the texts.
    if encoding::decode("id", &raw.id)? != raw_id {
        return Err(Error::IdMismatch);
    }
    Ok(raw_id)
}

fn extensions(raw: Option<&Map<String, Value>>) -> Result<ClientExtensionResults, Error> {
    let appid = match raw.and_then(|map| map.get("appid")) {
        None => false,
        Some(Value::Bool(used)) => *used,
        Some(_) => {
            return Err(Error::Json {
                reason: "clientExtensionResults.appid is not a boolean".to_owned(),
            })
        }
    };
    Ok(ClientExtensionResults { appid })
}

/// Parses a registration response from its JSON form.
///
/// # Errors
///
/// [`Error::ResponseTooLarge`], [`Error::Json`] (not the expected shape, a repeated member),
/// [`Error::Base64`], [`Error::CredentialType`] and [`Error::IdMismatch`].
pub fn parse_registration(json: &str) -> Result<RegistrationResponse, Error> {
    let raw: RawCredential<RawAttestationResponse> = parse_json(json)?;
    let raw_id = credential_id(&raw)?;
    let response = &raw.response;
    Ok(RegistrationResponse {
        raw_id,
        client_data_json: encoding::decode("clientDataJSON", &response.client_data_json)?,
        attestation_object: encoding::decode("attestationObject", &response.attestation_object)?,
        authenticator_data: response
            .authenticator_data
            .as_deref()
            .map(|text| encoding::decode("authenticatorData", text))
            .transpose()?,
        public_key_algorithm: response.public_key_algorithm,
        transports: response.transports.clone().unwrap_or_default(),
        authenticator_attachment: raw.authenticator_attachment.clone(),
        extensions: extensions(raw.client_extension_results.as_ref())?,
    })
}

/// Parses an authentication (or Secure Payment Confirmation) response from its JSON form.
///
/// # Errors
///
/// As [`parse_registration`].
pub fn parse_authentication(json: &str) -> Result<AuthenticationResponse, Error> {
    let raw: RawCredential<RawAssertionResponse> = parse_json(json)?;
    let raw_id = credential_id(&raw)?;
    let response = &raw.response;
    Ok(AuthenticationResponse {
        raw_id,
        client_data_json: encoding::decode("clientDataJSON", &response.client_data_json)?,
        authenticator_data: encoding::decode("authenticatorData", &response.authenticator_data)?,
        signature: encoding::decode("signature", &response.signature)?,
        user_handle: response
            .user_handle
            .as_deref()
            .map(|text| encoding::decode("userHandle", text))
            .transpose()?,
        authenticator_attachment: raw.authenticator_attachment.clone(),
        extensions: extensions(raw.client_extension_results.as_ref())?,
    })
}
