//! The accounts one browser holds — OrangeCheck's multi-account sign-in: sign in to another
//! account with `?add=1`, switch between them without signing in again, sign out of the
//! current one (`logout?scope=current`) or of all.
//!
//! A [`Roster`] is a value the auth host stores per browser (as JSON) and changes with the
//! methods below. Invariants, also enforced when a stored roster is read back:
//! - at most [`MAX_ACCOUNTS`] accounts, each `sub` once;
//! - exactly one active account whenever there is any, none when empty.

use serde::{Deserialize, Serialize};
use watchword_token::UnixTime;

use crate::{DidOc, Error};

/// The most accounts one browser holds at once (Google's account switcher allows a handful
/// too). Each is a live session, so the limit also bounds what one stolen browser profile
/// gives away.
pub const MAX_ACCOUNTS: usize = 5;

/// One account held by the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The account's subject identifier (the roster's key).
    pub sub: String,
    /// The account's `did:oc`.
    pub did_oc: DidOc,
    /// Display name for the account switcher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The `jti` of the session this browser holds for the account, to revoke it on sign-out.
    pub session_jti: String,
    /// When that session expires.
    pub expires_at: UnixTime,
}

impl Account {
    /// Returns whether the account's session has expired at `now`.
    pub fn expired(&self, now: UnixTime) -> bool {
        now >= self.expires_at
    }
}

/// The accounts of one browser and which one is active (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "StoredRoster", into = "StoredRoster")]
pub struct Roster {
    accounts: Vec<Account>,
    /// Index into `accounts`; `Some` exactly when `accounts` is not empty.
    active: Option<usize>,
}

/// The stored form: the active account by `sub`, so that a reader never trusts an index.
#[derive(Serialize, Deserialize)]
struct StoredRoster {
    accounts: Vec<Account>,
    active: Option<String>,
}

impl TryFrom<StoredRoster> for Roster {
    type Error = Error;

    fn try_from(stored: StoredRoster) -> Result<Self, Error> {
        let invalid = |reason: &str| Error::InvalidRoster {
            reason: reason.to_owned(),
        };
        if stored.accounts.len() > MAX_ACCOUNTS {
            return Err(invalid("more accounts than the limit"));
        }
        for (index, account) in stored.accounts.iter().enumerate() {
            if stored.accounts[..index]
                .iter()
                .any(|other| other.sub == account.sub)
            {
                return Err(invalid("an account appears twice"));
            }
        }
        let active = match stored.active {
            None if stored.accounts.is_empty() => None,
            None => return Err(invalid("accounts but no active one")),
            Some(sub) => Some(
                stored
                    .accounts
                    .iter()
                    .position(|account| account.sub == sub)
                    .ok_or_else(|| invalid("the active account is not in the roster"))?,
            ),
        };
        Ok(Roster {
            accounts: stored.accounts,
            active,
        })
    }
}

impl From<Roster> for StoredRoster {
    fn from(roster: Roster) -> Self {
        let active = roster.active().map(|account| account.sub.clone());
        StoredRoster {
            accounts: roster.accounts,
            active,
        }
    }
}

impl Roster {
    /// An empty roster.
    pub fn new() -> Self {
        Roster::default()
    }

    /// Returns the accounts in the order they were first added.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// Returns the active account.
    pub fn active(&self) -> Option<&Account> {
        self.active.map(|index| &self.accounts[index])
    }

    /// Returns the account with `sub`.
    pub fn get(&self, sub: &str) -> Option<&Account> {
        self.position(sub).map(|index| &self.accounts[index])
    }

    /// Returns the number of accounts.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Returns whether the roster holds no account (the browser is signed out).
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    fn position(&self, sub: &str) -> Option<usize> {
        self.accounts.iter().position(|account| account.sub == sub)
    }

    /// Adds an account after a sign-in and makes it active. Signing in again to an account
    /// already held replaces its entry (new session) in place: it is never listed twice.
    ///
    /// # Errors
    ///
    /// [`Error::RosterFull`] when a new account would exceed [`MAX_ACCOUNTS`]; the roster is
    /// unchanged.
    pub fn add(&mut self, account: Account) -> Result<(), Error> {
        let index = match self.position(&account.sub) {
            Some(index) => {
                self.accounts[index] = account;
                index
            }
            None if self.accounts.len() >= MAX_ACCOUNTS => {
                return Err(Error::RosterFull { max: MAX_ACCOUNTS })
            }
            None => {
                self.accounts.push(account);
                self.accounts.len() - 1
            }
        };
        self.active = Some(index);
        Ok(())
    }

    /// Makes the account with `sub` active and returns it.
    ///
    /// # Errors
    ///
    /// [`Error::NotInRoster`]; the roster is unchanged.
    pub fn switch(&mut self, sub: &str) -> Result<&Account, Error> {
        let index = self.position(sub).ok_or_else(|| Error::NotInRoster {
            sub: sub.to_owned(),
        })?;
        self.active = Some(index);
        Ok(&self.accounts[index])
    }

    /// Signs out of the account with `sub` and returns it (so its session can be revoked). If
    /// it was active, the account after it in the roster becomes active, or the one before it
    /// if it was the last; the roster may end empty.
    ///
    /// # Errors
    ///
    /// [`Error::NotInRoster`]; the roster is unchanged.
    pub fn log_out(&mut self, sub: &str) -> Result<Account, Error> {
        let index = self.position(sub).ok_or_else(|| Error::NotInRoster {
            sub: sub.to_owned(),
        })?;
        let removed = self.accounts.remove(index);
        self.active = match self.active {
            _ if self.accounts.is_empty() => None,
            Some(active) if active == index => Some(index.min(self.accounts.len() - 1)),
            Some(active) if active > index => Some(active - 1),
            active => active,
        };
        Ok(removed)
    }

    /// Signs out of the active account (`logout?scope=current`) and returns it; `None` when
    /// the roster is empty.
    pub fn log_out_active(&mut self) -> Option<Account> {
        let sub = self.active()?.sub.clone();
        self.log_out(&sub).ok()
    }

    /// Signs out of every account and returns them.
    pub fn log_out_all(&mut self) -> Vec<Account> {
        self.active = None;
        std::mem::take(&mut self.accounts)
    }

    /// Removes the accounts whose session has expired at `now` and returns them, moving the
    /// active account as [`log_out`](Roster::log_out) does.
    pub fn remove_expired(&mut self, now: UnixTime) -> Vec<Account> {
        let expired: Vec<String> = self
            .accounts
            .iter()
            .filter(|account| account.expired(now))
            .map(|account| account.sub.clone())
            .collect();
        expired
            .iter()
            .filter_map(|sub| self.log_out(sub).ok())
            .collect()
    }
}
