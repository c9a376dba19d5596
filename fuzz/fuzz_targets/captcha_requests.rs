//! Arbitrary bytes as every captcha request the server parses (the answer body, the
//! `/siteverify` form and JSON, ids, kinds, action and cdata): parsing never panics and
//! whatever parses is within the documented bounds. Seeds: `fuzz/seeds/captcha_requests/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| watchword_captcha_server::requests::fuzz(data));
