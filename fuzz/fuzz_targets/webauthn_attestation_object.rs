//! Arbitrary bytes as a WebAuthn attestation object: the strict CBOR decoder, authenticator
//! data and, when it parses with a usable credential key, the attestation statement format's
//! verification (packed, fido-u2f, tpm, android-key, apple, with X.509 parsing and path
//! checks). The harness panics if authenticator data does not encode back to its bytes.
//! Seeds: `fuzz/seeds/webauthn_attestation_object/` (`cargo xtask fuzz` copies them in).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _verdict = watchword_webauthn::fuzzing::attestation_object(data);
});
