//! RFC 4648 §6 base32: the §10 test vectors, round trips, and every rejection rule.

use proptest::prelude::*;
use watchword_otp::{base32, Error};

/// RFC 4648 §10, with the padding the RFC shows.
const RFC4648: [(&str, &str); 7] = [
    ("", ""),
    ("f", "MY======"),
    ("fo", "MZXQ===="),
    ("foo", "MZXW6==="),
    ("foob", "MZXW6YQ="),
    ("fooba", "MZXW6YTB"),
    ("foobar", "MZXW6YTBOI======"),
];

#[test]
fn rfc4648_section_10_vectors() {
    for (plain, padded) in RFC4648 {
        let unpadded = padded.trim_end_matches('=');
        assert_eq!(base32::encode(plain.as_bytes()), unpadded, "{plain:?}");
        for spelling in [
            padded.to_owned(),
            unpadded.to_owned(),
            padded.to_ascii_lowercase(),
            unpadded.to_ascii_lowercase(),
        ] {
            assert_eq!(
                base32::decode(&spelling).as_deref(),
                Ok(plain.as_bytes()),
                "{spelling:?}"
            );
        }
    }
}

fn check_rejected(text: &str, reason: &str) {
    assert_eq!(
        base32::decode(text),
        Err(Error::Base32 {
            reason: match reason {
                "alphabet" => "character outside the base32 alphabet",
                "length" => "impossible length",
                "padding" => "padding does not complete the last block",
                "bits" => "non-zero trailing bits",
                _ => unreachable!(),
            }
        }),
        "{text:?}"
    );
}

#[test]
fn rejects() {
    for (text, reason) in [
        // Outside the alphabet: digits 0, 1, 8, 9, base64 symbols, whitespace, separators.
        ("MZXW6YT0", "alphabet"),
        ("MZXW6YT1", "alphabet"),
        ("MZXW6YT8", "alphabet"),
        ("MZXW6YT9", "alphabet"),
        ("MZXW6YT+", "alphabet"),
        ("MZXW 6YT", "alphabet"),
        ("MZXW-6YT", "alphabet"),
        ("MZXW6YT\n", "alphabet"),
        ("MZXW6YÉ", "alphabet"),
        ("MY======MZXQ====", "alphabet"),
        ("M=YA", "alphabet"),
        // Lengths no encoder produces.
        ("M", "length"),
        ("MZX", "length"),
        ("MZXW6Y", "length"),
        ("MZXW6YTBO", "length"),
        // Padding that does not complete the block, or pads nothing.
        ("MY=====", "padding"),
        ("MY=======", "padding"),
        ("MZXW6YQ==", "padding"),
        ("MZXW6YTB========", "padding"),
        ("========", "padding"),
        ("=", "padding"),
        ("M=======", "padding"),
        // Unused low bits set: "MZ" decodes to 'f' with a stray bit.
        ("MZ", "bits"),
        ("MZXR", "bits"),
        ("MZXW7", "bits"),
        ("MZXW6YR", "bits"),
    ] {
        check_rejected(text, reason);
    }
}

proptest! {
    #[test]
    fn round_trip(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
        let text = base32::encode(&bytes);
        prop_assert!(text.bytes().all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));
        prop_assert_eq!(text.len(), (bytes.len() * 8).div_ceil(5));
        prop_assert_eq!(base32::decode(&text), Ok(bytes.clone()));
        prop_assert_eq!(base32::decode(&text.to_ascii_lowercase()), Ok(bytes.clone()));
        let padded = format!("{text}{}", "=".repeat((8 - text.len() % 8) % 8));
        prop_assert_eq!(base32::decode(&padded), Ok(bytes));
    }

    #[test]
    fn decoding_is_canonical(text in "[A-Za-z2-7=]{0,24}") {
        // Whatever decodes re-encodes to its own upper-case unpadded spelling: one encoding per
        // byte string, so no two spellings of a secret can compare differently.
        if let Ok(bytes) = base32::decode(&text) {
            prop_assert_eq!(base32::encode(&bytes), text.trim_end_matches('=').to_ascii_uppercase());
        }
    }
}
