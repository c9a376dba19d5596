//! A CBOR encoder for building test inputs, including ones the decoder must refuse.
// Test input is small: every cast below is guarded by a range or a length check.
#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

/// A CBOR data item to encode.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum C {
    Int(i64),
    Bytes(Vec<u8>),
    Text(String),
    Array(Vec<C>),
    Map(Vec<(C, C)>),
    Bool(bool),
}

pub(crate) fn int(value: i64) -> C {
    C::Int(value)
}

pub(crate) fn bytes(value: impl AsRef<[u8]>) -> C {
    C::Bytes(value.as_ref().to_vec())
}

pub(crate) fn text(value: &str) -> C {
    C::Text(value.to_owned())
}

pub(crate) fn map(entries: Vec<(C, C)>) -> C {
    C::Map(entries)
}

fn head(out: &mut Vec<u8>, major: u8, argument: u64) {
    let major = major << 5;
    if argument < 24 {
        out.push(major | argument as u8);
    } else if argument <= 0xff {
        out.extend_from_slice(&[major | 0x18, argument as u8]);
    } else if argument <= 0xffff {
        out.push(major | 0x19);
        out.extend_from_slice(&(argument as u16).to_be_bytes());
    } else if argument <= 0xffff_ffff {
        out.push(major | 0x1a);
        out.extend_from_slice(&(argument as u32).to_be_bytes());
    } else {
        out.push(major | 0x1b);
        out.extend_from_slice(&argument.to_be_bytes());
    }
}

impl C {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            C::Int(v) if *v >= 0 => head(out, 0, *v as u64),
            C::Int(v) => head(out, 1, (-1 - *v) as u64),
            C::Bytes(b) => {
                head(out, 2, b.len() as u64);
                out.extend_from_slice(b);
            }
            C::Text(t) => {
                head(out, 3, t.len() as u64);
                out.extend_from_slice(t.as_bytes());
            }
            C::Array(items) => {
                head(out, 4, items.len() as u64);
                for item in items {
                    item.write(out);
                }
            }
            C::Map(entries) => {
                head(out, 5, entries.len() as u64);
                for (k, v) in entries {
                    k.write(out);
                    v.write(out);
                }
            }
            C::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        }
    }

    /// Sets (or adds) the entry of a map whose key is `key`.
    pub(crate) fn set(&mut self, key: C, value: C) {
        let C::Map(entries) = self else {
            panic!("not a map")
        };
        match entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => entries.push((key, value)),
        }
    }

    /// Removes the entry of a map whose key is `key`.
    pub(crate) fn remove(&mut self, key: &C) {
        let C::Map(entries) = self else {
            panic!("not a map")
        };
        entries.retain(|(k, _)| k != key);
    }
}
