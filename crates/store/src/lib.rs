//! Watchword's state store: the only shared state of the Watchword servers.
//!
//! One object-safe async trait, [`Store`], with the few operations the protocols need, each
//! atomic on both backends:
//!
//! - [`MemoryStore`]: a map in the process, for `watchword dev`, embedding and fast tests;
//! - [`RedisStore`]: Redis over TCP (`redis://`) or a Unix socket (`redis+unix://`), and Redis
//!   Cluster (`redis+cluster://`) behind the `cluster` feature, shared by any number of server
//!   replicas.
//!
//! Every record carries a time-to-live; only configuration ([`Table`]s of sites, clients,
//! credentials) lives until removed. Keys follow one schema (see [`Key`] for why the Cluster hash
//! tag is on the id). Store *positive* state ("pending, 4 attempts left"), so that a lost key is a
//! rejection, never a second acceptance, and treat every `Err` as a refusal (HTTP 503): no
//! operation reports success when it could not tell.
//!
//! A service opens the store once from its configured URL and shares it:
//!
//! ```
//! use std::time::Duration;
//! use watchword_store::{CasOutcome, Key, Store};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), watchword_store::Error> {
//! // `memory://`, `redis://host:6379`, `redis+unix:///run/redis.sock`, `redis+cluster://a:7000,b:7001`
//! let store = watchword_store::open("memory://")?;
//!
//! // Issue a single-use challenge, then redeem it: the second redemption finds nothing.
//! let key = Key::new("captcha", "challenge", "0f9c2b1e7d3a4c5b8e6f")?;
//! assert!(store.put_new(&key, b"pending", Duration::from_secs(120)).await?);
//! assert_eq!(store.take(&key).await?.as_deref(), Some(&b"pending"[..]));
//! assert_eq!(store.take(&key).await?, None);
//!
//! // Move a record from one state to the next only if nobody else did in between.
//! let tx = Key::new("approval", "transaction", "5d41402abc4b2a76b971")?;
//! let ttl = Duration::from_secs(300);
//! let CasOutcome::Swapped { version } = store.compare_and_swap(&tx, None, Some((b"pending", ttl))).await? else {
//!     unreachable!("the record is new");
//! };
//! let outcome = store.compare_and_swap(&tx, Some(version), Some((b"approved", ttl))).await?;
//! assert!(matches!(outcome, CasOutcome::Swapped { .. }));
//!
//! // Count attempts in a fixed window, for rate limits.
//! let ip = Key::new("captcha", "rate-ip", "203.0.113.7")?;
//! let window = store.incr_window(&ip, Duration::from_secs(60)).await?;
//! assert_eq!(window.count, 1);
//! # Ok(())
//! # }
//! ```
//!
//! `/readyz` calls [`Store::ping`]. [`RedisStore::connect`] succeeds while Redis is down; each
//! operation then fails with [`Error::Unavailable`] until Redis answers again, and the store
//! reconnects by itself.
//!
//! With the `test-redis` feature, `testing::RedisServer` starts a private `redis-server` for
//! tests (this crate's and the surfaces'), and `testing::RedisCluster` a three-master Cluster.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod key;
mod memory;
mod redis_store;
#[cfg(feature = "test-redis")]
pub mod testing;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

pub use crate::error::{Error, Result};
pub use crate::key::{Key, Table, MAX_ID_LEN};
pub use crate::memory::MemoryStore;
pub use crate::redis_store::RedisStore;

/// The longest time-to-live or window accepted: ten years.
pub const MAX_TTL: Duration = Duration::from_secs(10 * 365 * 24 * 60 * 60);

/// A record read together with its version, for [`Store::compare_and_swap`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned {
    /// The version: strictly greater than every version the record had before, also across a
    /// delete and re-creation (on Redis the first version derives from the server clock).
    pub version: u64,
    /// The stored bytes.
    pub value: Vec<u8>,
}

/// The result of [`Store::compare_and_swap`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CasOutcome {
    /// The record matched the expected version and was replaced or deleted.
    Swapped {
        /// The version of the new record; 0 when it was deleted.
        version: u64,
    },
    /// The record did not match: someone else changed, created or deleted it.
    Conflict {
        /// What the record holds now (`None`: absent).
        current: Option<Versioned>,
    },
}

/// The state of a fixed-window counter after [`Store::incr_window`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// How many times the counter was incremented in this window, this call included.
    pub count: u64,
    /// When the window ends and the counter starts again from zero.
    pub resets_in: Duration,
}

/// The store's operations; every one is atomic, on every backend, across any number of clients.
///
/// Implementations are shared as `Arc<dyn Store>`. Every record written through a [`Key`] has a
/// time-to-live, which must be above zero and at most [`MAX_TTL`] ([`Error::InvalidTtl`]
/// otherwise); Redis counts it in whole milliseconds, rounded up. A record is read back with the
/// operations of the shape it was written with (bytes, versioned record, counter); reading it
/// as another shape fails with [`Error::Corrupt`], except that [`Store::get`] and [`Store::take`]
/// see a counter as its decimal digits.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// Stores `value` under `key` only if the key is absent (Redis `SET NX PX`); returns whether
    /// it was stored.
    async fn put_new(&self, key: &Key, value: &[u8], ttl: Duration) -> Result<bool>;

    /// Stores `value` under `key`, replacing whatever was there (Redis `SET PX`).
    async fn put(&self, key: &Key, value: &[u8], ttl: Duration) -> Result<()>;

    /// Reads the bytes under `key`.
    async fn get(&self, key: &Key) -> Result<Option<Vec<u8>>>;

    /// Reads and deletes the bytes under `key` in one step (Redis `GETDEL`): of any number of
    /// concurrent takes, exactly one gets the value.
    async fn take(&self, key: &Key) -> Result<Option<Vec<u8>>>;

    /// Reads a versioned record written by [`Store::compare_and_swap`].
    async fn get_versioned(&self, key: &Key) -> Result<Option<Versioned>>;

    /// Replaces the versioned record under `key` if its version is `expected` (`None`: only if
    /// it is absent). `new` is the value and time-to-live to write, or `None` to delete.
    async fn compare_and_swap(
        &self,
        key: &Key,
        expected: Option<u64>,
        new: Option<(&[u8], Duration)>,
    ) -> Result<CasOutcome>;

    /// Increments the counter under `key`. A counter created by this call expires after
    /// `window`; later increments keep that expiry (a fixed window).
    async fn incr_window(&self, key: &Key, window: Duration) -> Result<Window>;

    /// Deletes whatever is under `key`; returns whether something was there.
    async fn delete(&self, key: &Key) -> Result<bool>;

    /// Stores configuration record `id` in `table`, without a time-to-live.
    async fn config_put(&self, table: &Table, id: &str, value: &[u8]) -> Result<()>;

    /// Reads configuration record `id` of `table`.
    async fn config_get(&self, table: &Table, id: &str) -> Result<Option<Vec<u8>>>;

    /// Removes configuration record `id` from `table`; returns whether it was there.
    async fn config_remove(&self, table: &Table, id: &str) -> Result<bool>;

    /// Lists the records of `table`, sorted by id.
    async fn config_list(&self, table: &Table) -> Result<Vec<(String, Vec<u8>)>>;

    /// Checks that the store answers, for readiness probes.
    async fn ping(&self) -> Result<()>;
}

/// Opens the store named by `url`: `memory://` for a fresh [`MemoryStore`], any URL
/// [`RedisStore::connect`] accepts for Redis.
///
/// Opening does not wait for Redis: a server starts while Redis is down and reports not-ready
/// through [`Store::ping`] until it answers.
///
/// # Errors
///
/// [`Error::InvalidUrl`] when the URL is malformed or its scheme is not supported by this build.
pub fn open(url: &str) -> Result<Arc<dyn Store>> {
    if let Some(rest) = url.strip_prefix("memory://") {
        if !rest.is_empty() {
            return Err(Error::InvalidUrl {
                url: error::redact_url(url),
                reason: "a memory store URL takes nothing after `memory://`".to_owned(),
            });
        }
        return Ok(Arc::new(MemoryStore::new()));
    }
    Ok(Arc::new(RedisStore::connect(url)?))
}

/// Checks a time-to-live or window.
pub(crate) fn check_ttl(ttl: Duration) -> Result<Duration> {
    if ttl.is_zero() || ttl > MAX_TTL {
        return Err(Error::InvalidTtl(ttl));
    }
    Ok(ttl)
}
