//! Arbitrary bytes as an `orangecheck-auth` challenge text, then a sign-in over it at a fixed
//! time with a stand-in signature scheme. The harness panics if a parsed text does not write
//! back byte for byte or reads back differently, or if a sign-in is accepted over a text that
//! does not parse, outside the validity window, for another nonce, or without the right
//! signature. Seeds: `fuzz/seeds/challenge_parse/` (`cargo xtask fuzz` copies them in).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _parsed = watchword_session::fuzzing::challenge_parse(data);
});
