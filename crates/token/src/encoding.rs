//! Canonical base64url and strict JSON: the two ways a byte string can be smuggled past a
//! verifier that re-encodes or re-parses differently from the signer.

use std::borrow::Cow;
use std::collections::BTreeSet;

use core::cell::Cell;
use core::fmt;
use core::ops::Deref;

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
    let len = decoded_len(text).ok_or(Error::Base64 { part })?;
    let mut bytes = vec![0; len];
    decode_into(text.as_bytes(), &mut bytes).ok_or(Error::Base64 { part })?;
    Ok(bytes)
}

/// Marks a byte outside the base64url alphabet in [`DECODE`].
const INVALID: u8 = 0xff;

/// The value of each base64url symbol (RFC 4648 §5), [`INVALID`] for every other byte.
const DECODE: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut table = [INVALID; 256];
    let mut value: u8 = 0;
    while value < 64 {
        table[alphabet[value as usize] as usize] = value;
        value += 1;
    }
    table
};

/// The length `text` decodes to, `None` for a length no unpadded base64 has.
fn decoded_len(text: &str) -> Option<usize> {
    let tail = match text.len() % 4 {
        0 => 0,
        1 => return None,
        rest => rest - 1,
    };
    Some(text.len() / 4 * 3 + tail)
}

/// Decodes unpadded base64url into `out` (exactly [`decoded_len`] bytes) under the rules of
/// [`B64`]: alphabet, no padding, zero trailing bits. The same verdicts as the `base64` engine
/// (a test compares them), without its general machinery on short inputs.
fn decode_into(text: &[u8], out: &mut [u8]) -> Option<()> {
    let value = |symbol: u8| u32::from(DECODE[usize::from(symbol)]);
    let mut chunks = text.chunks_exact(4);
    let mut blocks = out.chunks_exact_mut(3);
    // Invalid symbols are collected over the whole text and checked once, after the loop.
    let mut invalid = 0;
    for (chunk, block) in (&mut chunks).zip(&mut blocks) {
        let (a, b, c, d) = (
            value(chunk[0]),
            value(chunk[1]),
            value(chunk[2]),
            value(chunk[3]),
        );
        invalid |= a | b | c | d;
        let bits = a << 18 | b << 12 | c << 6 | d;
        block.copy_from_slice(&bits.to_be_bytes()[1..]);
    }
    if invalid & 0x80 != 0 {
        return None;
    }
    let at = text.len() / 4 * 3;
    match *chunks.remainder() {
        [] => {}
        [a, b] => {
            let (a, b) = (value(a), value(b));
            if (a | b) & 0x80 != 0 || b & 0x0f != 0 {
                return None;
            }
            out[at] = (a << 18 | b << 12).to_be_bytes()[1];
        }
        [a, b, c] => {
            let (a, b, c) = (value(a), value(b), value(c));
            if (a | b | c) & 0x80 != 0 || c & 0x03 != 0 {
                return None;
            }
            let bits = a << 18 | b << 12 | c << 6;
            out[at..at + 2].copy_from_slice(&bits.to_be_bytes()[1..3]);
        }
        _ => return None,
    }
    Some(())
}

/// Decoded bytes: on the stack when they fit in `N` bytes, else on the heap.
pub(crate) enum Decoded<const N: usize> {
    Stack([u8; N], usize),
    Heap(Vec<u8>),
    /// Known in advance (no decoding took place).
    Static(&'static [u8]),
}

impl<const N: usize> Deref for Decoded<N> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Decoded::Stack(bytes, len) => &bytes[..*len],
            Decoded::Heap(bytes) => bytes,
            Decoded::Static(bytes) => bytes,
        }
    }
}

impl<const N: usize> Decoded<N> {
    pub(crate) fn into_vec(self) -> Vec<u8> {
        match self {
            Decoded::Stack(bytes, len) => bytes[..len].to_vec(),
            Decoded::Heap(bytes) => bytes,
            Decoded::Static(bytes) => bytes.to_vec(),
        }
    }
}

/// [`b64_decode`] without an allocation when the result fits in `N` bytes; the same rules.
pub(crate) fn b64_decode_small<const N: usize>(
    text: &str,
    part: Part,
) -> Result<Decoded<N>, Error> {
    let len = decoded_len(text).ok_or(Error::Base64 { part })?;
    if len > N {
        return b64_decode(text, part).map(Decoded::Heap);
    }
    let mut bytes = [0u8; N];
    decode_into(text.as_bytes(), &mut bytes[..len]).ok_or(Error::Base64 { part })?;
    Ok(Decoded::Stack(bytes, len))
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

/// A member value of a top-level object: a string borrowed from the input where it has no
/// escapes, anything else as a (strictly parsed) JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Member<'de> {
    Str(Cow<'de, str>),
    Value(Value),
}

impl Member<'_> {
    pub(crate) fn into_value(self) -> Value {
        match self {
            Member::Str(text) => Value::String(text.into_owned()),
            Member::Value(value) => value,
        }
    }
}

/// Parses `bytes` as exactly one JSON value under the same rules, `None` if it breaks any.
pub(crate) fn parse_value_strict(bytes: &[u8]) -> Option<Value> {
    let duplicate = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Strict {
        duplicate: &duplicate,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value))
    .ok()
}

/// The members of one JSON object, in document order, no name twice.
pub(crate) type Members<'de> = Vec<(Cow<'de, str>, Member<'de>)>;

/// [`parse_object`] for callers that read a few members: the same rules and errors, but names
/// and plain strings are borrowed from `bytes` and no map is built.
///
/// The reference for [`crate::members::parse_members`], which reads the common shape faster
/// and comes here for everything else.
pub(crate) fn parse_members_strict(bytes: &[u8], part: Part) -> Result<Members<'_>, Error> {
    let duplicate = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = TopLevel {
        duplicate: &duplicate,
    }
    .deserialize(&mut de)
    .and_then(|members| de.end().map(|()| members));
    match parsed {
        Ok(Some(members)) => Ok(members),
        Ok(None) => Err(Error::NotObject { part }),
        Err(err) => match duplicate.take() {
            Some(key) => Err(Error::DuplicateKey { part, key }),
            None => Err(Error::Json {
                part,
                reason: err.to_string(),
            }),
        },
    }
}

/// Above this many members, repeated names are found with a set rather than a scan.
const SCAN_LIMIT: usize = 16;

/// The top level of [`parse_members`]: an object's members, or `None` for any other JSON value
/// (read through to its end with the same strictness).
#[derive(Clone, Copy)]
struct TopLevel<'a> {
    duplicate: &'a Cell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for TopLevel<'_> {
    type Value = Option<Members<'de>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = Option<Members<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a json value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let strict = Strict {
            duplicate: self.duplicate,
        };
        strict.visit_seq(seq).map(|_| None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let strict = Strict {
            duplicate: self.duplicate,
        };
        let mut members: Members<'de> = Vec::with_capacity(8);
        let mut seen: Option<BTreeSet<Cow<'de, str>>> = None;
        while let Some(key) = access.next_key_seed(Name)? {
            let repeated = match &mut seen {
                Some(seen) => !seen.insert(key.clone()),
                // Most claim names are three letters long: look at the first byte before
                // comparing whole names.
                None => members.iter().any(|(name, _)| {
                    name.as_bytes().first() == key.as_bytes().first() && *name == key
                }),
            };
            if repeated {
                let message = format!("duplicate key {key:?}");
                self.duplicate.set(Some(key.into_owned()));
                return Err(de::Error::custom(message));
            }
            if seen.is_none() && members.len() == SCAN_LIMIT {
                let mut set: BTreeSet<_> = members.iter().map(|(name, _)| name.clone()).collect();
                set.insert(key.clone());
                seen = Some(set);
            }
            let value = access.next_value_seed(MemberSeed(strict))?;
            members.push((key, value));
        }
        Ok(Some(members))
    }
}

/// A member name, borrowed unless it has escapes.
struct Name;

impl<'de> DeserializeSeed<'de> for Name {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// A member value: strings borrowed where possible, the rest through [`Strict`].
struct MemberSeed<'a>(Strict<'a>);

impl<'de> DeserializeSeed<'de> for MemberSeed<'_> {
    type Value = Member<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MemberSeed<'_> {
    type Value = Member<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a json value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Owned(v)))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Member::Value(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Member::Value(Value::Number(v.into())))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Member::Value(Value::Number(v.into())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.0.visit_f64(v).map(Member::Value)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Member::Value(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.visit_seq(seq).map(Member::Value)
    }

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Self::Value, A::Error> {
        self.0.visit_map(access).map(Member::Value)
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
    fn base64_decoder_agrees_with_the_engine() {
        // Every string of up to 5 symbols over valid symbols of each trailing-bit class and
        // a sample of invalid bytes, then round trips of every length up to 64 bytes.
        let symbols = [
            b'A', b'B', b'Q', b'g', b'w', b'-', b'_', b'=', b'+', b'/', b' ', 0xc3,
        ];
        let mut texts = vec![Vec::new()];
        for _ in 0..5 {
            let longer: Vec<Vec<u8>> = texts
                .iter()
                .filter(|text| text.len() == texts.last().map_or(0, Vec::len))
                .flat_map(|text| {
                    symbols.iter().map(move |symbol| {
                        let mut next = text.clone();
                        next.push(*symbol);
                        next
                    })
                })
                .collect();
            texts.extend(longer);
        }
        for text in &texts {
            let Ok(text) = std::str::from_utf8(text) else {
                continue;
            };
            let ours = b64_decode(text, Part::Payload).ok();
            assert_eq!(ours, B64.decode(text).ok(), "{text:?}");
            let small = b64_decode_small::<2>(text, Part::Payload).ok();
            assert_eq!(small.as_deref(), ours.as_deref(), "{text:?}");
        }
        let bytes: Vec<u8> = (0..64u8).map(|n| n.wrapping_mul(151) ^ 0x5a).collect();
        for len in 0..=bytes.len() {
            let text = b64_encode(&bytes[..len]);
            assert_eq!(
                b64_decode(&text, Part::Payload).as_deref(),
                Ok(&bytes[..len])
            );
        }
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
