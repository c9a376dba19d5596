//! Verifying a TOTP (SHA-1, 6 digits, 30-second step, window of one step each side) three
//! ways, side by side: `watchword-otp`, `totp-rs` 5 (`TOTP::check` with skew 1), and the raw
//! primitive computing a single HOTP (HMAC-SHA-1 over the counter, dynamic truncation,
//! constant-time compare), which bounds what any verifier can reach per step: a ±1 window costs
//! up to three of them.
//!
//! Two inputs: the current step's code (the common case; `totp-rs` stops at the first match,
//! `watchword-otp` always computes the whole window) and a wrong code (every step computed by
//! both, the case a guesser causes).
//!
//! After the criterion groups, a plain timed loop prints the ratios ours/totp-rs and ours/raw
//! (only under `cargo bench`, not in `cargo test --benches`).

use std::hint::black_box;

use criterion::{criterion_group, Criterion};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use watchword_benches::Row;
use watchword_otp::{Secret, Totp, UnixTime};

const SECRET: &[u8; 20] = b"bench totp secret 20";
const NOW: u64 = 1_700_000_000;

/// The three verifiers and the codes they check.
struct Case {
    ours: Totp,
    theirs: totp_rs::TOTP,
    valid: String,
    wrong: String,
}

impl Case {
    fn new() -> Self {
        let ours = Totp::new(Secret::new(SECRET).expect("20 bytes"));
        let theirs = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, SECRET.to_vec())
            .expect("valid totp-rs parameters");
        let valid = ours.generate(UnixTime(NOW)).expect("after t0");
        let wrong = (0..1_000_000)
            .map(|n: u32| format!("{n:06}"))
            .find(|code| ours.verify(code, UnixTime(NOW)).is_err())
            .expect("some code is wrong");
        Case {
            ours,
            theirs,
            valid,
            wrong,
        }
    }

    fn ours(&self, code: &str) -> bool {
        self.ours
            .verify(black_box(code), black_box(UnixTime(NOW)))
            .is_ok()
    }

    fn totp_rs(&self, code: &str) -> bool {
        self.theirs.check(black_box(code), black_box(NOW))
    }

    /// One HOTP (RFC 4226 §5.3) for the current step, compared in constant time.
    fn raw(code: &str) -> bool {
        let mut mac = Hmac::<Sha1>::new_from_slice(black_box(SECRET)).expect("any length");
        mac.update(&(black_box(NOW) / 30).to_be_bytes());
        let tag = mac.finalize().into_bytes();
        let offset = usize::from(tag[19] & 0x0f);
        let value = u32::from_be_bytes([
            tag[offset],
            tag[offset + 1],
            tag[offset + 2],
            tag[offset + 3],
        ]) & 0x7fff_ffff;
        let mut expected = [b'0'; 6];
        let mut rest = value % 1_000_000;
        for digit in expected.iter_mut().rev() {
            *digit = b'0' + u8::try_from(rest % 10).expect("a digit");
            rest /= 10;
        }
        ct_eq(&expected, code.as_bytes())
    }
}

/// Equality without an early exit (as `subtle` compares; written out to keep the bench's
/// dependencies to the primitives).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn verify(c: &mut Criterion) {
    let case = Case::new();
    assert!(case.ours(&case.valid) && Case::raw(&case.valid));
    assert!(!case.ours(&case.wrong) && !Case::raw(&case.wrong));
    for (name, code) in [("valid", &case.valid), ("wrong", &case.wrong)] {
        let mut group = c.benchmark_group(format!("totp_verify/sha1-6-window1/{name}"));
        group.bench_function("watchword-otp", |b| b.iter(|| case.ours(code)));
        if case.totp_rs(code) == case.ours(code) {
            group.bench_function("totp-rs", |b| b.iter(|| case.totp_rs(code)));
        } else {
            eprintln!("{name}: totp-rs gives another verdict, not timed");
        }
        group.bench_function("raw-one-hotp", |b| b.iter(|| Case::raw(code)));
        group.finish();
    }
}

criterion_group!(benches, verify);

fn print_ratios() {
    let case = Case::new();
    let rows = [("valid", &case.valid), ("wrong", &case.wrong)].map(|(name, code)| {
        Row::measure(
            name,
            || case.ours(code),
            || case.totp_rs(code),
            || Case::raw(code),
        )
    });
    watchword_benches::print_ratios(
        "totp verify (SHA-1, 6 digits, window ±1)",
        "totp-rs",
        "raw 1 hotp",
        &rows,
    );
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::args().any(|arg| arg == "--bench") {
        print_ratios();
    }
}
