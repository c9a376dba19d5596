//! Collected client data ([WebAuthn §5.8.1]) and its Secure Payment Confirmation extension
//! ([SPC §4.4]).
//!
//! [WebAuthn §5.8.1]: https://www.w3.org/TR/webauthn-3/#dictionary-client-data
//! [SPC §4.4]: https://www.w3.org/TR/secure-payment-confirmation/#sctn-collectedclientpaymentdata-dictionary

use serde::{Deserialize, Serialize};

use crate::{encoding, Error};

/// The parsed `clientDataJSON`.
///
/// Members this crate does not know are ignored, as §5.8.1 requires (clients add members,
/// such as Chrome's `other_keys_can_be_added_here`); a member it knows must have its type, and
/// may not appear twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectedClientData {
    /// `type`: `webauthn.create`, `webauthn.get` or `payment.get`.
    pub type_: String,
    /// `challenge`, decoded from base64url.
    pub challenge: Vec<u8>,
    /// `origin`: the origin of the page that ran the ceremony.
    pub origin: String,
    /// `crossOrigin` (false when absent).
    pub cross_origin: bool,
    /// `topOrigin`: the top-level origin of a cross-origin ceremony.
    pub top_origin: Option<String>,
    /// `payment`: what a Secure Payment Confirmation showed the user.
    pub payment: Option<CollectedPaymentData>,
}

/// The `payment` member of `payment.get` client data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectedPaymentData {
    /// `rpId`: the relying party the credential belongs to.
    pub rp_id: String,
    /// `topOrigin`: the top-level origin of the page that asked for the payment.
    pub top_origin: String,
    /// `payeeName`, when the merchant gave one.
    #[serde(default)]
    pub payee_name: Option<String>,
    /// `payeeOrigin`, when the merchant gave one.
    #[serde(default)]
    pub payee_origin: Option<String>,
    /// `total`: the amount shown.
    pub total: PaymentCurrencyAmount,
    /// `instrument`: the payment instrument shown.
    pub instrument: PaymentCredentialInstrument,
}

/// A `PaymentCurrencyAmount`: an ISO 4217 currency code and a decimal value, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentCurrencyAmount {
    /// `currency`, such as `USD`.
    pub currency: String,
    /// `value`, such as `"12.50"`.
    pub value: String,
}

/// A `PaymentCredentialInstrument`: what the user saw of the card or account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentCredentialInstrument {
    /// `displayName`.
    pub display_name: String,
    /// `icon`: a URL (often a `data:` URL).
    pub icon: String,
    /// `iconMustBeShown`, when the client reports it. Not compared: it says how the icon was
    /// shown, not what.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_must_be_shown: Option<bool>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "type")]
    type_: String,
    challenge: String,
    origin: String,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: Option<bool>,
    #[serde(rename = "topOrigin", default)]
    top_origin: Option<String>,
    #[serde(default)]
    payment: Option<CollectedPaymentData>,
    // `null` is not a TokenBinding, so it is refused rather than read as absent.
    #[serde(rename = "tokenBinding", default, deserialize_with = "present")]
    token_binding: Option<TokenBinding>,
}

fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// `tokenBinding` (WebAuthn Level 2 §5.8.1): only its `status` is read; Level 3 dropped the
/// member, but older clients still send it.
#[derive(Deserialize)]
struct TokenBinding {
    status: String,
}

/// The `TokenBindingStatus` values Level 2 defines.
const TOKEN_BINDING_STATUSES: [&str; 2] = ["present", "supported"];

impl CollectedClientData {
    /// Parses `clientDataJSON` bytes.
    ///
    /// # Errors
    ///
    /// [`Error::ClientData`] when the bytes are not a JSON object with string `type`,
    /// `challenge` (unpadded base64url) and `origin`, a boolean `crossOrigin` if present, a
    /// string `topOrigin` if present, and a well-formed `payment` if present;
    /// [`Error::TokenBindingStatus`] when a `tokenBinding` member's `status` is neither
    /// `present` nor `supported` (WebAuthn Level 2 §7.1 step 10).
    pub fn parse(bytes: &[u8]) -> Result<CollectedClientData, Error> {
        let raw: Raw = serde_json::from_slice(bytes).map_err(|e| Error::ClientData {
            reason: e.to_string(),
        })?;
        if let Some(binding) = &raw.token_binding {
            if !TOKEN_BINDING_STATUSES.contains(&binding.status.as_str()) {
                return Err(Error::TokenBindingStatus {
                    found: binding.status.clone(),
                });
            }
        }
        let challenge = encoding::decode_unpadded("challenge", &raw.challenge).map_err(|_| {
            Error::ClientData {
                reason: "challenge is not unpadded base64url".to_owned(),
            }
        })?;
        Ok(CollectedClientData {
            type_: raw.type_,
            challenge,
            origin: raw.origin,
            cross_origin: raw.cross_origin.unwrap_or(false),
            top_origin: raw.top_origin,
            payment: raw.payment,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_ignores_unknown_members() {
        let data = CollectedClientData::parse(
            br#"{"type":"webauthn.get","challenge":"AQID","origin":"https://a.example","other":1}"#,
        )
        .unwrap();
        assert_eq!(data.type_, "webauthn.get");
        assert_eq!(data.challenge, [1, 2, 3]);
        assert!(!data.cross_origin);
        assert_eq!(data.top_origin, None);
    }

    #[test]
    fn token_binding_status_is_present_or_supported() {
        let parse = |binding: &str| {
            CollectedClientData::parse(
                format!(
                    r#"{{"type":"webauthn.get","challenge":"AQID","origin":"o","tokenBinding":{binding}}}"#
                )
                .as_bytes(),
            )
            .map(|_| ())
            .map_err(|e| e.code())
        };
        assert_eq!(parse(r#"{"status":"present","id":"AQID"}"#), Ok(()));
        assert_eq!(parse(r#"{"status":"supported"}"#), Ok(()));
        for (binding, code) in [
            (r#"{"status":"not-supported"}"#, "token_binding_status"),
            (r#"{"status":"Present"}"#, "token_binding_status"),
            (r#"{"status":""}"#, "token_binding_status"),
            (r#"{"status":1}"#, "client_data"),
            (r#"{"id":"AQID"}"#, "client_data"),
            (r#""present""#, "client_data"),
            ("null", "client_data"),
        ] {
            assert_eq!(parse(binding), Err(code), "{binding}");
        }
    }

    #[test]
    fn refuses_wrong_types_and_repeated_members() {
        for bad in [
            &br#"{"type":"webauthn.get","challenge":"AQID","origin":"o","crossOrigin":"true"}"#[..],
            br#"{"type":"webauthn.get","type":"webauthn.create","challenge":"AQID","origin":"o"}"#,
            br#"{"type":"webauthn.get","challenge":"AQ==","origin":"o"}"#,
            br#"{"type":"webauthn.get","origin":"o"}"#,
            br#"["webauthn.get"]"#,
            b"\xff",
        ] {
            assert_eq!(
                CollectedClientData::parse(bad).map_err(|e| e.code()),
                Err("client_data"),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
