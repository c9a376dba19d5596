//! Arbitrary bytes as every text parameter of the approval API (API keys, transaction ids,
//! `requestype` and `pageType` by number or name, `UserMail`, and a new transaction made of
//! them): no panic, and every reading reads back as itself. Seeds: `fuzz/seeds/approval_inputs/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    watchword_approval::fuzzing::read_inputs(data);
});
