//! Canonical base64url and strict JSON: the two ways a byte string can be smuggled past a
//! verifier that re-encodes or re-parses differently from the signer.

use core::cell::Cell;
use core::fmt;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::{Error, Part};

/// Unpadded base64url (RFC 7515 §2) that refuses padding, the standard alphabet and non-zero
/// trailing bits, so each byte string has exactly one accepted encoding.
const B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

pub(crate) fn b64_encode(bytes: impl AsRef<[u8]>) -> String {
    B64.encode(bytes)
}

pub(crate) fn b64_decode(text: &str, part: Part) -> Result<Vec<u8>, Error> {
    B64.decode(text).map_err(|_| Error::Base64 { part })
}

/// Parses `bytes` as one JSON object, refusing a repeated member name at any depth.
///
/// `serde_json` keeps the last of two equal names silently; two parsers that disagree on which
/// one wins are a classic way to make a signed document mean two things.
pub(crate) fn parse_object(bytes: &[u8], part: Part) -> Result<Map<String, Value>, Error> {
    let duplicate = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = Strict {
        duplicate: &duplicate,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value));
    match parsed {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::NotObject { part }),
        Err(err) => match duplicate.take() {
            Some(key) => Err(Error::DuplicateKey { part, key }),
            None => Err(Error::Json {
                part,
                reason: err.to_string(),
            }),
        },
    }
}

/// A `serde_json::Value` deserializer that reports the first repeated member name through
/// `duplicate`.
#[derive(Clone, Copy)]
struct Strict<'a> {
    duplicate: &'a Cell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a json value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON text cannot spell NaN or infinity, so this is always `Some`.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                let message = format!("duplicate key {key:?}");
                self.duplicate.set(Some(key));
                return Err(de::Error::custom(message));
            }
            let value = access.next_value_seed(self)?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_found_at_any_depth() {
        let top = parse_object(br#"{"a":1,"a":2}"#, Part::Header);
        assert_eq!(
            top,
            Err(Error::DuplicateKey {
                part: Part::Header,
                key: "a".into()
            })
        );
        let nested = parse_object(br#"{"a":{"b":[{"c":1,"c":1}]}}"#, Part::Payload);
        assert_eq!(
            nested,
            Err(Error::DuplicateKey {
                part: Part::Payload,
                key: "c".into()
            })
        );
        // Escapes are decoded before comparing, so "\u0061" repeats "a".
        let escaped = parse_object(br#"{"a":1,"\u0061":2}"#, Part::Header);
        assert_eq!(
            escaped,
            Err(Error::DuplicateKey {
                part: Part::Header,
                key: "a".into()
            })
        );
    }

    #[test]
    fn objects_only_and_no_trailing_text() {
        assert_eq!(
            parse_object(b"[1]", Part::Header),
            Err(Error::NotObject { part: Part::Header })
        );
        assert!(matches!(
            parse_object(b"{} {}", Part::Header),
            Err(Error::Json { .. })
        ));
        assert!(matches!(
            parse_object(b"{\"a\":1e400}", Part::Header),
            Err(Error::Json { .. })
        ));
        let ok = parse_object(
            br#" {"n":-1,"f":1.5,"s":"x","z":null,"t":true,"l":[]} "#,
            Part::Header,
        );
        assert_eq!(ok.map(|m| m.len()), Ok(6));
    }

    #[test]
    fn base64_is_canonical() {
        assert_eq!(b64_decode("Zm8", Part::Payload), Ok(b"fo".to_vec()));
        assert_eq!(b64_decode("-_8", Part::Payload), Ok(vec![0xfb, 0xff]));
        // Padding, standard alphabet, non-zero trailing bits ("Zm9" leaves bits 01), whitespace,
        // impossible length.
        for bad in ["Zm8=", "+/8", "Zm9", "Zm8 ", " Zm8", "Z", "Zm8\n"] {
            assert_eq!(
                b64_decode(bad, Part::Payload),
                Err(Error::Base64 {
                    part: Part::Payload
                }),
                "{bad:?}"
            );
        }
    }
}
