//! Arbitrary bytes as every passkey request body the server parses (initiate, validate) and
//! as identity values: parsing never panics and whatever parses is within the documented
//! bounds. Seeds: `fuzz/seeds/passkey_requests/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| watchword_passkey_server::requests::fuzz(data));
