//! Base64url ([RFC 4648 §5]), the encoding of every binary member of the
//! `PublicKeyCredential.toJSON()` form and of the client data's `challenge`.
//!
//! The response's members are accepted unpadded (what browsers send) or with complete `=`
//! padding (what some polyfills and other servers' clients send). Everything else stays
//! refused: `+` or `/`, whitespace, partial padding, non-zero trailing bits. The client data's
//! `challenge` is written by the browser itself, always unpadded, so it is decoded strictly.
//!
//! [RFC 4648 §5]: https://www.rfc-editor.org/rfc/rfc4648#section-5

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;

use crate::Error;

/// Decodes base64url, unpadded or completely padded; `field` names the JSON member in the
/// error.
pub(crate) fn decode(field: &'static str, text: &str) -> Result<Vec<u8>, Error> {
    // The padded engine requires exactly the canonical padding (`AQ=` is refused, where the
    // base64 crate's `Indifferent` mode would take it).
    let engine = if text.ends_with('=') {
        &URL_SAFE
    } else {
        &URL_SAFE_NO_PAD
    };
    engine.decode(text).map_err(|_| Error::Base64 { field })
}

/// Decodes unpadded base64url only: for text a browser writes itself.
pub(crate) fn decode_unpadded(field: &'static str, text: &str) -> Result<Vec<u8>, Error> {
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
    fn members_decode_unpadded_or_fully_padded() {
        assert_eq!(decode("x", "AQID"), Ok(vec![1, 2, 3]));
        assert_eq!(decode("x", "_-8"), Ok(vec![0xff, 0xef]));
        assert_eq!(decode("x", "_-8="), Ok(vec![0xff, 0xef]));
        assert_eq!(decode("x", "AQ"), Ok(vec![1]));
        assert_eq!(decode("x", "AQ=="), Ok(vec![1]));
        assert_eq!(decode("x", ""), Ok(vec![]));
        for bad in [
            "AQ=", "AQ===", "AQID====", "A===", "=", "+/8", "_-8/", "AQ ID", "AQ==\n", "AR",
            "AR==", "A", "AQ=A", "A=Q=",
        ] {
            assert_eq!(decode("x", bad), Err(Error::Base64 { field: "x" }), "{bad}");
        }
    }

    #[test]
    fn the_challenge_decodes_only_unpadded() {
        assert_eq!(decode_unpadded("x", "AQID"), Ok(vec![1, 2, 3]));
        for bad in ["AQ==", "AQ=", "+/8", "AQ ID", "AR", "A"] {
            assert_eq!(
                decode_unpadded("x", bad),
                Err(Error::Base64 { field: "x" }),
                "{bad}"
            );
        }
    }
}
