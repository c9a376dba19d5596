//! Arbitrary bytes as a registration response (JSON) verified for a fixed relying party and
//! challenge. The harness panics if an accepted registration lacks the challenge, origin, RP ID
//! hash or UP, or reports a credential id other than `rawId`. Seeds:
//! `fuzz/seeds/webauthn_verify_registration/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _verdict = watchword_webauthn::fuzzing::verify_registration(data);
});
