//! Arbitrary bytes as the body of every twoway request (init, complete, portal): parsing never
//! panics and whatever parses is within the documented bounds. Seeds: `fuzz/seeds/twoway_requests/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| watchword_twoway_server::requests::fuzz(data));
