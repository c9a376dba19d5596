//! Arbitrary bytes (lossily UTF-8) through answer normalisation, with and without punctuation
//! stripping. The harness panics if normalisation is not idempotent, leaves whitespace at an
//! end, a run of spaces or a non-space whitespace character, or keeps punctuation it should
//! strip. Seeds: `fuzz/seeds/captcha_normalize/` (`cargo xtask fuzz` copies them in).
#![no_main]

use libfuzzer_sys::fuzz_target;
use watchword_captcha::fuzzing;

fuzz_target!(|data: &[u8]| {
    let _stripped = fuzzing::normalize(data);
});
