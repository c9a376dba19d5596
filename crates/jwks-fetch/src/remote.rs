//! A JWKS cache that fetches for itself.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use watchword_session::{JwksCache, Session, UnixTime};

use crate::fetch::{check_url, client, fetch_with, HttpClient, DEFAULT_TIMEOUT};
use crate::Error;

/// Returns the system time as [`UnixTime`] (0 before 1970).
pub fn system_now() -> UnixTime {
    UnixTime(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs()),
    )
}

/// A [`JwksCache`] that fetches for itself: share one per auth host (it is `Sync`) and call
/// [`verify`](RemoteJwks::verify) per request.
///
/// Verification runs under a short lock of the cache. When a fetch is due, the first caller
/// performs it and the others that also need it wait for it (at most [`DEFAULT_TIMEOUT`]);
/// a stale set keeps verifying while a refresh fails. A failed fetch is recorded in the
/// cache as [`watchword_session::Error::Fetch`].
#[derive(Debug)]
pub struct RemoteJwks {
    cache: Mutex<JwksCache>,
    fetching: tokio::sync::Mutex<()>,
    client: HttpClient,
    timeout: Duration,
}

impl RemoteJwks {
    /// Wraps a cache whose URL is `https://` or `http://`.
    ///
    /// # Errors
    ///
    /// [`Error::Url`] or [`Error::Scheme`] for another URL, [`Error::Tls`] if TLS cannot be
    /// set up.
    pub fn new(cache: JwksCache) -> Result<Self, Error> {
        check_url(cache.url())?;
        Ok(RemoteJwks {
            cache: Mutex::new(cache),
            fetching: tokio::sync::Mutex::new(()),
            client: client()?,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// Sets the timeout of one fetch.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn lock(&self) -> MutexGuard<'_, JwksCache> {
        // The cache's methods leave it consistent at every return, so a panic elsewhere while
        // it was locked leaves nothing half-done.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Returns a copy of the cache as it is now.
    pub fn snapshot(&self) -> JwksCache {
        self.lock().clone()
    }

    /// Verifies a session token at the system time.
    ///
    /// # Errors
    ///
    /// As [`verify_at`](RemoteJwks::verify_at).
    pub async fn verify(&self, token: &str) -> Result<Session, watchword_session::Error> {
        self.verify_at(token, system_now()).await
    }

    /// Verifies a session token at `now`, fetching the set first when it is missing or stale,
    /// and once more for an unknown `kid` when the cache allows.
    ///
    /// # Errors
    ///
    /// [`NoKeySet`](watchword_session::Error::NoKeySet) if no set could be fetched yet,
    /// otherwise the errors of [`JwksCache::verify`] — never
    /// [`NeedsRefetch`](watchword_session::Error::NeedsRefetch), which this method acts on.
    pub async fn verify_at(
        &self,
        token: &str,
        now: UnixTime,
    ) -> Result<Session, watchword_session::Error> {
        use watchword_session::Error as SessionError;
        self.refresh(now).await;
        let first = self.lock().verify(token, now);
        match first {
            Err(SessionError::NeedsRefetch { .. } | SessionError::NoKeySet) => {
                self.refresh(now).await;
                match self.lock().verify(token, now) {
                    Err(SessionError::NeedsRefetch { kid }) => {
                        Err(watchword_token::Error::UnknownKid { kid }.into())
                    }
                    verdict => verdict,
                }
            }
            verdict => verdict,
        }
    }

    /// Performs the fetch the cache plans at `now`, if any; returns whether the set was
    /// (re)loaded.
    pub async fn refresh(&self, now: UnixTime) -> bool {
        if !self.lock().fetch_due(now) {
            return false;
        }
        let _one_fetch_at_a_time = self.fetching.lock().await;
        let Some(request) = self.lock().plan(now) else {
            // Another caller fetched while this one waited.
            return false;
        };
        let result = fetch_with(&self.client, &request.url, self.timeout)
            .await
            .map_err(Error::into_session);
        self.lock().on_fetched(now, result).is_ok()
    }
}
