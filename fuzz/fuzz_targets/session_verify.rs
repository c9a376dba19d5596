//! Arbitrary bytes as a session token, verified at a fixed time against a fixed issuer's JWK
//! Set (two Ed25519 keys), directly and through a loaded JWKS cache. The harness panics on a
//! non-deterministic verdict, on the cache and the verifier disagreeing, and on an accepted
//! session that is expired, issued in the future or from another issuer. Seeds:
//! `fuzz/seeds/session_verify/` (`cargo xtask fuzz` copies them in).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _accepted = watchword_session::fuzzing::session_verify(data);
});
