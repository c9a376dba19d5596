//! Captcha challenges for Watchword: the challenge state machine of the Ocapi workflow,
//! Ocapi's transcription challenge with annotation votes, and proof-of-work bound to a site by
//! a server MAC.
//!
//! Pure logic: no clock, no RNG, no IO. The time (`now`, a [`UnixTime`]) and randomness (any
//! `rand_core` [`CryptoRngCore`](rand_core::CryptoRngCore)) come in as arguments, so tests and
//! fuzzers drive everything.
//!
//! # The Ocapi workflow
//!
//! The server keeps one [`Challenge`] per id in its store, as JSON; each request loads it,
//! runs one transition, writes the next state back with a compare-and-swap when it changed,
//! and reports the outcome (see [`challenge`] for every rule):
//!
//! ```
//! use watchword_captcha::{
//!     Answer, Answered, Challenge, ChallengeConfig, Puzzle, Punctuation, Status, Transcription,
//!     Votes,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let (mut rng, now) = (rand_core::OsRng, watchword_captcha::UnixTime(1_700_000_000));
//! let config = ChallengeConfig::new();
//! // The browser asks for a challenge: a control item with its known answer, an unknown one.
//! let puzzle = Transcription::new("item-17", "Crème brûlée", "item-99", Punctuation::Strip, &mut rng)?;
//! let created = Challenge::create(&config, "site-1", Puzzle::Transcription(puzzle), &mut rng, now)?;
//! let shown = created.state.puzzle().cloned();
//! let stored = serde_json::to_vec(&created.state)?; // put_new under created.id.key()
//!
//! // The browser posts its answer, one text per item in the order shown.
//! # let Some(Puzzle::Transcription(p)) = shown else { unreachable!() };
//! # let texts = if p.shown()[0] == "item-17" { ["CREME BRULEE", "hello"] } else { ["hello", "creme brulee!"] };
//! let state: Challenge = serde_json::from_slice(&stored)?;
//! let answered = state.answer("site-1", &Answer::Transcription(texts), now.plus(20));
//! // A wrong answer would be `Answered::Invalid { replacement }`: once its state is stored,
//! // draw a puzzle of `replacement.kind()` and `replacement.create(puzzle, &mut rng, now)`.
//! let Ok(Answered::Valid { vote }) = answered.outcome else { panic!("wrong answer") };
//! let stored = serde_json::to_vec(&answered.state)?; // compare-and-swap
//! if let Some(vote) = vote {
//!     let mut votes = Votes::new(); // loaded from the store for vote.item
//!     votes.record(&vote.text, "client-fingerprint");
//! }
//!
//! // The partner checks the challenge id its form received: valid exactly once.
//! let state: Challenge = serde_json::from_slice(&stored)?;
//! let checked = state.check("site-1", now.plus(30));
//! assert_eq!(checked.outcome?, Status::Valid);
//! assert_eq!(checked.state.check("site-1", now.plus(31)).outcome?, Status::Consumed);
//! # Ok(())
//! # }
//! ```
//!
//! # Stateless proof-of-work
//!
//! ```
//! use watchword_captcha::{pow, Difficulty, PowChallenge, PowKey};
//!
//! # fn main() -> Result<(), watchword_captcha::Error> {
//! # let (mut rng, now) = (rand_core::OsRng, watchword_captcha::UnixTime(1_700_000_000));
//! let key = PowKey::generate(&mut rng); // the server's key, from its configuration
//! let bits = Difficulty::default().difficulty(30, 0); // quiet site, no failures: 16
//! # let bits = 8; // keep the doc test fast
//! let challenge = PowChallenge::new("site-1", bits, now.plus(120), &mut rng)?;
//! let token = key.issue(&challenge); // sent to the browser
//!
//! let solution = pow::solve(&challenge, 1 << 20).expect("found"); // the browser's loop
//! let verified = key.verify(&token, solution, "site-1", now.plus(5))?;
//! // ...then `take` verified.nonce() from the store so the token works only once.
//! # assert_eq!(verified, challenge);
//! # Ok(())
//! # }
//! ```
//!
//! # Limits
//!
//! Site ids are 1 to [`MAX_SITE_LEN`] bytes of printable ASCII. Proof-of-work difficulty is at
//! most [`pow::MAX_DIFFICULTY`] bits, server keys at least [`pow::MIN_KEY_LEN`] bytes, tokens
//! at most [`pow::MAX_TOKEN_LEN`] bytes. Answers longer than
//! [`transcription::MAX_ANSWER_LEN`] bytes are wrong. MACs, answers and site ids are compared
//! in constant time.
//!
//! Not yet here: the classification variant (pick the matching class for several items).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod challenge;
pub mod demo;
pub mod distort;
mod error;
pub mod normalize;
pub mod pow;
pub mod transcription;

#[doc(hidden)]
pub mod fuzzing;

pub use challenge::{
    challenge_key, Answer, Answered, Challenge, ChallengeConfig, ChallengeId, Created, Kind,
    Puzzle, Replacement, Status, Transition,
};
pub use error::Error;
pub use normalize::{normalize, Punctuation};
pub use pow::{Difficulty, PowChallenge, PowKey, PowToken};
pub use transcription::{Transcription, Vote, VoteConfig, Votes};
pub use watchword_token::UnixTime;

/// The longest site id, in bytes.
pub const MAX_SITE_LEN: usize = 128;

/// Checks a site id: 1 to [`MAX_SITE_LEN`] bytes of printable ASCII.
pub(crate) fn check_site(site: &str) -> Result<(), Error> {
    if site.is_empty() {
        Err(Error::InvalidSite { reason: "empty" })
    } else if site.len() > MAX_SITE_LEN {
        Err(Error::InvalidSite {
            reason: "longer than 128 bytes",
        })
    } else if !site.bytes().all(|b| b.is_ascii_graphic()) {
        Err(Error::InvalidSite {
            reason: "not printable ascii",
        })
    } else {
        Ok(())
    }
}
