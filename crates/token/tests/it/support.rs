//! Helpers shared by the test modules: the published-vector folder, fixed keys and token
//! surgery.

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::Value;
use watchword_token::{Claims, Ed25519SigningKey, HmacKey, KeyRing, SigningKey, UnixTime};

/// The verification time used throughout.
pub(crate) const NOW: UnixTime = UnixTime(1_700_000_000);

pub(crate) use watchword_testkit::{hex, load_vectors};

pub(crate) fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text)
        .expect("test input is base64url")
}

/// The string member `name` of a JSON object.
pub(crate) fn text<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} is not a string in {value}"))
}

pub(crate) fn hs256() -> HmacKey {
    HmacKey::hs256(b"an hs256 secret of 32 bytes!!!!!").expect("32 bytes")
}

pub(crate) fn hs512() -> HmacKey {
    HmacKey::hs512(&[0x5a; 64]).expect("64 bytes")
}

pub(crate) fn ed25519() -> Ed25519SigningKey {
    Ed25519SigningKey::from_seed(&[7; 32])
}

/// A ring holding [`ed25519`] under kid `"ed"`.
pub(crate) fn ed_ring() -> KeyRing {
    let mut ring = KeyRing::new();
    ring.add_signing_key("ed", ed25519()).expect("fresh ring");
    ring
}

/// Claims valid at [`NOW`] for 10 minutes.
pub(crate) fn claims() -> Claims {
    let mut claims = Claims::new(NOW.plus(600));
    claims.iat = Some(NOW);
    claims.sub = Some("user-1".to_owned());
    claims
}

/// Builds a token from exact header and payload text, signed by `key` over the signing input
/// whatever the header says (the way an attacker would).
pub(crate) fn forge(header: &str, payload: &str, key: &SigningKey) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let signature = match key {
        SigningKey::Hmac(key) => key.mac(input.as_bytes()),
        SigningKey::Ed25519(key) => key.sign_message(input.as_bytes()).to_vec(),
        _ => unreachable!("no other key kinds"),
    };
    format!("{input}.{}", b64(signature))
}

/// The three segments of a token.
pub(crate) fn segments(token: &str) -> [&str; 3] {
    let parts: Vec<&str> = token.split('.').collect();
    parts.try_into().expect("three segments")
}

/// Re-spells the signature of `token` in the standard alphabet (`+`, `/`), or `None` if it has
/// neither `-` nor `_`.
pub(crate) fn standard_alphabet(token: &str) -> Option<String> {
    let [header, payload, signature] = segments(token);
    let spelled = STANDARD_NO_PAD.encode(unb64(signature));
    (spelled != signature).then(|| format!("{header}.{payload}.{spelled}"))
}

/// Sets the lowest unused bit of a 43-character signature (a 32-byte tag carries 258 bits for
/// 256). The tag decodes to the same bytes, so only the canonical-encoding rule refuses it.
pub(crate) fn set_trailing_bit(token: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let [header, payload, signature] = segments(token);
    assert_eq!(signature.len(), 43, "a 32-byte tag");
    let last = signature.as_bytes()[42];
    let value = ALPHABET
        .iter()
        .position(|c| *c == last)
        .expect("base64url character");
    assert_eq!(
        value & 0b11,
        0,
        "unused bits are zero in a canonical encoding"
    );
    format!(
        "{header}.{payload}.{}{}",
        &signature[..42],
        char::from(ALPHABET[value | 1])
    )
}
