//! Arbitrary bytes as a JWK Set: parsing must not panic, and a set that parses must write out
//! and parse back to the same keys.
#![no_main]

use libfuzzer_sys::fuzz_target;
use watchword_token::Jwks;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = Jwks::from_json(text) else {
        return;
    };
    let written = set.to_json();
    let again = Jwks::from_json(&written).expect("a written set parses");
    assert_eq!(again.skipped(), 0, "only usable keys are written");
    assert_eq!(again.to_json(), written, "writing is stable");
    let kids = |set: &Jwks| {
        set.keys()
            .iter()
            .map(|key| key.kid().map(str::to_owned))
            .collect::<Vec<_>>()
    };
    assert_eq!(kids(&again), kids(&set));
    let value: serde_json::Value = serde_json::from_str(&written).expect("valid json");
    assert_eq!(
        value["keys"].as_array().map(Vec::len),
        Some(set.keys().len())
    );
});
