//! The in-process store.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::key::check_id;
use crate::{check_ttl, CasOutcome, Error, Key, Result, Store, Table, Versioned, Window};

/// Writes between two sweeps of expired records, at the least; past that, a sweep waits for as
/// many writes as there are records, so its cost stays constant per write.
const SWEEP_EVERY: usize = 1024;

/// A [`Store`] held in this process: for `watchword dev`, embedding and tests.
///
/// All operations take one lock, never held across an `.await`, so each is atomic. Expiry is
/// checked on access against [`tokio::time::Instant`], so tests under Tokio's paused clock
/// (`#[tokio::test(start_paused = true)]` and `tokio::time::advance`) can expire records without
/// sleeping; expired records are also swept out every so many writes, so memory stays bounded by
/// the live records.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    tables: HashMap<String, BTreeMap<String, Vec<u8>>>,
    /// The last version handed out, store-wide, so versions never repeat for any key.
    last_version: u64,
    writes_since_sweep: usize,
}

struct Entry {
    value: Value,
    expires_at: Instant,
}

enum Value {
    /// Bytes, and counters as their decimal digits, as Redis keeps them.
    Bytes(Vec<u8>),
    Versioned(Versioned),
}

impl MemoryStore {
    /// Creates an empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many records the store holds, including expired ones not swept out yet; tables are
    /// not counted. For diagnostics and tests.
    pub fn entry_count(&self) -> usize {
        self.lock().entries.len()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // No operation panics while holding the lock; if one ever did, its change is complete
        // or absent, so the map is still consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets (hashed or not): show sizes only.
        let inner = self.lock();
        f.debug_struct("MemoryStore")
            .field("entries", &inner.entries.len())
            .field("tables", &inner.tables.len())
            .finish()
    }
}

impl Inner {
    /// The live record under `key`; an expired one is removed on the way.
    fn live(&mut self, key: &Key, now: Instant) -> Option<&mut Entry> {
        if self
            .entries
            .get(key.as_str())
            .is_some_and(|entry| entry.expires_at <= now)
        {
            self.entries.remove(key.as_str());
            return None;
        }
        self.entries.get_mut(key.as_str())
    }

    fn insert(&mut self, key: &Key, value: Value, expires_at: Instant, now: Instant) {
        self.entries
            .insert(key.as_str().to_owned(), Entry { value, expires_at });
        self.wrote(now);
    }

    fn wrote(&mut self, now: Instant) {
        self.writes_since_sweep += 1;
        if self.writes_since_sweep >= SWEEP_EVERY.max(self.entries.len()) {
            self.entries.retain(|_, entry| entry.expires_at > now);
            self.writes_since_sweep = 0;
        }
    }

    fn next_version(&mut self) -> u64 {
        self.last_version += 1;
        self.last_version
    }
}

fn wrong_shape(key: &Key, expected: &str) -> Error {
    Error::Corrupt(format!("{key} does not hold {expected}"))
}

#[async_trait]
impl Store for MemoryStore {
    async fn put_new(&self, key: &Key, value: &[u8], ttl: Duration) -> Result<bool> {
        let ttl = check_ttl(ttl)?;
        let now = Instant::now();
        let mut inner = self.lock();
        if inner.live(key, now).is_some() {
            return Ok(false);
        }
        inner.insert(key, Value::Bytes(value.to_vec()), now + ttl, now);
        Ok(true)
    }

    async fn put(&self, key: &Key, value: &[u8], ttl: Duration) -> Result<()> {
        let ttl = check_ttl(ttl)?;
        let now = Instant::now();
        self.lock()
            .insert(key, Value::Bytes(value.to_vec()), now + ttl, now);
        Ok(())
    }

    async fn get(&self, key: &Key) -> Result<Option<Vec<u8>>> {
        let now = Instant::now();
        match self.lock().live(key, now) {
            None => Ok(None),
            Some(Entry {
                value: Value::Bytes(bytes),
                ..
            }) => Ok(Some(bytes.clone())),
            Some(_) => Err(wrong_shape(key, "bytes")),
        }
    }

    async fn take(&self, key: &Key) -> Result<Option<Vec<u8>>> {
        let now = Instant::now();
        let mut inner = self.lock();
        match inner.live(key, now) {
            None => return Ok(None),
            Some(Entry {
                value: Value::Bytes(_),
                ..
            }) => {}
            Some(_) => return Err(wrong_shape(key, "bytes")),
        }
        match inner.entries.remove(key.as_str()) {
            Some(Entry {
                value: Value::Bytes(bytes),
                ..
            }) => Ok(Some(bytes)),
            // Checked just above under the same lock.
            _ => Err(wrong_shape(key, "bytes")),
        }
    }

    async fn get_versioned(&self, key: &Key) -> Result<Option<Versioned>> {
        let now = Instant::now();
        match self.lock().live(key, now) {
            None => Ok(None),
            Some(Entry {
                value: Value::Versioned(record),
                ..
            }) => Ok(Some(record.clone())),
            Some(_) => Err(wrong_shape(key, "a versioned record")),
        }
    }

    async fn compare_and_swap(
        &self,
        key: &Key,
        expected: Option<u64>,
        new: Option<(&[u8], Duration)>,
    ) -> Result<CasOutcome> {
        let new = match new {
            Some((value, ttl)) => Some((value, check_ttl(ttl)?)),
            None => None,
        };
        let now = Instant::now();
        let mut inner = self.lock();
        let current = match inner.live(key, now) {
            None => None,
            Some(Entry {
                value: Value::Versioned(record),
                ..
            }) => Some(record.clone()),
            Some(_) => return Err(wrong_shape(key, "a versioned record")),
        };
        if current.as_ref().map(|record| record.version) != expected {
            return Ok(CasOutcome::Conflict { current });
        }
        match new {
            None => {
                inner.entries.remove(key.as_str());
                Ok(CasOutcome::Swapped { version: 0 })
            }
            Some((value, ttl)) => {
                let version = inner.next_version();
                let record = Versioned {
                    version,
                    value: value.to_vec(),
                };
                inner.insert(key, Value::Versioned(record), now + ttl, now);
                Ok(CasOutcome::Swapped { version })
            }
        }
    }

    async fn incr_window(&self, key: &Key, window: Duration) -> Result<Window> {
        let window = check_ttl(window)?;
        let now = Instant::now();
        let mut inner = self.lock();
        if let Some(entry) = inner.live(key, now) {
            let Value::Bytes(bytes) = &mut entry.value else {
                return Err(wrong_shape(key, "a counter"));
            };
            let count = std::str::from_utf8(bytes)
                .ok()
                .and_then(|digits| digits.parse::<i64>().ok())
                .ok_or_else(|| wrong_shape(key, "a counter"))?;
            // Redis counters are signed 64-bit and refuse to overflow.
            let count = count
                .checked_add(1)
                .and_then(|count| u64::try_from(count).ok())
                .ok_or_else(|| wrong_shape(key, "a counter within range"))?;
            *bytes = count.to_string().into_bytes();
            let resets_in = entry.expires_at - now;
            inner.wrote(now);
            return Ok(Window { count, resets_in });
        }
        inner.insert(key, Value::Bytes(b"1".to_vec()), now + window, now);
        Ok(Window {
            count: 1,
            resets_in: window,
        })
    }

    async fn delete(&self, key: &Key) -> Result<bool> {
        let now = Instant::now();
        let mut inner = self.lock();
        let existed = inner.live(key, now).is_some();
        inner.entries.remove(key.as_str());
        Ok(existed)
    }

    async fn config_put(&self, table: &Table, id: &str, value: &[u8]) -> Result<()> {
        check_id(id)?;
        self.lock()
            .tables
            .entry(table.as_str().to_owned())
            .or_default()
            .insert(id.to_owned(), value.to_vec());
        Ok(())
    }

    async fn config_get(&self, table: &Table, id: &str) -> Result<Option<Vec<u8>>> {
        check_id(id)?;
        Ok(self
            .lock()
            .tables
            .get(table.as_str())
            .and_then(|records| records.get(id).cloned()))
    }

    async fn config_remove(&self, table: &Table, id: &str) -> Result<bool> {
        check_id(id)?;
        let mut inner = self.lock();
        let Some(records) = inner.tables.get_mut(table.as_str()) else {
            return Ok(false);
        };
        let removed = records.remove(id).is_some();
        if records.is_empty() {
            // As Redis drops an empty hash.
            inner.tables.remove(table.as_str());
        }
        Ok(removed)
    }

    async fn config_list(&self, table: &Table) -> Result<Vec<(String, Vec<u8>)>> {
        Ok(self
            .lock()
            .tables
            .get(table.as_str())
            .map(|records| {
                records
                    .iter()
                    .map(|(id, value)| (id.clone(), value.clone()))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }
}
