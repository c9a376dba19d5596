//! The challenge state machine of the Ocapi workflow (seed `000`).
//!
//! ```text
//!  browser                      server (this state machine)                  partner
//!  GET challenge  ───────────► Challenge::create ──► Pending
//!  POST answer    ───────────► answer ──► Valid                (right answer)
//!                                     └─► Invalid + Replacement   (wrong answer)
//!                               Replacement::create ──► Pending    (a fresh challenge)
//!                                          check(site) ◄──────── authenticated GET
//!                                          Valid ──► Consumed, "valid" (exactly once)
//! ```
//!
//! # States and transitions
//!
//! A [`Challenge`] is one of five states; each records the site it belongs to, its
//! [`Kind`] and its expiry. A transition consumes the state with the current time and returns
//! a [`Transition`]: the next state, the outcome, and whether the state changed. The server
//! stores the state (serde, tagged by `"state"`) under [`ChallengeId::key`] and writes the
//! next state back with a compare-and-swap only when it changed, reporting the outcome only
//! once that write succeeded.
//!
//! | state | `answer` (same site, same kind) | `check` by the partner (same site) |
//! |---|---|---|
//! | `Pending`, live | right: → `Valid`; wrong: → `Invalid` plus a [`Replacement`] | `pending`, unchanged |
//! | `Valid`, live | [`Error::NotPending`], unchanged | → `Consumed`, `valid` (exactly once) |
//! | `Invalid` | [`Error::NotPending`], unchanged | `invalid`, unchanged |
//! | `Consumed` | [`Error::NotPending`], unchanged | `consumed`, unchanged |
//! | `Expired` | [`Error::NotPending`], unchanged | `expired`, unchanged |
//! | `Pending` or `Valid` at or after its expiry | → `Expired`, [`Error::Expired`] | → `Expired`, `expired` |
//!
//! Further rules:
//!
//! - **Another site's challenge** is refused with [`Error::WrongSite`] by both transitions and
//!   never changes the state: a stranger cannot burn or consume a challenge by pointing at it.
//!   So is an answer of the wrong kind ([`Error::WrongKind`]).
//! - **Lifetimes.** A pending challenge lives [`ChallengeConfig::lifetime_secs`] from its
//!   creation (default 5 minutes); a right answer starts a second period of
//!   [`ChallengeConfig::valid_for_secs`] (default 5 minutes) in which the partner must check
//!   it. A state is live while `now < expires_at`.
//! - **One answer per challenge.** A wrong answer burns the challenge and asks for a fresh one
//!   ([`Replacement::create`]: a new id, a new puzzle from the caller, a new lifetime), as the
//!   seed's step 7 asks; the burned one answers `invalid` to the partner. The caller draws the
//!   new puzzle only once the burn is stored, so a right answer never pays for one.

use core::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use watchword_token::UnixTime;

use crate::pow::PowChallenge;
use crate::transcription::{Transcription, Vote};
use crate::{check_site, Error};

/// The default lifetime of a pending challenge, in seconds (5 minutes).
pub const DEFAULT_LIFETIME_SECS: u64 = 300;
/// The default time the partner has to check a valid challenge, in seconds (5 minutes).
pub const DEFAULT_VALID_FOR_SECS: u64 = 300;
/// The shortest lifetime either setting accepts.
pub const MIN_LIFETIME_SECS: u64 = 10;
/// The longest lifetime either setting accepts (one hour).
pub const MAX_LIFETIME_SECS: u64 = 3600;
/// Random bytes in a challenge id (128 bits, 22 characters of base64url).
pub const CHALLENGE_ID_BYTES: usize = 16;

const ID_DOMAIN: &[u8] = b"watchword-captcha/challenge\0";

/// The lifetimes of new challenges. Copied into each state at creation, so changing the
/// configuration never alters challenges under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChallengeConfig {
    lifetime_secs: u64,
    valid_for_secs: u64,
}

impl Default for ChallengeConfig {
    fn default() -> Self {
        ChallengeConfig {
            lifetime_secs: DEFAULT_LIFETIME_SECS,
            valid_for_secs: DEFAULT_VALID_FOR_SECS,
        }
    }
}

fn check_lifetime(what: &'static str, seconds: u64) -> Result<u64, Error> {
    if (MIN_LIFETIME_SECS..=MAX_LIFETIME_SECS).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(Error::Lifetime {
            what,
            found: seconds,
            min: MIN_LIFETIME_SECS,
            max: MAX_LIFETIME_SECS,
        })
    }
}

impl ChallengeConfig {
    /// The defaults: 5 minutes to answer, 5 more for the partner to check.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how long a pending challenge can be answered.
    ///
    /// # Errors
    ///
    /// [`Error::Lifetime`] outside [`MIN_LIFETIME_SECS`]`..=`[`MAX_LIFETIME_SECS`].
    pub fn with_lifetime_secs(mut self, seconds: u64) -> Result<Self, Error> {
        self.lifetime_secs = check_lifetime("challenge lifetime", seconds)?;
        Ok(self)
    }

    /// Sets how long after a right answer the partner can check it.
    ///
    /// # Errors
    ///
    /// [`Error::Lifetime`] outside [`MIN_LIFETIME_SECS`]`..=`[`MAX_LIFETIME_SECS`].
    pub fn with_valid_for_secs(mut self, seconds: u64) -> Result<Self, Error> {
        self.valid_for_secs = check_lifetime("validity period", seconds)?;
        Ok(self)
    }

    /// Returns the lifetime of a pending challenge in seconds.
    pub fn lifetime_secs(&self) -> u64 {
        self.lifetime_secs
    }

    /// Returns the validity period after a right answer in seconds.
    pub fn valid_for_secs(&self) -> u64 {
        self.valid_for_secs
    }
}

/// A challenge id: [`CHALLENGE_ID_BYTES`] random bytes in unpadded base64url, given to the
/// browser and, through the form, to the partner. The state stores only its SHA-256
/// ([`ChallengeId::key`]); `==` compares in constant time.
#[derive(Clone)]
pub struct ChallengeId(String);

impl ChallengeId {
    fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let mut raw = [0u8; CHALLENGE_ID_BYTES];
        rng.fill_bytes(&mut raw);
        ChallengeId(URL_SAFE_NO_PAD.encode(raw))
    }

    /// Returns the id as sent to the browser.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns the store key of the challenge, see [`challenge_key`].
    pub fn key(&self) -> String {
        challenge_key(&self.0)
    }
}

impl PartialEq for ChallengeId {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for ChallengeId {}

impl fmt::Debug for ChallengeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChallengeId(redacted)")
    }
}

/// Returns the store key (lower-case hex SHA-256) of the challenge with id `id`, the same as
/// [`ChallengeId::key`].
pub fn challenge_key(id: &str) -> String {
    use fmt::Write as _;
    let digest = Sha256::new()
        .chain_update(ID_DOMAIN)
        .chain_update(id.as_bytes())
        .finalize();
    digest.iter().fold(String::with_capacity(64), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The kind of a challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Kind {
    /// Transcribe two corpus items ([`Transcription`]).
    Transcription,
    /// Find a proof-of-work solution ([`PowChallenge`]).
    ProofOfWork,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Transcription => "transcription",
            Kind::ProofOfWork => "proof_of_work",
        })
    }
}

/// What the client must solve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Puzzle {
    /// Two items to transcribe.
    Transcription(Transcription),
    /// A proof-of-work challenge; its site must be the challenge's site. The state machine
    /// checks the work and uses its own expiry; the MAC matters only to the stateless
    /// [`PowKey::verify`](crate::PowKey::verify).
    ProofOfWork(PowChallenge),
}

impl Puzzle {
    /// Returns the kind of challenge the puzzle makes.
    pub fn kind(&self) -> Kind {
        match self {
            Puzzle::Transcription(_) => Kind::Transcription,
            Puzzle::ProofOfWork(_) => Kind::ProofOfWork,
        }
    }
}

/// A client's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer<'a> {
    /// The texts typed for the two items, in the order shown.
    Transcription([&'a str; 2]),
    /// A proof-of-work solution.
    ProofOfWork {
        /// The solution found.
        solution: u64,
    },
}

impl Answer<'_> {
    /// Returns the kind of challenge the answer is for.
    pub fn kind(&self) -> Kind {
        match self {
            Answer::Transcription(_) => Kind::Transcription,
            Answer::ProofOfWork { .. } => Kind::ProofOfWork,
        }
    }
}

/// What the partner's check reports: the `state` of the seed's JSON answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// Created, not answered yet.
    Pending,
    /// Answered right; reported to the partner once.
    Valid,
    /// Answered wrong.
    Invalid,
    /// Not answered, or not checked, in time.
    Expired,
    /// Answered right and already checked by the partner.
    Consumed,
}

impl Status {
    /// Returns the status as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Valid => "valid",
            Status::Invalid => "invalid",
            Status::Expired => "expired",
            Status::Consumed => "consumed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A challenge waiting for its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    site: String,
    puzzle: Puzzle,
    created_at: UnixTime,
    expires_at: UnixTime,
    valid_for_secs: u64,
}

impl Pending {
    /// Returns the puzzle, for rendering to the client.
    pub fn puzzle(&self) -> &Puzzle {
        &self.puzzle
    }
}

/// A challenge that no longer takes an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closed {
    site: String,
    kind: Kind,
    /// When it was answered, checked or found expired.
    at: UnixTime,
    expires_at: UnixTime,
}

/// A challenge, as the server stores it.
///
/// Serialized with serde as a JSON object tagged by `"state"`: `"pending"`, `"valid"`,
/// `"invalid"`, `"consumed"` or `"expired"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Challenge {
    /// Waiting for an answer.
    Pending(Pending),
    /// Answered right, waiting for the partner's check.
    Valid(Closed),
    /// Answered wrong (terminal).
    Invalid(Closed),
    /// Checked by the partner (terminal).
    Consumed(Closed),
    /// Ran out of time (terminal).
    Expired(Closed),
}

/// A new challenge: the state to store (with `put_new` under [`ChallengeId::key`]) and the id
/// to give the browser.
#[derive(Debug, Clone)]
pub struct Created {
    /// The state.
    pub state: Challenge,
    /// The id, sent to the browser; never stored in the clear.
    pub id: ChallengeId,
}

/// The result of one transition.
#[derive(Debug)]
#[must_use]
pub struct Transition<T> {
    /// The next state.
    pub state: Challenge,
    /// What to report.
    pub outcome: T,
    /// Whether `state` differs from the state the transition consumed.
    pub changed: bool,
}

impl<T> Transition<T> {
    fn unchanged(state: Challenge, outcome: T) -> Self {
        Transition {
            state,
            outcome,
            changed: false,
        }
    }

    fn changed(state: Challenge, outcome: T) -> Self {
        Transition {
            state,
            outcome,
            changed: true,
        }
    }
}

/// What an answer leads to.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Answered {
    /// The answer is right; the user may submit the form. A transcription yields the
    /// annotation vote for its unknown item.
    Valid {
        /// The vote to record with [`Votes::record`](crate::Votes::record).
        vote: Option<Vote>,
    },
    /// The answer is wrong; the challenge is burned. Once that is stored, draw a puzzle of
    /// [`Replacement::kind`] and [`Replacement::create`] the challenge that replaces it
    /// (store it with `put_new`, send its id and puzzle to the browser).
    Invalid {
        /// What the fresh challenge inherits from the burned one.
        replacement: Replacement,
    },
}

/// What the challenge that replaces a wrongly answered one inherits from it: its site, its
/// kind and its lifetimes (not the configuration's current ones).
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Replacement {
    site: String,
    kind: Kind,
    config: ChallengeConfig,
}

impl Replacement {
    /// Returns the site of the burned challenge.
    pub fn site(&self) -> &str {
        &self.site
    }

    /// Returns the kind of puzzle the replacement needs.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Creates the pending challenge that replaces the burned one at `now`, with `puzzle` and a
    /// fresh id from `rng`.
    ///
    /// # Errors
    ///
    /// [`Error::WrongKind`] for a puzzle of another kind, and what [`Challenge::create`]
    /// refuses.
    pub fn create(
        self,
        puzzle: Puzzle,
        rng: &mut impl CryptoRngCore,
        now: UnixTime,
    ) -> Result<Created, Error> {
        if puzzle.kind() != self.kind {
            return Err(Error::WrongKind {
                expected: self.kind,
                found: puzzle.kind(),
            });
        }
        Challenge::create(&self.config, &self.site, puzzle, rng, now)
    }
}

impl Challenge {
    /// Creates a pending challenge for `site` at `now`, with a fresh id from `rng`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSite`], or [`Error::WrongSite`] for a proof-of-work puzzle of another
    /// site.
    pub fn create(
        config: &ChallengeConfig,
        site: &str,
        puzzle: Puzzle,
        rng: &mut impl CryptoRngCore,
        now: UnixTime,
    ) -> Result<Created, Error> {
        check_site(site)?;
        if let Puzzle::ProofOfWork(pow) = &puzzle {
            if pow.site() != site {
                return Err(Error::WrongSite {
                    found: site.to_owned(),
                });
            }
        }
        let state = Challenge::Pending(Pending {
            site: site.to_owned(),
            puzzle,
            created_at: now,
            expires_at: now.plus(config.lifetime_secs),
            valid_for_secs: config.valid_for_secs,
        });
        Ok(Created {
            state,
            id: ChallengeId::generate(rng),
        })
    }

    /// The browser answers the challenge for `site` at `now`. A wrong answer burns the
    /// challenge and returns the [`Replacement`] that creates a fresh one.
    ///
    /// The outcome is [`Answered`], or why the answer was not judged: [`Error::WrongSite`]
    /// and [`Error::WrongKind`] (unchanged), [`Error::Expired`] (→ `Expired`),
    /// [`Error::NotPending`] (unchanged).
    pub fn answer(
        self,
        site: &str,
        answer: &Answer<'_>,
        now: UnixTime,
    ) -> Transition<Result<Answered, Error>> {
        if !self.belongs_to(site) {
            let found = site.to_owned();
            return Transition::unchanged(self, Err(Error::WrongSite { found }));
        }
        if self.kind() != answer.kind() {
            let (expected, found) = (self.kind(), answer.kind());
            return Transition::unchanged(self, Err(Error::WrongKind { expected, found }));
        }
        let state = match self {
            Challenge::Pending(state) => state,
            live @ Challenge::Valid(_) if now >= live.expires_at() => {
                let expires_at = live.expires_at();
                return Transition::changed(
                    live.expire(now),
                    Err(Error::Expired { expires_at, now }),
                );
            }
            other => {
                let status = other.status();
                return Transition::unchanged(other, Err(Error::NotPending { status }));
            }
        };
        if now >= state.expires_at {
            let expires_at = state.expires_at;
            return Transition::changed(
                Challenge::Pending(state).expire(now),
                Err(Error::Expired { expires_at, now }),
            );
        }
        let verdict = match (&state.puzzle, answer) {
            (Puzzle::Transcription(puzzle), Answer::Transcription(texts)) => {
                puzzle.judge(*texts).map(Some)
            }
            (Puzzle::ProofOfWork(pow), Answer::ProofOfWork { solution }) => {
                pow.check_work(*solution).ok().map(|()| None)
            }
            _ => unreachable!("kinds were compared"),
        };
        let kind = state.puzzle.kind();
        if let Some(vote) = verdict {
            return Transition::changed(
                Challenge::Valid(Closed {
                    kind,
                    at: now,
                    expires_at: now.plus(state.valid_for_secs),
                    site: state.site,
                }),
                Ok(Answered::Valid { vote }),
            );
        }
        let replacement = Replacement {
            site: state.site.clone(),
            kind,
            config: ChallengeConfig {
                lifetime_secs: state.expires_at.seconds_since(state.created_at),
                valid_for_secs: state.valid_for_secs,
            },
        };
        Transition::changed(
            Challenge::Invalid(Closed {
                kind,
                at: now,
                expires_at: state.expires_at,
                site: state.site,
            }),
            Ok(Answered::Invalid { replacement }),
        )
    }

    /// The partner, authenticated for `site`, checks the challenge at `now`. A valid
    /// challenge is reported [`Status::Valid`] once and becomes `Consumed`; every other state
    /// reports its status. A pending or valid challenge past its expiry becomes `Expired`.
    ///
    /// The outcome is the status, or [`Error::WrongSite`] (unchanged).
    pub fn check(self, site: &str, now: UnixTime) -> Transition<Result<Status, Error>> {
        if !self.belongs_to(site) {
            let found = site.to_owned();
            return Transition::unchanged(self, Err(Error::WrongSite { found }));
        }
        match self {
            live @ (Challenge::Pending(_) | Challenge::Valid(_)) if now >= live.expires_at() => {
                Transition::changed(live.expire(now), Ok(Status::Expired))
            }
            Challenge::Valid(state) => Transition::changed(
                Challenge::Consumed(Closed { at: now, ..state }),
                Ok(Status::Valid),
            ),
            other => {
                let status = other.status();
                Transition::unchanged(other, Ok(status))
            }
        }
    }

    fn expire(self, now: UnixTime) -> Challenge {
        let kind = self.kind();
        let expires_at = self.expires_at();
        let site = match self {
            Challenge::Pending(state) => state.site,
            Challenge::Valid(state)
            | Challenge::Invalid(state)
            | Challenge::Consumed(state)
            | Challenge::Expired(state) => state.site,
        };
        Challenge::Expired(Closed {
            site,
            kind,
            at: now,
            expires_at,
        })
    }

    fn belongs_to(&self, site: &str) -> bool {
        self.site().as_bytes().ct_eq(site.as_bytes()).into()
    }

    /// Returns the status the partner would see (without the expiry check of
    /// [`Challenge::check`]).
    pub fn status(&self) -> Status {
        match self {
            Challenge::Pending(_) => Status::Pending,
            Challenge::Valid(_) => Status::Valid,
            Challenge::Invalid(_) => Status::Invalid,
            Challenge::Consumed(_) => Status::Consumed,
            Challenge::Expired(_) => Status::Expired,
        }
    }

    /// Returns the site the challenge belongs to.
    pub fn site(&self) -> &str {
        match self {
            Challenge::Pending(state) => &state.site,
            Challenge::Valid(state)
            | Challenge::Invalid(state)
            | Challenge::Consumed(state)
            | Challenge::Expired(state) => &state.site,
        }
    }

    /// Returns the kind of the challenge.
    pub fn kind(&self) -> Kind {
        match self {
            Challenge::Pending(state) => state.puzzle.kind(),
            Challenge::Valid(state)
            | Challenge::Invalid(state)
            | Challenge::Consumed(state)
            | Challenge::Expired(state) => state.kind,
        }
    }

    /// Returns when the current state expires; a good TTL for the stored
    /// record. For terminal states, the expiry of the state they ended.
    pub fn expires_at(&self) -> UnixTime {
        match self {
            Challenge::Pending(state) => state.expires_at,
            Challenge::Valid(state)
            | Challenge::Invalid(state)
            | Challenge::Consumed(state)
            | Challenge::Expired(state) => state.expires_at,
        }
    }

    /// Returns whether no transition can change the state any more (`Invalid`, `Consumed`,
    /// `Expired`): the server may delete it, since a missing challenge reads as expired.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Challenge::Invalid(_) | Challenge::Consumed(_) | Challenge::Expired(_)
        )
    }

    /// Returns the pending puzzle, if the challenge is pending.
    pub fn puzzle(&self) -> Option<&Puzzle> {
        match self {
            Challenge::Pending(state) => Some(&state.puzzle),
            _ => None,
        }
    }
}
