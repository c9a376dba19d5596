//! Arbitrary bytes as `clientDataJSON`, including the Secure Payment Confirmation `payment`
//! member. The harness panics if parsing is not deterministic. Seeds:
//! `fuzz/seeds/webauthn_client_data/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _parsed = watchword_webauthn::fuzzing::client_data(data);
});
