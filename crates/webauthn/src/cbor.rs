//! A small strict CBOR decoder ([RFC 8949]) for what WebAuthn carries: attestation objects,
//! attestation statements, credential public keys (COSE_Key) and authenticator extensions.
//!
//! The WebAuthn structures are CTAP2-canonical ([WebAuthn §6.5]), so the decoder refuses what
//! the canonical form never holds and what an attacker would use to stretch a parser:
//! indefinite lengths, tags, floating-point numbers, `undefined` and other simple values,
//! text that is not UTF-8, and a map that repeats a key. Nesting deeper than [`MAX_DEPTH`],
//! arrays and maps longer than [`MAX_LEN`] items, and lengths beyond the input are refused
//! before anything is allocated. It never panics.
//!
//! Integers are not required to be in their shortest form and map keys not in canonical order:
//! neither changes what a signature covers (signatures are over the bytes as sent), and
//! authenticators in the field are known to get both wrong.
//!
//! [RFC 8949]: https://www.rfc-editor.org/rfc/rfc8949
//! [WebAuthn §6.5]: https://www.w3.org/TR/webauthn-3/#sctn-attestation

/// Deepest nesting accepted (a COSE key inside an attestation object is depth 3).
pub(crate) const MAX_DEPTH: usize = 16;
/// Most items accepted in one array or map.
pub(crate) const MAX_LEN: u64 = 256;

/// A decoded CBOR data item borrowing its bytes and text from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    /// Major type 0.
    Unsigned(u64),
    /// Major type 1: the value is `-1 - n`.
    Negative(u64),
    /// Major type 2.
    Bytes(&'a [u8]),
    /// Major type 3, valid UTF-8.
    Text(&'a str),
    /// Major type 4.
    Array(Vec<Value<'a>>),
    /// Major type 5, keys distinct, in the order sent.
    Map(Vec<(Value<'a>, Value<'a>)>),
    /// `false` or `true`.
    Bool(bool),
    /// `null`.
    Null,
}

impl<'a> Value<'a> {
    /// The integer value, when it fits an `i64`.
    pub(crate) fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Unsigned(n) => i64::try_from(n).ok(),
            // -1 - n >= i64::MIN  <=>  n <= i64::MAX
            Value::Negative(n) => i64::try_from(n).ok().map(|n| -1 - n),
            _ => None,
        }
    }

    pub(crate) fn as_bytes(&self) -> Option<&'a [u8]> {
        match *self {
            Value::Bytes(bytes) => Some(bytes),
            _ => None,
        }
    }

    pub(crate) fn as_text(&self) -> Option<&'a str> {
        match *self {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    pub(crate) fn as_map(&self) -> Option<&[(Value<'a>, Value<'a>)]> {
        match self {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub(crate) fn as_array(&self) -> Option<&[Value<'a>]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }
}

/// Why a CBOR input was refused, and at which byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CborError {
    pub(crate) reason: &'static str,
    pub(crate) offset: usize,
}

/// Decodes exactly one data item that spans the whole input.
pub(crate) fn decode(data: &[u8]) -> Result<Value<'_>, CborError> {
    let (value, used) = decode_prefix(data)?;
    if used != data.len() {
        return Err(CborError {
            reason: "trailing bytes after the data item",
            offset: used,
        });
    }
    Ok(value)
}

/// Decodes one data item at the start of the input; returns it and the bytes it used.
pub(crate) fn decode_prefix(data: &[u8]) -> Result<(Value<'_>, usize), CborError> {
    let mut decoder = Decoder { data, pos: 0 };
    let value = decoder.item(0)?;
    Ok((value, decoder.pos))
}

struct Decoder<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    fn error(&self, reason: &'static str) -> CborError {
        CborError {
            reason,
            offset: self.pos,
        }
    }

    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], CborError> {
        if len > self.remaining() {
            return Err(self.error("truncated"));
        }
        let bytes = &self.data[self.pos..self.pos + len];
        self.pos += len;
        Ok(bytes)
    }

    /// Reads an initial byte and its argument: `(major type, additional info, argument)`.
    fn head(&mut self) -> Result<(u8, u8, u64), CborError> {
        let initial = self.take(1)?[0];
        let (major, info) = (initial >> 5, initial & 0x1f);
        let argument = match info {
            0..=23 => u64::from(info),
            24..=27 => {
                let width = 1usize << (info - 24);
                self.take(width)?
                    .iter()
                    .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
            }
            28..=30 => return Err(self.error("reserved additional information")),
            _ => return Err(self.error("indefinite length")),
        };
        Ok((major, info, argument))
    }

    /// A length argument as `usize`, no larger than what the input could still hold when each
    /// element takes at least `min_bytes`.
    fn length(&self, argument: u64, min_bytes: usize) -> Result<usize, CborError> {
        usize::try_from(argument)
            .ok()
            .filter(|&len| len.saturating_mul(min_bytes) <= self.remaining())
            .ok_or_else(|| self.error("length beyond the input"))
    }

    fn item(&mut self, depth: usize) -> Result<Value<'a>, CborError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let start = self.pos;
        let (major, info, argument) = self.head()?;
        match major {
            0 => Ok(Value::Unsigned(argument)),
            1 => Ok(Value::Negative(argument)),
            2 => {
                let len = self.length(argument, 1)?;
                Ok(Value::Bytes(self.take(len)?))
            }
            3 => {
                let len = self.length(argument, 1)?;
                let bytes = self.take(len)?;
                core::str::from_utf8(bytes)
                    .map(Value::Text)
                    .map_err(|_| CborError {
                        reason: "text string is not utf-8",
                        offset: start,
                    })
            }
            4 => {
                if argument > MAX_LEN {
                    return Err(self.error("array too long"));
                }
                let len = self.length(argument, 1)?;
                let mut items = Vec::with_capacity(len);
                for _ in 0..len {
                    items.push(self.item(depth + 1)?);
                }
                Ok(Value::Array(items))
            }
            5 => {
                if argument > MAX_LEN {
                    return Err(self.error("map too long"));
                }
                let len = self.length(argument, 2)?;
                let mut entries: Vec<(Value<'a>, Value<'a>)> = Vec::with_capacity(len);
                for _ in 0..len {
                    let key_offset = self.pos;
                    let key = self.item(depth + 1)?;
                    if entries.iter().any(|(seen, _)| *seen == key) {
                        return Err(CborError {
                            reason: "duplicate map key",
                            offset: key_offset,
                        });
                    }
                    let value = self.item(depth + 1)?;
                    entries.push((key, value));
                }
                Ok(Value::Map(entries))
            }
            6 => Err(CborError {
                reason: "tags are not accepted",
                offset: start,
            }),
            _ => match info {
                20 => Ok(Value::Bool(false)),
                21 => Ok(Value::Bool(true)),
                22 => Ok(Value::Null),
                25..=27 => Err(CborError {
                    reason: "floating-point numbers are not accepted",
                    offset: start,
                }),
                _ => Err(CborError {
                    reason: "simple value not accepted",
                    offset: start,
                }),
            },
        }
    }
}

/// The value of the entry whose key is the integer `key`.
pub(crate) fn get_int<'m, 'a>(
    map: &'m [(Value<'a>, Value<'a>)],
    key: i64,
) -> Option<&'m Value<'a>> {
    map.iter()
        .find(|(k, _)| k.as_i64() == Some(key))
        .map(|(_, v)| v)
}

/// The value of the entry whose key is the text `key`.
pub(crate) fn get_text<'m, 'a>(
    map: &'m [(Value<'a>, Value<'a>)],
    key: &str,
) -> Option<&'m Value<'a>> {
    map.iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_basic_items() {
        assert_eq!(decode(&[0x17]), Ok(Value::Unsigned(23)));
        assert_eq!(decode(&[0x18, 0xff]), Ok(Value::Unsigned(255)));
        assert_eq!(decode(&[0x26]).map(|v| v.as_i64()), Ok(Some(-7)));
        assert_eq!(
            decode(&[0x39, 0x01, 0x00]).map(|v| v.as_i64()),
            Ok(Some(-257))
        );
        assert_eq!(decode(&[0x42, 1, 2]), Ok(Value::Bytes(&[1, 2])));
        assert_eq!(decode(&[0x62, b'h', b'i']), Ok(Value::Text("hi")));
        assert_eq!(decode(&[0xf4]), Ok(Value::Bool(false)));
        assert_eq!(decode(&[0xf6]), Ok(Value::Null));
        assert_eq!(
            decode(&[0xa1, 0x01, 0x02]),
            Ok(Value::Map(vec![(Value::Unsigned(1), Value::Unsigned(2))]))
        );
    }

    #[test]
    fn largest_negative_fits_i64_and_one_more_does_not() {
        let mut data = vec![0x3b];
        data.extend_from_slice(&(i64::MAX as u64).to_be_bytes());
        assert_eq!(decode(&data).map(|v| v.as_i64()), Ok(Some(i64::MIN)));
        let mut data = vec![0x3b];
        data.extend_from_slice(&(1u64 << 63).to_be_bytes());
        assert_eq!(decode(&data).map(|v| v.as_i64()), Ok(None));
    }

    #[test]
    fn refuses_what_canonical_cbor_never_holds() {
        for (data, reason) in [
            (&[0x5f, 0xff][..], "indefinite length"),
            (&[0x9f, 0xff][..], "indefinite length"),
            (&[0xc0, 0x00][..], "tags are not accepted"),
            (&[0xf9, 0, 0][..], "floating-point numbers are not accepted"),
            (&[0xf7][..], "simple value not accepted"),
            (&[0x1c][..], "reserved additional information"),
            (&[0x62, 0xff, 0xfe][..], "text string is not utf-8"),
            (&[0xa2, 0x01, 0x00, 0x01, 0x00][..], "duplicate map key"),
            (&[0x00, 0x00][..], "trailing bytes after the data item"),
            (
                &[0x5a, 0xff, 0xff, 0xff, 0xff][..],
                "length beyond the input",
            ),
            (&[0x9b, 0, 0, 0, 0, 0, 0, 1, 1][..], "array too long"),
        ] {
            assert_eq!(
                decode(data).map_err(|e| e.reason),
                Err(reason),
                "{data:02x?}"
            );
        }
    }

    #[test]
    fn refuses_deep_nesting() {
        let data = vec![0x81; MAX_DEPTH + 2];
        assert_eq!(
            decode(&data).map_err(|e| e.reason),
            Err("nested too deeply")
        );
    }
}
