//! JSON records in the store, changed by compare-and-swap: the plumbing every surface's state
//! machine shares. A handler reads a record with its version, runs one transition, and writes
//! the next state back only if nobody changed it meanwhile; it reports the outcome only once
//! that write won, so any number of replicas agree.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use watchword_store::{CasOutcome, Key, Store};

use crate::error::ApiError;

/// Serializes a record; a failure is a fault of the server.
///
/// # Errors
/// `500 internal`.
pub fn encode<T: Serialize>(record: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(record).map_err(|_| ApiError::internal())
}

/// Parses a stored record of `what` (for the log); a record that does not parse is a fault of
/// the server, logged, never shown to the caller.
///
/// # Errors
/// `500 internal`.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|error| {
        tracing::error!(%error, what, "a stored record does not parse");
        ApiError::internal()
    })
}

/// Stores `next` under `key` for `ttl` if the stored version is still `version` (`None`: if
/// nothing is stored). `false` when another request changed the record first: run the
/// transition again on the fresh state.
///
/// # Errors
/// `503 store_unavailable`, `500 internal`.
pub async fn write_back<T: Serialize>(
    store: &dyn Store,
    key: &Key,
    version: Option<u64>,
    next: &T,
    ttl: Duration,
) -> Result<bool, ApiError> {
    let written = store
        .compare_and_swap(key, version, Some((&encode(next)?, ttl)))
        .await?;
    Ok(matches!(written, CasOutcome::Swapped { .. }))
}

/// The answer when a record kept changing under a request: `503 contention`.
pub fn contention(what: &str) -> ApiError {
    ApiError::new(
        http::StatusCode::SERVICE_UNAVAILABLE,
        "contention",
        format!("too many concurrent changes to this {what}; try again"),
    )
}

/// How many times [`transact`] runs a transition against fresh state before it answers
/// `503 contention`.
pub const RETRIES: usize = 16;

/// What a transition does to the stored record.
#[derive(Debug)]
pub enum Change<T> {
    /// Nothing to write: the outcome stands on the state as read.
    Keep,
    /// Store this next state, for this long.
    Put(T, Duration),
    /// Remove the record.
    Delete,
}

/// Runs one state transition on the JSON record under `key` atomically: reads it with its
/// version, calls `transition` with the state (`None`: nothing stored), writes the [`Change`]
/// it returns only if nobody changed the record meanwhile, and otherwise runs `transition`
/// again on the state that won, up to [`RETRIES`] times. The outcome is returned only once
/// its write (if any) won, so any number of replicas agree on it.
///
/// `transition` is pure and may run several times; an error from it is returned as is, with
/// nothing written. `what` names the record in the contention error.
///
/// # Errors
/// What `transition` returns, `503 store_unavailable`, `503 contention` after [`RETRIES`]
/// lost races, `500 internal` for a record that does not parse.
pub async fn transact<T, O>(
    store: &dyn Store,
    key: &Key,
    what: &str,
    mut transition: impl FnMut(Option<T>) -> Result<(Change<T>, O), ApiError>,
) -> Result<O, ApiError>
where
    T: Serialize + DeserializeOwned,
{
    let mut stored = store.get_versioned(key).await?;
    for _ in 0..RETRIES {
        let version = stored.as_ref().map(|s| s.version);
        let state = match &stored {
            Some(record) => Some(decode::<T>(&record.value, what)?),
            None => None,
        };
        let (change, outcome) = transition(state)?;
        let bytes;
        let new = match change {
            Change::Keep => return Ok(outcome),
            Change::Put(next, ttl) => {
                bytes = encode(&next)?;
                Some((bytes.as_slice(), ttl))
            }
            Change::Delete if version.is_none() => return Ok(outcome),
            Change::Delete => None,
        };
        match store.compare_and_swap(key, version, new).await? {
            CasOutcome::Swapped { .. } => return Ok(outcome),
            // The conflict carries the state that won: run again on it without a second read.
            CasOutcome::Conflict { current } => stored = current,
        }
    }
    Err(contention(what))
}
