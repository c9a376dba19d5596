//! Arbitrary bytes as a script of two-way pairing operations (init, portal entry by one of
//! three users with the right or a wrong client code, completion with the issued, a guessed or
//! a foreign transaction's data, time passing, the expiry instant), every state stored as JSON
//! and read back between steps; and the same bytes as an `otpauth://` key URI and as base32.
//! The harness panics if a pairing succeeds twice, succeeds without the issued response code,
//! for another user, or at or after expiry, allows more wrong codes than its limit, comes back
//! from a terminal state, lets a foreign input change it, or misreports `changed`; and if a key
//! URI or base32 text does not round-trip. Script format: `watchword_otp::fuzzing`. Seeds:
//! `fuzz/seeds/otp_pairing/` (`cargo xtask fuzz` copies them in).
#![no_main]

use libfuzzer_sys::fuzz_target;
use watchword_otp::{fuzzing, Pairing};

fn reload(state: &Pairing) -> Pairing {
    let bytes = serde_json::to_vec(state).expect("a state serializes");
    serde_json::from_slice(&bytes).expect("a stored state deserializes")
}

fuzz_target!(|data: &[u8]| {
    let _report = fuzzing::run(data, reload);
});
