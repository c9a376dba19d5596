//! The harness shared by the `captcha_pow` and `captcha_normalize` fuzz targets and the
//! seed-corpus replay test. Not part of the stable API.
//!
//! # `pow` input format
//!
//! Byte 0 chooses the mode (missing bytes read as 0):
//!
//! - **even: arbitrary token.** Bytes 1..9 are the solution (little-endian), the rest is the
//!   token text (UTF-8, lossily). The token is parsed and verified for [`SITE`] at [`START`]
//!   under [`KEY`]; an acceptance must be a token the key issues for its challenge, for that
//!   site, unexpired, with enough work.
//! - **odd: issued token.** Byte 1 picks the difficulty (`b % 9` bits) and byte 2 the lifetime
//!   (`b + 1` seconds); the harness issues a token for [`SITE`], solves it, and checks that it
//!   verifies, and that it is refused for another site, at its expiry instant, and after
//!   flipping bit `byte 4 % 8` of the decoded byte at position `byte 3`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::normalize::{normalize as normalize_text, Punctuation};
use crate::pow::{PowChallenge, PowKey, PowToken, NONCE_LEN};
use crate::{Error, UnixTime};

/// The server key of the harness.
pub const KEY: [u8; 32] = [0x42; 32];
/// The site of the harness.
pub const SITE: &str = "fuzz.example";
/// The time the harness verifies at.
pub const START: UnixTime = UnixTime(1_700_000_000);

/// What one `pow` input did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PowReport {
    /// The token text parsed (without MAC check).
    pub parsed: bool,
    /// Verification accepted.
    pub accepted: bool,
    /// Verification's error, if any.
    pub error: Option<Error>,
    /// Tampered or misused tokens that were refused (issued mode).
    pub refused: usize,
}

fn byte(data: &[u8], index: usize) -> u8 {
    data.get(index).copied().unwrap_or(0)
}

/// Runs one `pow` input (see the [module docs](self)).
///
/// # Panics
///
/// When verification accepts a token the key did not issue, accepts a wrong site, an expired
/// token or too little work, or refuses a right solution.
pub fn pow(data: &[u8]) -> PowReport {
    let key = PowKey::new(&KEY).unwrap_or_else(|_| unreachable!("32 bytes"));
    if byte(data, 0) & 1 == 0 {
        arbitrary(&key, data)
    } else {
        issued(&key, data)
    }
}

fn arbitrary(key: &PowKey, data: &[u8]) -> PowReport {
    let mut solution = [0; 8];
    for (i, slot) in solution.iter_mut().enumerate() {
        *slot = byte(data, 1 + i);
    }
    let solution = u64::from_le_bytes(solution);
    let text = String::from_utf8_lossy(data.get(9..).unwrap_or_default()).into_owned();
    let mut report = PowReport {
        parsed: PowToken::parse(&text).is_ok(),
        ..PowReport::default()
    };
    match key.verify(&text, solution, SITE, START) {
        Ok(challenge) => {
            assert!(report.parsed, "accepted a token that does not parse");
            assert_eq!(
                key.issue(&challenge),
                text,
                "accepted a token the key did not issue"
            );
            assert_eq!(challenge.site(), SITE, "accepted another site");
            assert!(START < challenge.expires_at(), "accepted an expired token");
            assert!(
                challenge.work(solution) >= u32::from(challenge.difficulty()),
                "accepted too little work"
            );
            report.accepted = true;
        }
        Err(error) => report.error = Some(error),
    }
    report
}

fn issued(key: &PowKey, data: &[u8]) -> PowReport {
    let difficulty = byte(data, 1) % 9;
    let expires_at = START.plus(u64::from(byte(data, 2)) + 1);
    let mut nonce = [0; NONCE_LEN];
    for (i, slot) in nonce.iter_mut().enumerate() {
        *slot = byte(data, 5 + i);
    }
    let challenge = PowChallenge::from_parts(SITE, nonce, difficulty, expires_at)
        .unwrap_or_else(|_| unreachable!("valid parts"));
    let token = key.issue(&challenge);
    let mut report = PowReport {
        parsed: true,
        ..PowReport::default()
    };
    // 2^8 expected tries; 2^20 makes a miss all but impossible, and a miss is not a bug.
    let Some(solution) = crate::pow::solve(&challenge, 1 << 20) else {
        return report;
    };
    let verified = key.verify(&token, solution, SITE, START);
    assert_eq!(
        verified.as_ref(),
        Ok(&challenge),
        "a right solution was refused"
    );
    report.accepted = true;

    let misuses = [
        key.verify(&token, solution, "other.example", START),
        key.verify(&token, solution, SITE, expires_at),
        key.verify(
            &tamper(&token, byte(data, 3), byte(data, 4)),
            solution,
            SITE,
            START,
        ),
    ];
    for outcome in misuses {
        assert!(outcome.is_err(), "a misused token was accepted");
        report.refused += 1;
    }
    report
}

fn tamper(token: &str, position: u8, bit: u8) -> String {
    let mut bytes = URL_SAFE_NO_PAD
        .decode(token)
        .unwrap_or_else(|_| unreachable!("issued tokens decode"));
    let index = usize::from(position) % bytes.len();
    bytes[index] ^= 1 << (bit % 8);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Runs one `normalize` input: the bytes as text (UTF-8, lossily), normalised with and
/// without punctuation stripping. Returns the stripped form.
///
/// # Panics
///
/// When normalisation is not idempotent, leaves whitespace at an end or a run of spaces, or
/// leaves punctuation that it should strip.
pub fn normalize(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    let mut stripped = String::new();
    for punctuation in [Punctuation::Keep, Punctuation::Strip] {
        let once = normalize_text(&text, punctuation);
        assert_eq!(
            normalize_text(&once, punctuation),
            once,
            "normalisation is not idempotent for {text:?}"
        );
        assert!(!once.starts_with(' ') && !once.ends_with(' '), "untrimmed");
        assert!(!once.contains("  "), "whitespace not collapsed");
        assert!(
            !once.chars().any(|c| c.is_whitespace() && c != ' '),
            "whitespace other than a space"
        );
        if punctuation == Punctuation::Strip {
            assert!(
                !once.chars().any(|c| c.is_ascii_punctuation()),
                "punctuation kept"
            );
            stripped = once;
        }
    }
    stripped
}
