//! Helpers shared by the test modules: published vectors (through `watchword-testkit`), seeded
//! RNGs, fixed secrets, the stored form of a pairing.

use serde_json::Value;
use watchword_otp::{Pairing, Secret};

pub(crate) use watchword_testkit::load_vectors;

/// The string member `name` of a JSON object.
pub(crate) fn text<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} is not a string in {value}"))
}

pub(crate) use watchword_testkit::{ScriptedRng, TestRng};

/// The RFC 4226 / RFC 6238 SHA-1 secret, ASCII `12345678901234567890` (20 bytes).
pub(crate) fn rfc_secret() -> Secret {
    Secret::new(b"12345678901234567890").expect("20 bytes")
}

/// Stores a pairing state as the server does (JSON bytes) and reads it back.
pub(crate) fn reload(state: &Pairing) -> Pairing {
    let bytes = serde_json::to_vec(state).expect("state serializes");
    serde_json::from_slice(&bytes).expect("state deserializes")
}
