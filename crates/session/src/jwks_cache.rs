//! The consumer's cache of the auth host's JWK Set, as a pure value: it says what to fetch and
//! when, takes the result, and verifies tokens with what it holds. It never fetches itself
//! (`watchword-jwks-fetch`'s `RemoteJwks` does, with hyper).
//!
//! The loop an embedding service runs:
//!
//! ```text
//! if let Some(request) = cache.plan(now) { fetch request.url; cache.on_fetched(now, result) }
//! match cache.verify(token, now) {
//!     Err(Error::NeedsRefetch { .. }) => { plan, fetch, on_fetched as above; verify again }
//!     verdict => verdict,
//! }
//! ```
//!
//! Rules, with the numbers of [`CachePolicy`]:
//! - **fresh**: after a successful fetch the set is used for its max-age (the response's
//!   `Cache-Control: max-age`, or `default_max_age` without one, clamped to
//!   `min_max_age..=max_max_age`); `plan` asks for nothing meanwhile;
//! - **stale**: from then on `plan` asks for a refetch, and verification goes on with the
//!   stale set until a new one arrives — a failing host does not log everyone out;
//! - **unknown `kid`**: a token naming a key the set lacks (the host rotated) gets
//!   [`Error::NeedsRefetch`] and the next `plan` asks for the set at once — but not more than
//!   once per `unknown_kid_cooldown`, so tokens with made-up `kid`s cannot make the cache
//!   hammer the host; within the cooldown they are refused as unknown;
//! - **failure**: a failed fetch, or a body that is not a usable JWK Set, keeps the old set;
//!   `plan` waits `retry_after_failure` before asking again;
//! - **in flight**: after `plan` hands out a request it asks for no other until
//!   [`on_fetched`](JwksCache::on_fetched) reports, or `fetch_timeout` passes (counted as a
//!   failure).

use watchword_token::UnixTime;

use crate::{Error, Session, SessionRules, SessionVerifier};

/// The timing of a [`JwksCache`], in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// How long a set without `Cache-Control: max-age` stays fresh. Default 300 (what
    /// OrangeCheck's JWKS endpoint sends).
    pub default_max_age: u64,
    /// The shortest freshness honoured, whatever the response says. Default 30.
    pub min_max_age: u64,
    /// The longest freshness honoured, whatever the response says. Default 86 400.
    pub max_max_age: u64,
    /// The least time between two refetches caused by unknown `kid`s. Default 60.
    pub unknown_kid_cooldown: u64,
    /// How long to wait after a failed fetch before the next. Default 10.
    pub retry_after_failure: u64,
    /// How long a fetch may stay unreported before it counts as failed. Default 30.
    pub fetch_timeout: u64,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy {
            default_max_age: 300,
            min_max_age: 30,
            max_max_age: 86_400,
            unknown_kid_cooldown: 60,
            retry_after_failure: 10,
            fetch_timeout: 30,
        }
    }
}

/// Why a fetch is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FetchReason {
    /// No set has been loaded yet.
    Initial,
    /// The set is past its max-age.
    Expired,
    /// A token named a `kid` the set lacks.
    UnknownKid,
}

/// A fetch the caller should perform: `GET url`, then report with
/// [`JwksCache::on_fetched`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    /// The JWKS URL.
    pub url: String,
    /// Why.
    pub reason: FetchReason,
}

/// A fetched JWK Set document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The response body.
    pub body: String,
    /// The response's `Cache-Control: max-age`, if any (see [`max_age`]).
    pub max_age: Option<u64>,
}

/// Where the cache stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CacheState {
    /// No set loaded.
    Empty,
    /// A set within its max-age.
    Fresh,
    /// A set past its max-age, still used until a new one arrives.
    Stale,
}

#[derive(Debug, Clone)]
struct Loaded {
    verifier: SessionVerifier,
    fetched_at: UnixTime,
    max_age: u64,
}

/// The JWK Set cache of one auth host (see the [module docs](self) for every rule).
#[derive(Debug, Clone)]
pub struct JwksCache {
    url: String,
    policy: CachePolicy,
    rules: SessionRules,
    loaded: Option<Loaded>,
    in_flight: Option<UnixTime>,
    last_failure: Option<(UnixTime, Error)>,
    last_kid_refetch: Option<UnixTime>,
    refetch_wanted: bool,
}

impl JwksCache {
    /// An empty cache of the set at `url`, verifying sessions under `rules`.
    pub fn new(url: impl Into<String>, policy: CachePolicy, rules: SessionRules) -> Self {
        JwksCache {
            url: url.into(),
            policy,
            rules,
            loaded: None,
            in_flight: None,
            last_failure: None,
            last_kid_refetch: None,
            refetch_wanted: false,
        }
    }

    /// Returns the JWKS URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Returns the policy.
    pub fn policy(&self) -> &CachePolicy {
        &self.policy
    }

    /// Returns whether the cache holds no set, a fresh one or a stale one at `now`.
    pub fn state(&self, now: UnixTime) -> CacheState {
        match &self.loaded {
            None => CacheState::Empty,
            Some(loaded) if now.0 >= loaded.fetched_at.0.saturating_add(loaded.max_age) => {
                CacheState::Stale
            }
            Some(_) => CacheState::Fresh,
        }
    }

    /// Returns the verifier of the set held, if any — for verifying without the cache's
    /// bookkeeping (it never asks for a refetch).
    pub fn verifier(&self) -> Option<&SessionVerifier> {
        self.loaded.as_ref().map(|loaded| &loaded.verifier)
    }

    /// Returns the last failure and when it happened, until a fetch succeeds.
    pub fn last_failure(&self) -> Option<(UnixTime, &Error)> {
        self.last_failure.as_ref().map(|(at, error)| (*at, error))
    }

    /// Returns whether [`plan`](JwksCache::plan) would hand out a request at `now`.
    pub fn fetch_due(&self, now: UnixTime) -> bool {
        self.due(now).is_some()
    }

    /// Returns the request to perform now, if any, and counts it as in flight.
    pub fn plan(&mut self, now: UnixTime) -> Option<FetchRequest> {
        if self
            .in_flight
            .is_some_and(|since| self.timed_out(since, now))
        {
            let since = self.in_flight.take().unwrap_or(now);
            let reason = format!("no report {}s after the fetch began", now.0 - since.0);
            self.last_failure = Some((now, Error::Fetch { reason }));
        }
        let reason = self.due(now)?;
        self.in_flight = Some(now);
        self.refetch_wanted = false;
        Some(FetchRequest {
            url: self.url.clone(),
            reason,
        })
    }

    fn timed_out(&self, since: UnixTime, now: UnixTime) -> bool {
        now.0 >= since.0.saturating_add(self.policy.fetch_timeout)
    }

    fn due(&self, now: UnixTime) -> Option<FetchReason> {
        if self
            .in_flight
            .is_some_and(|since| !self.timed_out(since, now))
        {
            return None;
        }
        let reason = if self.refetch_wanted {
            FetchReason::UnknownKid
        } else {
            match self.state(now) {
                CacheState::Empty => FetchReason::Initial,
                CacheState::Stale => FetchReason::Expired,
                CacheState::Fresh => return None,
            }
        };
        let backing_off = self
            .last_failure
            .as_ref()
            .is_some_and(|(at, _)| now.0 < at.0.saturating_add(self.policy.retry_after_failure));
        (!backing_off).then_some(reason)
    }

    /// Takes the outcome of a fetch made at (about) `now`: a new set replaces the old one; a
    /// failure, or a body that is not a JWK Set with an Ed25519 key, keeps the old one.
    ///
    /// A service may also call this without a preceding plan, to load a set it got elsewhere
    /// (a deploy-time copy of the JWKS).
    ///
    /// # Errors
    ///
    /// The failure passed in, or why the body is unusable (also kept as
    /// [`last_failure`](JwksCache::last_failure)).
    pub fn on_fetched(
        &mut self,
        now: UnixTime,
        result: Result<Fetched, Error>,
    ) -> Result<(), Error> {
        self.in_flight = None;
        let loaded = result.and_then(|fetched| {
            let verifier = SessionVerifier::from_jwks_json(&fetched.body, self.rules.clone())?;
            let max_age = fetched
                .max_age
                .unwrap_or(self.policy.default_max_age)
                .clamp(
                    self.policy.min_max_age,
                    self.policy.max_max_age.max(self.policy.min_max_age),
                );
            Ok(Loaded {
                verifier,
                fetched_at: now,
                max_age,
            })
        });
        match loaded {
            Ok(loaded) => {
                self.loaded = Some(loaded);
                self.last_failure = None;
                Ok(())
            }
            Err(error) => {
                self.last_failure = Some((now, error.clone()));
                Err(error)
            }
        }
    }

    /// Verifies a session token with the set held, fresh or stale.
    ///
    /// # Errors
    ///
    /// [`Error::NoKeySet`] before any set is loaded; [`Error::NeedsRefetch`] for a `kid` the
    /// set lacks when a refetch is allowed (the next [`plan`](JwksCache::plan) asks for it);
    /// otherwise every error of [`SessionVerifier::verify`], an unknown `kid` within the
    /// cooldown included.
    pub fn verify(&mut self, token: &str, now: UnixTime) -> Result<Session, Error> {
        let loaded = self.loaded.as_ref().ok_or(Error::NoKeySet)?;
        match loaded.verifier.verify(token, now) {
            Err(Error::Token(watchword_token::Error::UnknownKid { kid }))
                if self.kid_refetch_allowed(now) =>
            {
                self.last_kid_refetch = Some(now);
                self.refetch_wanted = true;
                Err(Error::NeedsRefetch { kid })
            }
            verdict => verdict,
        }
    }

    fn kid_refetch_allowed(&self, now: UnixTime) -> bool {
        self.last_kid_refetch
            .is_none_or(|at| now.0 >= at.0.saturating_add(self.policy.unknown_kid_cooldown))
    }
}

/// Reads `max-age` from a `Cache-Control` header value: `Some(0)` for `no-store` or
/// `no-cache` (the cache's `min_max_age` then applies), `None` without a usable directive.
pub fn max_age(cache_control: &str) -> Option<u64> {
    let mut found = None;
    for directive in cache_control.split(',').map(str::trim) {
        let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            return Some(0);
        }
        if name.eq_ignore_ascii_case("max-age") && found.is_none() {
            found = value.trim_matches('"').parse().ok();
        }
    }
    found
}
