//! Arbitrary bytes as an assertion for a fixed Ed25519 credential, or (odd first byte) as the
//! flags, counter and tampering of an assertion the harness signs itself. The harness panics
//! if an accepted assertion's signature, challenge, counter or UP is wrong, or a signed one's
//! verdict is not what the rules give. Seeds: `fuzz/seeds/webauthn_verify_authentication/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _verdict = watchword_webauthn::fuzzing::verify_authentication(data);
});
