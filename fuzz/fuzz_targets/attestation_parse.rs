//! Arbitrary bytes as an `orangecheck` attestation message. The harness panics if a parsed
//! message does not write back byte for byte, reads back differently, has an id other than
//! the SHA-256 of its bytes, or holds an identity the constructor refuses. Seeds:
//! `fuzz/seeds/attestation_parse/` (`cargo xtask fuzz` copies them in).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _parsed = watchword_session::fuzzing::attestation_parse(data);
});
