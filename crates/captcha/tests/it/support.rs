//! Helpers shared by the test modules: a seeded RNG, a fixed key, ready-made puzzles, the
//! stored form of a challenge.

use rand_core::{CryptoRng, RngCore};
use watchword_captcha::{Challenge, PowKey, Punctuation, Transcription};

/// A seeded, deterministic RNG (`SplitMix64`). Marked `CryptoRng` for tests only.
#[derive(Debug, Clone)]
pub(crate) struct TestRng(u64);

impl TestRng {
    pub(crate) fn new(seed: u64) -> Self {
        TestRng(seed)
    }
}

impl RngCore for TestRng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for TestRng {}

pub(crate) const NOW: u64 = 1_700_000_000;
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
