//! Unpadded base64url ([RFC 4648 §5]), the encoding of every binary member of the
//! `PublicKeyCredential.toJSON()` form and of the client data's `challenge`.
//!
//! Strict: no padding, no `+` or `/`, no whitespace, no non-zero trailing bits, so that each
//! byte string has exactly one accepted text form.
//!
//! [RFC 4648 §5]: https://www.rfc-editor.org/rfc/rfc4648#section-5

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::Error;

/// Decodes unpadded base64url; `field` names the JSON member in the error.
pub(crate) fn decode(field: &'static str, text: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| Error::Base64 { field })
}

/// Encodes as unpadded base64url.
pub(crate) fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Serde adapters that store byte strings as unpadded base64url text.
pub(crate) mod base64url {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::encode(bytes))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::decode("value", &text).map_err(serde::de::Error::custom)
    }

    /// The same for `Option<Vec<u8>>`.
    pub(crate) mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        #[allow(clippy::ref_option)] // serde's `with` passes `&Option<T>`.
        pub(crate) fn serialize<S: Serializer>(
            bytes: &Option<Vec<u8>>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match bytes {
                Some(bytes) => serializer.serialize_some(&super::super::encode(bytes)),
                None => serializer.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Vec<u8>>, D::Error> {
            Option::<String>::deserialize(deserializer)?
                .map(|text| super::super::decode("value", &text).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_canonical_unpadded_form_decodes() {
        assert_eq!(decode("x", "AQID"), Ok(vec![1, 2, 3]));
        assert_eq!(decode("x", "_-8"), Ok(vec![0xff, 0xef]));
        for bad in ["AQ==", "AQ=", "+/8", "AQ ID", "AR", "A"] {
            assert_eq!(decode("x", bad), Err(Error::Base64 { field: "x" }), "{bad}");
        }
    }
}
