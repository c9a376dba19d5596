//! Rate limits kept in the store, so they hold across every replica of a surface.

use std::time::Duration;

use sha2::{Digest, Sha256};
use watchword_store::{Key, Store};

use crate::error::ApiError;

/// A fixed-window limit: at most `limit` requests per `window` for one subject (an IP, an app,
/// a user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Short name of the limit, part of the store key (`[a-z0-9-]`), for example `create-ip`.
    pub name: &'static str,
    /// Requests allowed in one window.
    pub limit: u64,
    /// The window.
    pub window: Duration,
}

impl RateLimit {
    /// At most `limit` requests a minute: how every surface writes its limits,
    /// `const CREATE_PER_CLIENT: RateLimit = RateLimit::per_minute("create-client", 120);`.
    pub const fn per_minute(name: &'static str, limit: u64) -> Self {
        Self {
            name,
            limit,
            window: Duration::from_secs(60),
        }
    }

    /// Counts one request by `subject` and refuses it once the window is full.
    ///
    /// The subject is hashed before it becomes part of a key, so IPs, emails and user ids of
    /// any length or alphabet are fine and none is stored in clear.
    ///
    /// # Errors
    /// `429 rate_limited` with `Retry-After` when over the limit; `503` when the store is down
    /// (a limit that cannot be counted is not waived).
    pub async fn check(
        &self,
        store: &dyn Store,
        surface: &str,
        subject: &str,
    ) -> Result<(), ApiError> {
        let digest = Sha256::digest(subject.as_bytes());
        let id = crate::hex(&digest[..16]);
        let key = Key::new(surface, &format!("rl-{}", self.name), &id).map_err(|error| {
            tracing::error!(%error, limit = self.name, "rate limit key");
            ApiError::internal()
        })?;
        let window = store.incr_window(&key, self.window).await?;
        if window.count > self.limit {
            let secs = window.resets_in.as_millis().div_ceil(1000);
            return Err(ApiError::rate_limited(
                u64::try_from(secs).unwrap_or(u64::MAX),
            ));
        }
        Ok(())
    }
}

/// Checks `limits` in order, each with its subject, and stops at the first refusal, so a
/// request refused by an early limit is not counted by the later ones. Put the narrow limits
/// (per client network, per user) first and the shared ones (per app, per portal, per site)
/// last: one client over its own limit then cannot spend the budget it shares with everyone
/// else.
///
/// # Errors
/// As [`RateLimit::check`], for the first limit that refuses.
pub async fn check_in_order(
    store: &dyn Store,
    surface: &str,
    limits: &[(&RateLimit, &str)],
) -> Result<(), ApiError> {
    for (limit, subject) in limits {
        limit.check(store, surface, subject).await?;
    }
    Ok(())
}
