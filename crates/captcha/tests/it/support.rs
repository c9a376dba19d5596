//! Helpers shared by the test modules: a seeded RNG, a fixed key, ready-made puzzles, the
//! stored form of a challenge.

use watchword_captcha::{Challenge, PowKey, Punctuation, Transcription, UnixTime};

pub(crate) use watchword_testkit::TestRng;

pub(crate) const NOW: UnixTime = UnixTime(1_700_000_000);
pub(crate) const SITE: &str = "site-1";

pub(crate) fn key() -> PowKey {
    PowKey::new(&[7; 32]).expect("32 bytes")
}

/// A transcription of control `ctl` (answer "Crème brûlée") and unknown `unk`.
pub(crate) fn transcription(rng: &mut TestRng) -> Transcription {
    Transcription::new("ctl", "Crème brûlée", "unk", Punctuation::Strip, rng).expect("valid items")
}

/// The texts a client types, in the order shown: `control` for the control, `unknown` for
/// the other.
pub(crate) fn texts<'a>(
    puzzle: &Transcription,
    control: &'a str,
    unknown: &'a str,
) -> [&'a str; 2] {
    if puzzle.shown()[0] == puzzle.control() {
        [control, unknown]
    } else {
        [unknown, control]
    }
}

/// Stores a challenge as the server does (JSON bytes) and reads it back.
pub(crate) fn reload(state: &Challenge) -> Challenge {
    let bytes = serde_json::to_vec(state).expect("state serializes");
    serde_json::from_slice(&bytes).expect("state deserializes")
}
