//! Arbitrary bytes as WebAuthn authenticator data. The harness panics if a parse does not
//! encode back to the input, or if the attested credential data or extensions disagree with
//! the AT and ED flags. Seeds: `fuzz/seeds/webauthn_authenticator_data/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _parsed = watchword_webauthn::fuzzing::authenticator_data(data);
});
