//! Arbitrary bytes as a proof-of-work token and solution verified under a fixed key, or as
//! the parameters of a token the harness issues, solves, misuses and tampers with. The harness
//! panics if verification accepts a token the key did not issue, another site, an expired
//! token or too little work, or refuses a right solution. Input format:
//! `watchword_captcha::fuzzing`. Seeds: `fuzz/seeds/captcha_pow/` (`cargo xtask fuzz` copies
//! them in).
#![no_main]

use libfuzzer_sys::fuzz_target;
use watchword_captcha::fuzzing;

fuzz_target!(|data: &[u8]| {
    let _report = fuzzing::pow(data);
});
