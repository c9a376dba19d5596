//! Proof-of-work challenges bound to a site by a server MAC.
//!
//! A [`PowChallenge`] is `{site, nonce, difficulty, expires_at}`. The server sends it to the
//! browser as a token, [`PowKey::issue`]: unpadded base64url of the challenge bytes followed by
//! their HMAC-SHA256 under the server key. The browser decodes the token, drops the last 32
//! bytes (the MAC), and searches for a `solution: u64` such that
//!
//! ```text
//! SHA-256(challenge_bytes ‖ solution as 8 little-endian bytes)
//! ```
//!
//! starts with at least `difficulty` zero bits. [`PowKey::verify`] checks, in this order, the
//! token's layout, its MAC (in constant time), the site, the expiry (valid while
//! `now < expires_at`) and the work. It keeps no state: single use is the job of the
//! [`Challenge`](crate::Challenge) state machine or of the server's store (`take` the nonce).
//!
//! # Challenge bytes
//!
//! Every field is written as a 2-byte big-endian length followed by its bytes, so no two
//! challenges share an encoding and bytes cannot move from one field to another:
//!
//! ```text
//! len ‖ "watchword-captcha/pow/v1"  (domain and version)
//! len ‖ site                        (1..=128 bytes of printable ASCII)
//! len ‖ nonce                       (16 random bytes)
//! len ‖ difficulty                  (1 byte, 0..=32)
//! len ‖ expires_at                  (8 bytes, big-endian Unix seconds)
//! ```
//!
//! The parser accepts exactly this layout: the right domain, each length exactly as above, no
//! trailing bytes, and canonical base64url (no padding, no `+` or `/`, no stray low bits).
//!
//! # Difficulty
//!
//! [`Difficulty`] picks the number of bits for the next challenge from the site's recent
//! traffic and the client's recent failures; each extra bit doubles the expected work
//! (`2^difficulty` hashes on average: about 65 000 at the default 16 bits).

use core::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac as _};
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use watchword_token::UnixTime;

use crate::{check_site, Error};

/// The largest difficulty a challenge may carry, in leading zero bits.
pub const MAX_DIFFICULTY: u8 = 32;
/// The shortest server key [`PowKey::new`] accepts (the HMAC-SHA256 output size).
pub const MIN_KEY_LEN: usize = 32;
/// The longest token [`PowKey::verify`] reads, in bytes.
pub const MAX_TOKEN_LEN: usize = 512;
/// Random bytes in a challenge nonce (128 bits).
pub const NONCE_LEN: usize = 16;
/// Bytes of the MAC at the end of a token.
pub const MAC_LEN: usize = 32;

const DOMAIN: &[u8] = b"watchword-captcha/pow/v1";

/// A proof-of-work challenge. Serialized (with serde) as the unpadded base64url of its
/// [challenge bytes](self#challenge-bytes), read back with the strict parser.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PowChallenge {
    site: String,
    nonce: [u8; NONCE_LEN],
    difficulty: u8,
    expires_at: UnixTime,
}

impl PowChallenge {
    /// Draws a challenge for `site` with a fresh nonce from `rng`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSite`], or [`Error::Difficulty`] above [`MAX_DIFFICULTY`].
    pub fn new(
        site: &str,
        difficulty: u8,
        expires_at: UnixTime,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, Error> {
        let mut nonce = [0; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        Self::from_parts(site, nonce, difficulty, expires_at)
    }

    /// Builds a challenge from its fields.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSite`], or [`Error::Difficulty`] above [`MAX_DIFFICULTY`].
    pub fn from_parts(
        site: &str,
        nonce: [u8; NONCE_LEN],
        difficulty: u8,
        expires_at: UnixTime,
    ) -> Result<Self, Error> {
        check_site(site)?;
        if difficulty > MAX_DIFFICULTY {
            return Err(Error::Difficulty {
                found: difficulty,
                max: MAX_DIFFICULTY,
            });
        }
        Ok(PowChallenge {
            site: site.to_owned(),
            nonce,
            difficulty,
            expires_at,
        })
    }

    /// Returns the site the challenge was issued for.
    pub fn site(&self) -> &str {
        &self.site
    }

    /// Returns the nonce.
    pub fn nonce(&self) -> &[u8; NONCE_LEN] {
        &self.nonce
    }

    /// Returns the required number of leading zero bits.
    pub fn difficulty(&self) -> u8 {
        self.difficulty
    }

    /// Returns when the challenge expires: valid while `now < expires_at`.
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }

    /// Returns the [challenge bytes](self#challenge-bytes) the work is computed over.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.site.len());
        for field in [
            DOMAIN,
            self.site.as_bytes(),
            &self.nonce,
            &[self.difficulty],
            &self.expires_at.0.to_be_bytes(),
        ] {
            let len = u16::try_from(field.len()).unwrap_or_else(|_| unreachable!("short field"));
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(field);
        }
        out
    }

    /// Reads [challenge bytes](self#challenge-bytes), strictly.
    ///
    /// # Errors
    ///
    /// [`Error::TokenFormat`] for any other layout, [`Error::InvalidSite`] or
    /// [`Error::Difficulty`] for a field value out of range.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let mut reader = Reader(bytes);
        if reader.field("domain")? != DOMAIN {
            return Err(Error::TokenFormat {
                reason: "unknown domain or version",
            });
        }
        let site = core::str::from_utf8(reader.field("site")?).map_err(|_| Error::InvalidSite {
            reason: "not printable ascii",
        })?;
        let nonce = reader.fixed::<NONCE_LEN>("nonce")?;
        let [difficulty] = reader.fixed::<1>("difficulty")?;
        let expires_at = UnixTime(u64::from_be_bytes(reader.fixed::<8>("expiry")?));
        if !reader.0.is_empty() {
            return Err(Error::TokenFormat {
                reason: "trailing bytes",
            });
        }
        Self::from_parts(site, nonce, difficulty, expires_at)
    }

    /// Returns how many leading zero bits `solution` reaches on this challenge.
    pub fn work(&self, solution: u64) -> u32 {
        work_of(&self.to_bytes(), solution)
    }

    /// Checks that `solution` reaches the challenge's difficulty.
    ///
    /// # Errors
    ///
    /// [`Error::InsufficientWork`].
    pub fn check_work(&self, solution: u64) -> Result<(), Error> {
        let found = self.work(solution);
        if found >= u32::from(self.difficulty) {
            Ok(())
        } else {
            Err(Error::InsufficientWork {
                required: self.difficulty,
                found,
            })
        }
    }
}

impl fmt::Debug for PowChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PowChallenge")
            .field("site", &self.site)
            .field("nonce", &URL_SAFE_NO_PAD.encode(self.nonce))
            .field("difficulty", &self.difficulty)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl TryFrom<String> for PowChallenge {
    type Error = Error;

    fn try_from(text: String) -> Result<Self, Error> {
        PowChallenge::from_bytes(&decode(&text)?)
    }
}

impl From<PowChallenge> for String {
    fn from(challenge: PowChallenge) -> String {
        URL_SAFE_NO_PAD.encode(challenge.to_bytes())
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn field(&mut self, name: &'static str) -> Result<&'a [u8], Error> {
        let truncated = Error::TokenFormat {
            reason: match name {
                "domain" => "truncated domain",
                "site" => "truncated site",
                "nonce" => "truncated nonce",
                "difficulty" => "truncated difficulty",
                _ => "truncated expiry",
            },
        };
        let (len, rest) = self.0.split_first_chunk::<2>().ok_or(truncated.clone())?;
        let len = usize::from(u16::from_be_bytes(*len));
        if rest.len() < len {
            return Err(truncated);
        }
        let (field, rest) = rest.split_at(len);
        self.0 = rest;
        Ok(field)
    }

    fn fixed<const N: usize>(&mut self, name: &'static str) -> Result<[u8; N], Error> {
        self.field(name)?
            .try_into()
            .map_err(|_| Error::TokenFormat {
                reason: match name {
                    "nonce" => "nonce is not 16 bytes",
                    "difficulty" => "difficulty is not 1 byte",
                    _ => "expiry is not 8 bytes",
                },
            })
    }
}

fn decode(text: &str) -> Result<Vec<u8>, Error> {
    if text.len() > MAX_TOKEN_LEN {
        return Err(Error::TokenTooLong {
            len: text.len(),
            max: MAX_TOKEN_LEN,
        });
    }
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| Error::TokenEncoding)
}

/// The leading zero bits of SHA-256(`challenge_bytes` ‖ `solution` little-endian).
fn work_of(challenge_bytes: &[u8], solution: u64) -> u32 {
    let digest = Sha256::new()
        .chain_update(challenge_bytes)
        .chain_update(solution.to_le_bytes())
        .finalize();
    leading_zero_bits(&digest)
}

/// Returns the number of leading zero bits of `bytes`, most significant bit of the first byte
/// first.
pub fn leading_zero_bits(bytes: &[u8]) -> u32 {
    let mut bits = 0;
    for byte in bytes {
        bits += byte.leading_zeros();
        if *byte != 0 {
            break;
        }
    }
    bits
}

/// Searches solutions `0, 1, 2, …` for at most `max_iterations` tries and returns the first
/// that reaches the challenge's difficulty: the client's loop, for tests and the load harness.
pub fn solve(challenge: &PowChallenge, max_iterations: u64) -> Option<u64> {
    let bytes = challenge.to_bytes();
    let required = u32::from(challenge.difficulty);
    (0..max_iterations).find(|&solution| work_of(&bytes, solution) >= required)
}

/// A token as the browser reads it: the challenge and the bytes to hash, before any MAC
/// check (which only the server can do, with [`PowKey::verify`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowToken {
    challenge: PowChallenge,
    mac: [u8; MAC_LEN],
}

impl PowToken {
    /// Parses a token strictly, without checking its MAC.
    ///
    /// # Errors
    ///
    /// [`Error::TokenTooLong`], [`Error::TokenEncoding`], [`Error::TokenFormat`], or a field
    /// out of range ([`Error::InvalidSite`], [`Error::Difficulty`]).
    pub fn parse(token: &str) -> Result<Self, Error> {
        let bytes = decode(token)?;
        let Some((body, mac)) = bytes.split_last_chunk::<MAC_LEN>() else {
            return Err(Error::TokenFormat {
                reason: "shorter than a mac",
            });
        };
        Ok(PowToken {
            challenge: PowChallenge::from_bytes(body)?,
            mac: *mac,
        })
    }

    /// Returns the challenge the token carries (not authenticated by parsing alone).
    pub fn challenge(&self) -> &PowChallenge {
        &self.challenge
    }

    /// Returns the token's MAC.
    pub fn mac(&self) -> &[u8; MAC_LEN] {
        &self.mac
    }
}

/// The server key that binds proof-of-work tokens (HMAC-SHA256). Zeroized on drop; `Debug`
/// does not print it.
#[derive(Clone)]
pub struct PowKey(Zeroizing<Vec<u8>>);

impl PowKey {
    /// Wraps a key of at least [`MIN_KEY_LEN`] bytes.
    ///
    /// # Errors
    ///
    /// [`Error::KeyTooShort`].
    pub fn new(key: &[u8]) -> Result<Self, Error> {
        if key.len() < MIN_KEY_LEN {
            return Err(Error::KeyTooShort {
                min: MIN_KEY_LEN,
                found: key.len(),
            });
        }
        Ok(PowKey(Zeroizing::new(key.to_vec())))
    }

    /// Draws a fresh 32-byte key from `rng`.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let mut key = Zeroizing::new(vec![0; MIN_KEY_LEN]);
        rng.fill_bytes(&mut key);
        PowKey(key)
    }

    fn mac(&self, body: &[u8]) -> [u8; MAC_LEN] {
        let mut mac = <Hmac<Sha256>>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("hmac takes any key length"));
        mac.update(body);
        mac.finalize().into_bytes().into()
    }

    /// Returns the token for `challenge`: base64url of its bytes and their MAC.
    pub fn issue(&self, challenge: &PowChallenge) -> String {
        let mut bytes = challenge.to_bytes();
        let mac = self.mac(&bytes);
        bytes.extend_from_slice(&mac);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Parses `token` and checks its MAC, returning the authenticated challenge.
    ///
    /// # Errors
    ///
    /// What [`PowToken::parse`] returns, or [`Error::BadMac`].
    pub fn open(&self, token: &str) -> Result<PowChallenge, Error> {
        let parsed = PowToken::parse(token)?;
        let expected = self.mac(&parsed.challenge.to_bytes());
        if bool::from(expected.ct_eq(&parsed.mac)) {
            Ok(parsed.challenge)
        } else {
            Err(Error::BadMac)
        }
    }

    /// Verifies that `solution` solves the challenge of `token`, issued by this key for
    /// `site`, at `now`. Returns the challenge; the caller makes it single use (for instance
    /// by `take`-ing its nonce from the store).
    ///
    /// # Errors
    ///
    /// In the order checked: what [`PowKey::open`] returns, [`Error::WrongSite`],
    /// [`Error::Expired`] (at or after `expires_at`), [`Error::InsufficientWork`].
    pub fn verify(
        &self,
        token: &str,
        solution: u64,
        site: &str,
        now: UnixTime,
    ) -> Result<PowChallenge, Error> {
        let challenge = self.open(token)?;
        if !bool::from(challenge.site.as_bytes().ct_eq(site.as_bytes())) {
            return Err(Error::WrongSite {
                found: site.to_owned(),
            });
        }
        if now >= challenge.expires_at {
            return Err(Error::Expired {
                expires_at: challenge.expires_at,
                now,
            });
        }
        challenge.check_work(solution)?;
        Ok(challenge)
    }
}

impl fmt::Debug for PowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PowKey(redacted)")
    }
}

/// The adaptive difficulty policy: how many bits the next challenge of a site asks of a
/// client.
///
/// ```text
/// difficulty = min(max, base + doublings + per_failure × recent_client_failures)
/// doublings  = largest k ≥ 0 with busy_rpm × 2^k ≤ requests_per_minute  (0 at or below busy_rpm)
/// ```
///
/// so with the defaults (base 16, busy 60 requests per minute, +2 per failure, capped at 24):
/// 60 rpm or less → 16, 120 → 17, 240 → 18, 60 rpm with one recent failure → 18, anything
/// from 15 360 rpm or 4 failures up → 24. Expected browser work at 24 bits is about 16.7
/// million hashes: several seconds for the widget's JavaScript solver (about 2 million
/// hashes a second on a laptop core); [`MAX_DIFFICULTY`] bounds the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Difficulty {
    base: u8,
    busy_rpm: u32,
    per_failure: u8,
    max: u8,
}

/// The default base difficulty.
pub const DEFAULT_BASE_DIFFICULTY: u8 = 16;
/// The default request rate above which difficulty rises.
pub const DEFAULT_BUSY_RPM: u32 = 60;
/// The rate of one client network's own challenges above which its difficulty rises, in
/// challenges per minute (see [`Difficulty::difficulty_for`]).
pub const CLIENT_BUSY_RPM: u32 = 6;
/// How many of one client network's challenges a minute count toward its site's rate: past
/// that, a client raises its own difficulty only, so the site's rises only on traffic from at
/// least `busy_rpm × 2 ÷ SITE_SHARE_PER_CLIENT` networks (12 with the defaults).
pub const SITE_SHARE_PER_CLIENT: u64 = 10;
/// The default extra bits per recent failure of the client.
pub const DEFAULT_PER_FAILURE: u8 = 2;
/// The default cap.
pub const DEFAULT_MAX_DIFFICULTY: u8 = 24;

impl Default for Difficulty {
    fn default() -> Self {
        Difficulty {
            base: DEFAULT_BASE_DIFFICULTY,
            busy_rpm: DEFAULT_BUSY_RPM,
            per_failure: DEFAULT_PER_FAILURE,
            max: DEFAULT_MAX_DIFFICULTY,
        }
    }
}

impl Difficulty {
    /// Builds a policy.
    ///
    /// # Errors
    ///
    /// [`Error::Difficulty`] when `max` is above [`MAX_DIFFICULTY`];
    /// [`Error::DifficultyPolicy`] when `base > max` or `busy_rpm` is 0.
    pub fn new(base: u8, busy_rpm: u32, per_failure: u8, max: u8) -> Result<Self, Error> {
        if max > MAX_DIFFICULTY {
            return Err(Error::Difficulty {
                found: max,
                max: MAX_DIFFICULTY,
            });
        }
        if base > max {
            return Err(Error::DifficultyPolicy {
                reason: "base is above the cap",
            });
        }
        if busy_rpm == 0 {
            return Err(Error::DifficultyPolicy {
                reason: "busy rate is 0 requests per minute",
            });
        }
        Ok(Difficulty {
            base,
            busy_rpm,
            per_failure,
            max,
        })
    }

    /// Returns the base difficulty.
    pub fn base(&self) -> u8 {
        self.base
    }

    /// Returns the cap.
    pub fn max(&self) -> u8 {
        self.max
    }

    /// Returns the difficulty for a site that served `requests_per_minute` recently, to a
    /// client with `recent_failures` failed attempts.
    pub fn difficulty(&self, requests_per_minute: u32, recent_failures: u32) -> u8 {
        self.difficulty_for(requests_per_minute, 0, recent_failures)
    }

    /// The difficulty for one client: the site's rate (`site_rpm`, in which each client
    /// network counts at most [`SITE_SHARE_PER_CLIENT`] a minute) raises it for everyone,
    /// the client's own rate (`client_rpm`, doubling from 2 × [`CLIENT_BUSY_RPM`]) and its
    /// failures for that client only. So one client creating challenges in a loop makes its
    /// own work harder, not the site's.
    pub fn difficulty_for(&self, site_rpm: u32, client_rpm: u32, recent_failures: u32) -> u8 {
        let bits = u32::from(self.base)
            .saturating_add(doublings(self.busy_rpm, site_rpm))
            .saturating_add(doublings(CLIENT_BUSY_RPM, client_rpm))
            .saturating_add(recent_failures.saturating_mul(u32::from(self.per_failure)));
        u8::try_from(bits.min(u32::from(self.max))).unwrap_or(self.max)
    }
}

/// The largest k ≥ 0 with `busy × 2^(k+1) ≤ rate`: how many times `rate` doubled past `busy`.
fn doublings(busy: u32, rate: u32) -> u32 {
    let mut doublings: u32 = 0;
    let mut level = u64::from(busy) * 2;
    while level <= u64::from(rate) {
        doublings += 1;
        level *= 2;
    }
    doublings
}
