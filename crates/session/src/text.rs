//! What the two OrangeCheck texts share: `key: value` lines ending in one line feed, and the
//! characters a value may hold.

use crate::error::{Error, TextKind};

/// Which characters a value may hold: always printable ASCII, never a line break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    /// No space, no comma: addresses, identity parts.
    Word,
    /// Spaces inside (not at either end), no comma: labels such as a challenge purpose.
    Phrase,
    /// Spaces inside and commas: attestation extension values, some of which are lists.
    List,
}

/// Checks a value that goes on a line of its own, or into a comma-separated list.
///
/// The order of the checks decides which error a value with several faults gets: a line break
/// first, because it is the attack (a forged line), then a comma (a forged list item).
pub(crate) fn check_value(
    field: &str,
    value: &str,
    max: usize,
    charset: Charset,
) -> Result<(), Error> {
    let field = || field.to_owned();
    if value.contains(['\n', '\r']) {
        return Err(Error::Newline { field: field() });
    }
    if charset != Charset::List && value.contains(',') {
        return Err(Error::Comma { field: field() });
    }
    if value.is_empty() {
        return Err(Error::Empty { field: field() });
    }
    if value.len() > max {
        return Err(Error::ValueTooLong {
            field: field(),
            len: value.len(),
            max,
        });
    }
    let allowed = |c: char| c.is_ascii_graphic() || (c == ' ' && charset != Charset::Word);
    if let Some(found) = value.chars().find(|c| !allowed(*c)) {
        return Err(Error::Character {
            field: field(),
            found,
        });
    }
    if value.starts_with(' ') || value.ends_with(' ') {
        return Err(Error::Space { field: field() });
    }
    Ok(())
}

/// Splits a whole text into its lines after checking the length, the absence of carriage
/// returns, and the single trailing line feed.
pub(crate) fn lines(kind: TextKind, text: &str, max: usize) -> Result<Vec<&str>, Error> {
    if text.len() > max {
        return Err(Error::TooLong {
            kind,
            len: text.len(),
            max,
        });
    }
    if text.contains('\r') {
        return Err(Error::CarriageReturn { kind });
    }
    match text.strip_suffix('\n') {
        Some(body) if !body.ends_with('\n') && !body.is_empty() => Ok(body.split('\n').collect()),
        _ => Err(Error::TrailingNewline { kind }),
    }
}

/// Splits line number `line` (1-based) at its first `": "`.
pub(crate) fn key_value(kind: TextKind, line: usize, text: &str) -> Result<(&str, &str), Error> {
    text.split_once(": ")
        .ok_or(Error::MissingSeparator { kind, line })
}

/// Checks the header line.
pub(crate) fn header(kind: TextKind, first: &str, expected: &'static str) -> Result<(), Error> {
    if first == expected {
        Ok(())
    } else {
        Err(Error::Header {
            kind,
            expected,
            found: first.chars().take(64).collect(),
        })
    }
}

/// Reads the fixed core lines in order: returns their values, or the first rule the text
/// breaks. `lines` starts after the header (line 1). `known` says whether a key exists in the
/// text at all (core or extension), to tell a key out of place from an unknown one.
pub(crate) fn core_lines<'a, const N: usize>(
    kind: TextKind,
    lines: &[&'a str],
    keys: [&'static str; N],
    known: impl Fn(&str) -> bool,
) -> Result<[&'a str; N], Error> {
    let mut values = [""; N];
    for (index, expected) in keys.into_iter().enumerate() {
        let line = index + 2;
        let Some(text) = lines.get(index) else {
            return Err(Error::MissingLine {
                kind,
                key: expected,
            });
        };
        let (key, value) = key_value(kind, line, text)?;
        if key != expected {
            let found = key.to_owned();
            return Err(if keys[..index].contains(&key) {
                Error::DuplicateKey { kind, key: found }
            } else if known(key) {
                Error::LineOrder {
                    kind,
                    line,
                    expected,
                    found,
                }
            } else {
                Error::UnknownKey { kind, key: found }
            });
        }
        values[index] = value;
    }
    Ok(values)
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// Reads exactly `N` bytes of lower-case hex.
pub(crate) fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != 2 * N {
        return None;
    }
    let value = |digit: u8| match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    };
    let mut bytes = [0; N];
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = value(pair[0])? << 4 | value(pair[1])?;
    }
    Some(bytes)
}
