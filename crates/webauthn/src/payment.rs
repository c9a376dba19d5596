//! What a relying party asked a Secure Payment Confirmation to show ([SPC §4.1]), to compare
//! with what the browser says it showed.
//!
//! [SPC §4.1]: https://www.w3.org/TR/secure-payment-confirmation/#sctn-securepaymentconfirmationrequest-dictionary

use serde::{Deserialize, Serialize};

use crate::encoding::base64url;
use crate::{PaymentCredentialInstrument, PaymentCurrencyAmount};

/// The transaction a relying party put in its `SecurePaymentConfirmationRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequest {
    /// `credentialIds`: the credentials the payment may be confirmed with (not empty).
    #[serde(with = "base64url_list")]
    pub credential_ids: Vec<Vec<u8>>,
    /// The top-level origin of the page the payment runs in (`payment.topOrigin`).
    pub top_origin: String,
    /// `payeeName`, if the request gave one.
    #[serde(default)]
    pub payee_name: Option<String>,
    /// `payeeOrigin`, if the request gave one.
    #[serde(default)]
    pub payee_origin: Option<String>,
    /// The transaction amount (`total`).
    pub total: PaymentCurrencyAmount,
    /// `instrument`: its display name and icon are compared.
    pub instrument: PaymentCredentialInstrument,
}

mod base64url_list {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Id(#[serde(with = "super::base64url")] Vec<u8>);

    pub(super) fn serialize<S: Serializer>(
        ids: &[Vec<u8>],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let ids: Vec<Id> = ids.iter().cloned().map(Id).collect();
        ids.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Vec<u8>>, D::Error> {
        Ok(Vec::<Id>::deserialize(deserializer)?
            .into_iter()
            .map(|Id(id)| id)
            .collect())
    }
}
