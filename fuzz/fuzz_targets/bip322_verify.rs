//! Arbitrary bytes as a BIP-322 verification: byte 0 picks the network (mainnet or testnet)
//! and the legacy policy, then the address, a newline, the signature, a newline and the
//! message (format: `watchword_bip322::fuzzing`). The harness panics on a verdict that changes
//! between runs, on legacy policies that disagree outside their documented difference, on an
//! address accepted for two networks, on a kind that contradicts the prefix, and on a
//! verified address that does not print back to itself. Seeds: `fuzz/seeds/bip322_verify/`
//! (`cargo xtask fuzz` copies them in).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _verdict = watchword_bip322::fuzzing::verify_all(data);
});
