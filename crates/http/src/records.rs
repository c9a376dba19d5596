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
