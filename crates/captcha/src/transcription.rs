//! Ocapi's own challenge: transcribe two corpus items, one of which the server knows.
//!
//! A [`Transcription`] shows two items in random order: a **control**, whose answer the
//! corpus knows, and an **unknown** item that the corpus wants transcribed. The client is not
//! told which is which. The answer is valid when the text typed for the control matches its
//! known answer after [normalisation](crate::normalize); only then does the text typed for the
//! unknown item count, as one annotation [`Vote`] for it.
//!
//! [`Votes`] collects the votes of one unknown item, at most one per voter, and
//! [`Votes::consensus`] says when enough of them agree for the item to become a control
//! itself ([`VoteConfig`]: by default 3 agreeing votes that are at least 75 % of all votes).

use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;

use crate::normalize::{normalize, Punctuation};
use crate::Error;

/// The longest corpus item id, in bytes.
pub const MAX_ITEM_LEN: usize = 128;
/// The longest answer text judged, in bytes; a longer one is simply wrong.
pub const MAX_ANSWER_LEN: usize = 256;
/// The most votes one item keeps; later votes are ignored.
pub const MAX_VOTES: usize = 256;

/// Checks a corpus item id: 1 to [`MAX_ITEM_LEN`] bytes of printable ASCII.
fn check_item(id: &str) -> Result<(), Error> {
    if id.is_empty() {
        Err(Error::InvalidItem { reason: "empty" })
    } else if id.len() > MAX_ITEM_LEN {
        Err(Error::InvalidItem {
            reason: "longer than 128 bytes",
        })
    } else if !id.bytes().all(|b| b.is_ascii_graphic()) {
        Err(Error::InvalidItem {
            reason: "not printable ascii",
        })
    } else {
        Ok(())
    }
}

/// A transcription challenge: the two item ids in the order shown, and, kept on the server,
/// which one is the control and its normalised answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transcription {
    shown: [String; 2],
    control_first: bool,
    expected: String,
    punctuation: Punctuation,
}

/// An annotation vote: the normalised text a client typed for an unknown item, counted only
/// because the same client typed the control right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    /// The unknown item's id.
    pub item: String,
    /// The normalised text.
    pub text: String,
}

impl Transcription {
    /// Builds a challenge from a control item (its id and known answer) and an unknown item,
    /// in an order drawn from `rng`. The known answer is normalised with `punctuation`, as
    /// answers will be.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidItem`] for an item id that is not 1 to [`MAX_ITEM_LEN`] bytes of
    /// printable ASCII, or when both items are the same.
    pub fn new(
        control: &str,
        control_answer: &str,
        unknown: &str,
        punctuation: Punctuation,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, Error> {
        check_item(control)?;
        check_item(unknown)?;
        if control == unknown {
            return Err(Error::InvalidItem {
                reason: "control and unknown item are the same",
            });
        }
        let expected = normalize(control_answer, punctuation);
        if expected.is_empty() {
            // An answer of punctuation or combining marks alone would let an empty answer pass.
            return Err(Error::InvalidItem {
                reason: "the control's answer normalises to nothing",
            });
        }
        let control_first = rng.next_u32() & 1 == 0;
        let shown = if control_first {
            [control.to_owned(), unknown.to_owned()]
        } else {
            [unknown.to_owned(), control.to_owned()]
        };
        Ok(Transcription {
            shown,
            control_first,
            expected,
            punctuation,
        })
    }

    /// Returns the item ids in the order shown to the client (all the client learns).
    pub fn shown(&self) -> [&str; 2] {
        [&self.shown[0], &self.shown[1]]
    }

    /// Returns the control item's id.
    pub fn control(&self) -> &str {
        &self.shown[usize::from(!self.control_first)]
    }

    /// Returns the unknown item's id.
    pub fn unknown(&self) -> &str {
        &self.shown[usize::from(self.control_first)]
    }

    /// Judges `answers`, one text per item in the order shown. Returns `Some(vote)` for the
    /// unknown item when the control text matches its known answer (compared in constant
    /// time after normalisation), `None` when it does not. A control text longer than
    /// [`MAX_ANSWER_LEN`] bytes is wrong; an unknown-item text that long yields an empty vote,
    /// which [`Votes::record`] ignores.
    pub fn judge(&self, answers: [&str; 2]) -> Option<Vote> {
        let (control, unknown) = if self.control_first {
            (answers[0], answers[1])
        } else {
            (answers[1], answers[0])
        };
        if control.len() > MAX_ANSWER_LEN {
            return None;
        }
        let typed = normalize(control, self.punctuation);
        if typed.is_empty() || !bool::from(typed.as_bytes().ct_eq(self.expected.as_bytes())) {
            return None;
        }
        let text = if unknown.len() > MAX_ANSWER_LEN {
            String::new()
        } else {
            normalize(unknown, self.punctuation)
        };
        Some(Vote {
            item: self.unknown().to_owned(),
            text,
        })
    }
}

/// When the votes of an unknown item make it known: at least `min_votes` votes from distinct
/// voters agree on one text, they are at least `threshold` of all its votes, and, where the
/// deployment serves several sites, they come from at least `min_sites` of them (a handful of
/// addresses behind one site cannot teach the corpus alone).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VoteConfig {
    min_votes: u32,
    threshold: f64,
    #[serde(default = "one")]
    min_sites: u32,
}

fn one() -> u32 {
    1
}

impl Default for VoteConfig {
    /// 5 agreeing votes, at least 75 % of all votes, from at least 2 sites where there are
    /// several.
    fn default() -> Self {
        VoteConfig {
            min_votes: 5,
            threshold: 0.75,
            min_sites: 2,
        }
    }
}

impl VoteConfig {
    /// Builds a configuration.
    ///
    /// # Errors
    ///
    /// [`Error::VoteConfig`] when `min_votes` is 0, or `threshold` is not above 0.5 and at
    /// most 1 (above one half, two texts can never both reach it).
    pub fn new(min_votes: u32, threshold: f64) -> Result<Self, Error> {
        if min_votes == 0 {
            return Err(Error::VoteConfig {
                reason: "min_votes is 0",
            });
        }
        if !(threshold > 0.5 && threshold <= 1.0) {
            return Err(Error::VoteConfig {
                reason: "threshold is not in (0.5, 1]",
            });
        }
        Ok(VoteConfig {
            min_votes,
            threshold,
            min_sites: 1,
        })
    }

    /// Requires the agreeing votes to come from at least `sites` distinct sites, where the
    /// deployment has that many (see [`Votes::consensus`]).
    ///
    /// # Errors
    ///
    /// [`Error::VoteConfig`] when `sites` is 0.
    pub fn with_min_sites(mut self, sites: u32) -> Result<Self, Error> {
        if sites == 0 {
            return Err(Error::VoteConfig {
                reason: "min_sites is 0",
            });
        }
        self.min_sites = sites;
        Ok(self)
    }

    /// Returns the number of distinct sites the agreeing votes must come from.
    pub fn min_sites(&self) -> u32 {
        self.min_sites
    }

    /// Returns the number of agreeing votes required.
    pub fn min_votes(&self) -> u32 {
        self.min_votes
    }

    /// Returns the required agreement ratio.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }
}

/// The annotation votes of one unknown item: at most one per voter, at most [`MAX_VOTES`].
///
/// A plain value: the server keeps it in its store (serde) and updates it with a
/// compare-and-swap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Votes {
    votes: Vec<Ballot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Ballot {
    voter: String,
    text: String,
    /// The site the vote was cast on (empty for votes recorded before sites were kept).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    site: String,
}

impl Votes {
    /// No votes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `text` (normalised again, so that stored texts compare equal) as the vote of
    /// `voter`, a fingerprint the caller derives from the client (a hash, never a raw IP
    /// address). Returns whether the vote counted: a voter's second vote, an empty text and
    /// votes past [`MAX_VOTES`] are ignored.
    pub fn record(&mut self, text: &str, voter: &str) -> bool {
        self.record_on(text, voter, "")
    }

    /// As [`Votes::record`], for a vote cast on `site`, so that [`Votes::consensus`] can ask
    /// for agreement across sites.
    pub fn record_on(&mut self, text: &str, voter: &str, site: &str) -> bool {
        let text = normalize(text, Punctuation::Keep);
        if text.is_empty()
            || self.votes.len() >= MAX_VOTES
            || self.votes.iter().any(|ballot| ballot.voter == voter)
        {
            return false;
        }
        self.votes.push(Ballot {
            voter: voter.to_owned(),
            text,
            site: site.to_owned(),
        });
        true
    }

    /// Returns the number of votes counted.
    pub fn len(&self) -> usize {
        self.votes.len()
    }

    /// Returns whether no vote was counted.
    pub fn is_empty(&self) -> bool {
        self.votes.is_empty()
    }

    /// Returns each distinct text with its number of votes, most votes first (ties in
    /// alphabetical order): what an operator reviews in an export.
    pub fn tally(&self) -> Vec<(String, usize)> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for ballot in &self.votes {
            match counts.iter_mut().find(|(text, _)| *text == ballot.text) {
                Some((_, count)) => *count += 1,
                None => counts.push((ballot.text.clone(), 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts
    }

    /// Returns the agreed text, if one text has at least `config.min_votes` votes and at
    /// least `config.threshold` of all votes, cast on at least `config.min_sites` distinct
    /// sites when the deployment serves that many (`sites_serving`; pass 1 for one site).
    pub fn consensus(&self, config: &VoteConfig, sites_serving: usize) -> Option<String> {
        let total = u32::try_from(self.votes.len()).ok()?;
        let mut best: Option<(&str, u32)> = None;
        for ballot in &self.votes {
            let count = u32::try_from(
                self.votes
                    .iter()
                    .filter(|other| other.text == ballot.text)
                    .count(),
            )
            .ok()?;
            if best.is_none_or(|(_, most)| count > most) {
                best = Some((&ballot.text, count));
            }
        }
        let (text, count) = best?;
        let mut sites: Vec<&str> = self
            .votes
            .iter()
            .filter(|ballot| ballot.text == text)
            .map(|ballot| ballot.site.as_str())
            .collect();
        sites.sort_unstable();
        sites.dedup();
        let needed = usize::try_from(config.min_sites)
            .unwrap_or(usize::MAX)
            .min(sites_serving.max(1));
        let agreed = count >= config.min_votes
            && f64::from(count) >= config.threshold * f64::from(total)
            && sites.len() >= needed;
        agreed.then(|| text.to_owned())
    }
}
