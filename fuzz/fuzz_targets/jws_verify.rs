//! Arbitrary bytes as a compact JWS against fixed HS256, HS512 and Ed25519 keys and an Ed25519
//! key ring, under a fixed validation. The harness panics on a non-deterministic verdict, on
//! claims accepted without their signature, and on an accepted token that its key does not
//! re-sign byte for byte. Seeds: `fuzz/seeds/jws_verify/` (`cargo xtask fuzz` copies them in).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _accepted = watchword_token::fuzzing::verify_all(data);
});
