//! Arbitrary bytes as a credential public key (COSE_Key): strict CBOR, kty/alg/crv
//! consistency, the on-curve check, RSA sizes. The harness panics if a parsed key verifies an
//! empty signature. Seeds: `fuzz/seeds/webauthn_cose_key/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _alg = watchword_webauthn::fuzzing::cose_key(data);
});
