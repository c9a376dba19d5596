//! Arbitrary bytes as a token's header or claims JSON, read by `watchword-token`'s fast reader
//! and by the strict reader it falls back to: the harness panics when they disagree (members,
//! or the error). Seeds: `fuzz/seeds/token_json/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _accepted = watchword_token::fuzzing::json_members(data);
});
