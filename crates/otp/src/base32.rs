//! Base32 with the RFC 4648 §6 alphabet (`A`–`Z`, `2`–`7`), as key URIs carry secrets.
//!
//! [`encode`] writes upper case without padding, the form authenticator apps expect.
//! [`decode`] accepts either case and optional padding, and is otherwise strict: no whitespace
//! or separators, padding only as RFC 4648 §6 lays it out, no impossible lengths, and the
//! unused low bits of the last character must be zero (§3.5), so each byte string has exactly
//! one unpadded encoding per case.
//!
//! [RFC 4648 §6]: https://www.rfc-editor.org/rfc/rfc4648#section-6

use crate::Error;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Encodes `bytes` as upper-case base32 without padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    for chunk in bytes.chunks(5) {
        let mut block = [0u8; 5];
        block[..chunk.len()].copy_from_slice(chunk);
        let bits = block
            .iter()
            .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
        // 8 bits per byte, 5 per character, rounded up.
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..chars {
            let index = (bits >> (35 - 5 * i)).to_le_bytes()[0] & 0x1f;
            out.push(char::from(ALPHABET[usize::from(index)]));
        }
    }
    out
}

/// Decodes base32 in either case, with or without padding.
///
/// # Errors
///
/// [`Error::Base32`] for a character outside the alphabet, misplaced or miscounted padding, a
/// length no encoder produces, or non-zero unused bits in the last character.
pub fn decode(text: &str) -> Result<Vec<u8>, Error> {
    let bytes = text.as_bytes();
    let unpadded = strip_padding(bytes)?;
    // Characters left over after whole 8-character blocks: 2, 4, 5 or 7 carry 1–4 bytes.
    let tail = unpadded.len() % 8;
    if matches!(tail, 1 | 3 | 6) {
        return Err(Error::Base32 {
            reason: "impossible length",
        });
    }
    let mut out = Vec::with_capacity(unpadded.len() * 5 / 8);
    let mut buffer = 0u32;
    let mut held = 0u32;
    for &c in unpadded {
        let value = symbol_value(c).ok_or(Error::Base32 {
            reason: "character outside the base32 alphabet",
        })?;
        buffer = (buffer << 5) | u32::from(value);
        held += 5;
        if held >= 8 {
            held -= 8;
            // At most 12 bits are held, so the shifted value fits a byte.
            out.push((buffer >> held).to_le_bytes()[0]);
        }
        buffer &= (1 << held) - 1;
    }
    if buffer != 0 {
        return Err(Error::Base32 {
            reason: "non-zero trailing bits",
        });
    }
    Ok(out)
}

/// Returns `bytes` without its padding, checking that any padding is exactly what RFC 4648
/// puts after the final characters.
fn strip_padding(bytes: &[u8]) -> Result<&[u8], Error> {
    let data_len = bytes
        .iter()
        .rposition(|c| *c != b'=')
        .map_or(0, |last| last + 1);
    let pad = bytes.len() - data_len;
    if pad == 0 {
        return Ok(bytes);
    }
    // Padding completes the last 8-character block: 6, 4, 3 or 1 `=` after 2, 4, 5 or 7
    // characters.
    let expected_pad = match data_len % 8 {
        2 => 6,
        4 => 4,
        5 => 3,
        7 => 1,
        _ => 0,
    };
    if data_len == 0 || pad != expected_pad {
        return Err(Error::Base32 {
            reason: "padding does not complete the last block",
        });
    }
    Ok(&bytes[..data_len])
}

fn symbol_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a'),
        b'2'..=b'7' => Some(c - b'2' + 26),
        _ => None,
    }
}
