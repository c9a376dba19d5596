//! Helpers shared by the test modules: published vectors (through `watchword-testkit`), seeded
//! RNGs, fixed secrets, the stored form of a pairing.

use rand_core::{CryptoRng, RngCore};
use serde_json::Value;
use watchword_otp::{Pairing, Secret};

pub(crate) use watchword_testkit::load_vectors;

/// The string member `name` of a JSON object.
pub(crate) fn text<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} is not a string in {value}"))
}

/// A seeded, deterministic RNG (`SplitMix64`). Marked `CryptoRng` for tests only: the crate
/// demands a CSPRNG, and tests need reproducible draws.
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

/// An RNG that replays fixed bytes, then zeros.
#[derive(Debug, Clone)]
pub(crate) struct ScriptedRng {
    bytes: Vec<u8>,
    next: usize,
}

impl ScriptedRng {
    pub(crate) fn new(bytes: &[u8]) -> Self {
        ScriptedRng {
            bytes: bytes.to_vec(),
            next: 0,
        }
    }
}

impl RngCore for ScriptedRng {
    fn next_u32(&mut self) -> u32 {
        let mut bytes = [0; 4];
        self.fill_bytes(&mut bytes);
        u32::from_le_bytes(bytes)
    }

    fn next_u64(&mut self) -> u64 {
        let mut bytes = [0; 8];
        self.fill_bytes(&mut bytes);
        u64::from_le_bytes(bytes)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for byte in dest {
            *byte = self.bytes.get(self.next).copied().unwrap_or(0);
            self.next += 1;
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for ScriptedRng {}

/// The RFC 4226 / RFC 6238 SHA-1 secret, ASCII `12345678901234567890` (20 bytes).
pub(crate) fn rfc_secret() -> Secret {
    Secret::new(b"12345678901234567890").expect("20 bytes")
}

/// Stores a pairing state as the server does (JSON bytes) and reads it back.
pub(crate) fn reload(state: &Pairing) -> Pairing {
    let bytes = serde_json::to_vec(state).expect("state serializes");
    serde_json::from_slice(&bytes).expect("state deserializes")
}
