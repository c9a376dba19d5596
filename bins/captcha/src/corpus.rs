//! The transcription corpus: images, their known answers, and the annotation votes collected
//! for the items whose answer is not known yet.
//!
//! | what | where | |
//! |---|---|---|
//! | item metadata | table `ww:{captcha:item}`, one field per item | [`Item`] as JSON |
//! | image bytes | table `ww:{captcha:image}`, one field per item | PNG, JPEG, GIF or WebP |
//! | votes | key `ww:captcha:votes:{<item>}`, kept 90 days | [`Votes`] as JSON |
//!
//! Once an unknown item's votes reach consensus ([`VoteConfig`]: distinct voter networks,
//! agreeing across sites where there are several) its answer is recorded as *learned*, and the
//! item goes on **probation** for [`PROBATION`]: it is still shown as the unknown word and
//! collects votes, but never serves as a control; if the votes stop agreeing on that answer
//! during probation, the item is unlearned. After probation it serves as a control. An
//! operator can accept or reject learned answers at any time (`watchword captcha review`).
//! Servers keep an in-memory index of the table, refreshed every [`REFRESH`], to draw items
//! without reading the table per request.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand_core::{CryptoRngCore, RngCore};
use serde::{Deserialize, Serialize};
use watchword_captcha::{normalize, Punctuation, Transcription, Vote, VoteConfig, Votes};
use watchword_http::{ApiError, UnixTime};
use watchword_store::{Key, Store, Table};

use crate::SURFACE;

/// How often a server reloads the item index.
pub const REFRESH: Duration = Duration::from_secs(30);
/// How long votes for an item are kept after the last one.
pub const VOTES_TTL: Duration = Duration::from_secs(90 * 24 * 3600);
/// How long a learned answer is on probation: shown again as the unknown word, never used as a
/// control.
pub const PROBATION: Duration = Duration::from_secs(7 * 24 * 3600);
/// The largest image accepted on import.
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;

/// One corpus item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The id (`[A-Za-z0-9._-]{1,128}`).
    pub id: String,
    /// The known answer, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Whether the answer was learned from votes rather than imported (or accepted).
    #[serde(default)]
    pub learned: bool,
    /// Until when a learned answer is on probation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probation_until: Option<UnixTime>,
    /// The image's media type.
    pub content_type: String,
}

/// Whether `id` is a well-formed item id.
pub fn is_item_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= watchword_captcha::transcription::MAX_ITEM_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// An image of the corpus as the grayscale raster challenges redraw: decoded from PNG, JPEG,
/// GIF (its first frame) or WebP, transparency composited on white, at most
/// [`watchword_captcha::distort::MAX_SIDE`] pixels a side.
///
/// # Errors
/// What is wrong with the image, for the import's message.
pub fn decode_gray(bytes: &[u8]) -> Result<watchword_captcha::distort::Gray, String> {
    use image::ImageDecoder as _;
    let max = watchword_captcha::distort::MAX_SIDE;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(max);
    limits.max_image_height = Some(max);
    limits.max_alloc = Some(64 * 1024 * 1024);
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let (width, height) = decoder.dimensions();
    // Transparent pixels are paper: composite on white before dropping the colour.
    let rgba = image::DynamicImage::from_decoder(decoder)
        .map_err(|e| e.to_string())?
        .to_rgba8();
    let pixels = rgba
        .pixels()
        .map(|p| {
            let [r, g, b, a] = p.0.map(u32::from);
            // ITU-R BT.601 luma, in 1/1000.
            let luma = (299 * r + 587 * g + 114 * b) / 1000;
            let over_white = (luma * a + 255 * (255 - a)) / 255;
            u8::try_from(over_white).unwrap_or(u8::MAX)
        })
        .collect();
    watchword_captcha::distort::Gray::new(width, height, pixels).map_err(|e| e.to_string())
}

/// The media type of an image, from its first bytes; `None` for anything else.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// The corpus in the store.
#[derive(Debug)]
pub struct Corpus {
    items: Table,
    images: Table,
    votes: VoteConfig,
    punctuation: Punctuation,
    index: Mutex<Option<(Instant, Arc<Index>)>>,
}

/// The items a server draws from.
#[derive(Debug, Default)]
pub struct Index {
    known: Vec<(String, String)>,
    unknown: Vec<String>,
}

impl Index {
    /// Whether item `id` serves as a control (its answer is known and not on probation).
    pub fn is_control(&self, id: &str) -> bool {
        self.known.iter().any(|(known, _)| known == id)
    }

    /// Whether item `id` is shown as the unknown word (no answer yet, or on probation).
    pub fn is_unknown(&self, id: &str) -> bool {
        self.unknown.iter().any(|unknown| unknown == id)
    }

    /// Whether there is no known item to use as a control.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Draws a puzzle: a known control and an unknown item (or a second known one when every
    /// item is known).
    pub fn draw(
        &self,
        punctuation: Punctuation,
        rng: &mut impl CryptoRngCore,
    ) -> Option<Transcription> {
        if self.known.is_empty() {
            return None;
        }
        let c = pick(self.known.len(), rng);
        let (control, answer) = &self.known[c];
        let unknown = if self.unknown.is_empty() {
            if self.known.len() < 2 {
                return None;
            }
            let mut u = pick(self.known.len() - 1, rng);
            if u >= c {
                u += 1;
            }
            &self.known[u].0
        } else {
            &self.unknown[pick(self.unknown.len(), rng)]
        };
        Transcription::new(control, answer, unknown, punctuation, rng).ok()
    }
}

impl Corpus {
    /// The corpus of the store, judging answers with `punctuation` and learning answers by
    /// `votes`.
    ///
    /// # Panics
    /// Never: the table names are constants.
    pub fn new(votes: VoteConfig, punctuation: Punctuation) -> Self {
        Self {
            items: Table::new(SURFACE, "item").expect("valid table name"),
            images: Table::new(SURFACE, "image").expect("valid table name"),
            votes,
            punctuation,
            index: Mutex::new(None),
        }
    }

    /// How answers are compared.
    pub fn punctuation(&self) -> Punctuation {
        self.punctuation
    }

    /// The index, reloaded from the store when older than [`REFRESH`].
    ///
    /// # Errors
    /// `503` when the store is down and no index was loaded yet.
    pub async fn index(&self, store: &dyn Store, now: UnixTime) -> Result<Arc<Index>, ApiError> {
        let cached = self.index.lock().map_err(|_| ApiError::internal())?.clone();
        if let Some((at, index)) = &cached {
            if at.elapsed() < REFRESH {
                return Ok(index.clone());
            }
        }
        let loaded = match self.list(store).await {
            Ok(items) => {
                let mut index = Index::default();
                for item in items {
                    match item.answer {
                        // An answer stored before import refused empty ones never serves as
                        // a control.
                        Some(answer) if normalize(&answer, self.punctuation).is_empty() => {
                            tracing::warn!(item = %item.id, "an answer normalises to nothing; not used");
                        }
                        // On probation: asked again, never a control.
                        Some(_) if item.probation_until.is_some_and(|until| now < until) => {
                            index.unknown.push(item.id);
                        }
                        Some(answer) => index.known.push((item.id, answer)),
                        None => index.unknown.push(item.id),
                    }
                }
                Arc::new(index)
            }
            // Keep serving the last index through a store outage.
            Err(error) => return cached.map(|(_, index)| index).ok_or(error),
        };
        *self.index.lock().map_err(|_| ApiError::internal())? =
            Some((Instant::now(), loaded.clone()));
        Ok(loaded)
    }

    /// Forgets the cached index, so the next draw reloads it.
    pub fn invalidate(&self) {
        if let Ok(mut index) = self.index.lock() {
            *index = None;
        }
    }

    /// Every item.
    ///
    /// # Errors
    /// `503` when the store is down, `500` for a record that does not parse.
    pub async fn list(&self, store: &dyn Store) -> Result<Vec<Item>, ApiError> {
        store
            .config_list(&self.items)
            .await?
            .into_iter()
            .map(|(_, bytes)| {
                serde_json::from_slice(&bytes).map_err(|error| {
                    tracing::error!(%error, "a stored corpus item does not parse");
                    ApiError::internal()
                })
            })
            .collect()
    }

    /// The image of item `id` and its media type.
    ///
    /// # Errors
    /// `503` when the store is down.
    pub async fn image(
        &self,
        store: &dyn Store,
        id: &str,
    ) -> Result<Option<(String, Vec<u8>)>, ApiError> {
        let Some(meta) = store.config_get(&self.items, id).await? else {
            return Ok(None);
        };
        let item: Item = serde_json::from_slice(&meta).map_err(|_| ApiError::internal())?;
        Ok(store
            .config_get(&self.images, id)
            .await?
            .map(|bytes| (item.content_type, bytes)))
    }

    /// Adds or replaces an item.
    ///
    /// # Errors
    /// `400 invalid_item` for a bad id, an answer that is empty or too long, or bytes that are
    /// not a PNG, JPEG, GIF or WebP image of at most [`MAX_IMAGE_BYTES`]; `503` when the store
    /// is down.
    pub async fn put(
        &self,
        store: &dyn Store,
        id: &str,
        answer: Option<&str>,
        image: &[u8],
    ) -> Result<Item, ApiError> {
        let invalid = |message: String| ApiError::bad_request("invalid_item", message);
        if !is_item_id(id) {
            return Err(invalid(format!(
                "item id {id:?} must be 1 to 128 of A-Z a-z 0-9 . _ -"
            )));
        }
        if let Some(answer) = answer {
            if answer.trim().is_empty()
                || answer.len() > watchword_captcha::transcription::MAX_ANSWER_LEN
            {
                return Err(invalid(format!(
                    "the answer of {id} must be 1 to 256 bytes"
                )));
            }
            // Judged under either punctuation setting, an answer that normalises to nothing
            // (punctuation or combining marks only) would accept an empty answer.
            if normalize(answer, Punctuation::Strip).is_empty() {
                return Err(invalid(format!(
                    "the answer of {id} has no letters or digits once normalised"
                )));
            }
        }
        if image.len() > MAX_IMAGE_BYTES {
            return Err(invalid(format!(
                "the image of {id} is {} bytes, more than {MAX_IMAGE_BYTES}",
                image.len()
            )));
        }
        let content_type = image_type(image)
            .ok_or_else(|| invalid(format!("the image of {id} is not PNG, JPEG, GIF or WebP")))?;
        // Every challenge redraws its images, so each must decode now rather than at serve time.
        decode_gray(image)
            .map_err(|reason| invalid(format!("the image of {id} does not decode: {reason}")))?;
        let item = Item {
            id: id.to_owned(),
            answer: answer.map(str::to_owned),
            learned: false,
            probation_until: None,
            content_type: content_type.to_owned(),
        };
        store.config_put(&self.images, id, image).await?;
        self.write(store, &item).await?;
        Ok(item)
    }

    async fn write(&self, store: &dyn Store, item: &Item) -> Result<(), ApiError> {
        let json = serde_json::to_vec(item).map_err(|_| ApiError::internal())?;
        store.config_put(&self.items, &item.id, &json).await?;
        Ok(())
    }

    /// The votes recorded for `item`.
    ///
    /// # Errors
    /// `503` when the store is down.
    pub async fn votes(&self, store: &dyn Store, item: &str) -> Result<Votes, ApiError> {
        Ok(match store.get_versioned(&votes_key(item)?).await? {
            Some(stored) => serde_json::from_slice(&stored.value).unwrap_or_default(),
            None => Votes::new(),
        })
    }

    /// Records `vote` from `voter` (a fingerprint of the client network) cast on `site`, out
    /// of `sites_serving` sites. When the item's votes reach consensus and it had no answer,
    /// the consensus becomes its learned answer, on probation until `now` + [`PROBATION`];
    /// when an item on probation loses its consensus, it is unlearned. Returns the learned
    /// answer, if this vote taught one.
    ///
    /// # Errors
    /// `503` when the store is down.
    pub async fn record(
        &self,
        store: &dyn Store,
        vote: &Vote,
        ballot: Ballot<'_>,
    ) -> Result<Option<String>, ApiError> {
        let key = votes_key(&vote.item)?;
        let recorded =
            watchword_http::records::transact(store, &key, "votes", |current: Option<Votes>| {
                let mut ballots = current.unwrap_or_default();
                if !ballots.record_on(&vote.text, ballot.voter, ballot.site) {
                    return Ok((watchword_http::records::Change::Keep, None));
                }
                let consensus = ballots.consensus(&self.votes, ballot.sites_serving);
                Ok((
                    watchword_http::records::Change::Put(ballots, VOTES_TTL),
                    Some(consensus),
                ))
            })
            .await?;
        let Some(consensus) = recorded else {
            return Ok(None);
        };
        let Some(meta) = store.config_get(&self.items, &vote.item).await? else {
            return Ok(None);
        };
        let mut item: Item = serde_json::from_slice(&meta).map_err(|_| ApiError::internal())?;
        let on_probation = item.learned && item.probation_until.is_some_and(|t| ballot.now < t);
        match (&item.answer, consensus) {
            (None, Some(consensus)) => {
                item.answer = Some(consensus.clone());
                item.learned = true;
                item.probation_until = Some(ballot.now.plus(PROBATION.as_secs()));
                self.write(store, &item).await?;
                self.invalidate();
                Ok(Some(consensus))
            }
            (Some(answer), consensus) if on_probation && consensus.as_ref() != Some(answer) => {
                tracing::warn!(item = %item.id, "a learned answer lost its consensus on probation");
                item.answer = None;
                item.learned = false;
                item.probation_until = None;
                self.write(store, &item).await?;
                self.invalidate();
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    /// Accepts item `id`'s learned answer: it ends probation and serves as a control now.
    /// Returns the item, or `None` when there is no such item.
    ///
    /// # Errors
    /// `400 not_learned` for an item without an answer; `503` when the store is down.
    pub async fn accept(&self, store: &dyn Store, id: &str) -> Result<Option<Item>, ApiError> {
        let Some(meta) = store.config_get(&self.items, id).await? else {
            return Ok(None);
        };
        let mut item: Item = serde_json::from_slice(&meta).map_err(|_| ApiError::internal())?;
        if item.answer.is_none() {
            return Err(ApiError::bad_request(
                "not_learned",
                format!("{id} has no answer to accept"),
            ));
        }
        item.probation_until = None;
        self.write(store, &item).await?;
        self.invalidate();
        Ok(Some(item))
    }

    /// Rejects item `id`'s learned answer: the answer and the votes are dropped and the item
    /// is asked as an unknown word again. Imported answers are not touched. Returns the item,
    /// or `None` when there is no such item.
    ///
    /// # Errors
    /// `400 not_learned` for an item whose answer was imported, or that has none; `503` when
    /// the store is down.
    pub async fn reject(&self, store: &dyn Store, id: &str) -> Result<Option<Item>, ApiError> {
        let Some(meta) = store.config_get(&self.items, id).await? else {
            return Ok(None);
        };
        let mut item: Item = serde_json::from_slice(&meta).map_err(|_| ApiError::internal())?;
        if !item.learned {
            return Err(ApiError::bad_request(
                "not_learned",
                format!("{id} has no learned answer (imported answers are changed by import)"),
            ));
        }
        item.answer = None;
        item.learned = false;
        item.probation_until = None;
        store.delete(&votes_key(id)?).await?;
        self.write(store, &item).await?;
        self.invalidate();
        Ok(Some(item))
    }
}

fn votes_key(item: &str) -> Result<Key, ApiError> {
    Key::new(SURFACE, "votes", item).map_err(|_| ApiError::internal())
}

/// Who cast a vote, where, and when: what [`Corpus::record`] needs beside the vote.
#[derive(Debug, Clone, Copy)]
pub struct Ballot<'a> {
    /// A fingerprint of the voter's client network.
    pub voter: &'a str,
    /// The site the vote was cast on.
    pub site: &'a str,
    /// How many sites the deployment serves (agreement must span several where there are).
    pub sites_serving: usize,
    /// When it was cast.
    pub now: UnixTime,
}

/// Loads `items` (id, known answer, image) into the corpus, for the demo and for tests.
///
/// # Errors
/// As [`Corpus::put`].
pub async fn load<'a>(
    corpus: &Corpus,
    store: &dyn Store,
    items: impl IntoIterator<Item = (&'a str, Option<&'a str>, &'a [u8])>,
) -> Result<usize, ApiError> {
    let mut count = 0;
    for (id, answer, image) in items {
        corpus.put(store, id, answer, image).await?;
        count += 1;
    }
    corpus.invalidate();
    Ok(count)
}

/// A uniform index below `len` (which is not zero); the bias of a 64-bit modulus is
/// negligible for corpus sizes.
fn pick(len: usize, rng: &mut impl RngCore) -> usize {
    usize::try_from(rng.next_u64() % (len as u64)).unwrap_or(0)
}
