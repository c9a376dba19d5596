//! The key schema: [`Key`] for short-lived records and [`Table`] for configuration.
//!
//! A record key renders as `ww:<surface>:<kind>:{<id>}`, for example
//! `ww:captcha:challenge:{3f2a…}`. The braces are a Redis Cluster *hash tag*: Cluster hashes only
//! the text between them to pick a slot. The tag sits on the id, not on the surface as an earlier
//! draft of the architecture had it (`ww:{<surface>}:…`), because a tag on the surface would put
//! every key of a surface in one slot, on one node, and defeat sharding. Each Lua script here
//! touches exactly one key, so any tag works for the scripts; records that must ever share a slot
//! share an id.
//!
//! A configuration table renders as `ww:{<surface>:<kind>}`, for example `ww:{captcha:site}`:
//! one Redis hash per table, whose fields are the record ids. Record keys and table keys never
//! collide, since a table key has `{` right after `ww:`.

use std::fmt;

use crate::{Error, Result};

/// Longest accepted surface or kind, in bytes.
const MAX_NAME_LEN: usize = 64;
/// Longest accepted id, in bytes.
pub const MAX_ID_LEN: usize = 256;

/// A validated key of a short-lived record: `ww:<surface>:<kind>:{<id>}`.
///
/// ```
/// # use watchword_store::Key;
/// let key = Key::new("captcha", "challenge", "q1w2e3")?;
/// assert_eq!(key.as_str(), "ww:captcha:challenge:{q1w2e3}");
/// assert!(Key::new("captcha", "challenge", "a{b}").is_err());
/// # Ok::<(), watchword_store::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(String);

impl Key {
    /// Builds the key of record `id` of `kind` on `surface`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] when `surface` or `kind` is empty, longer than 64 bytes or has a
    /// character outside `[a-z0-9-]`, or when `id` is empty, longer than [`MAX_ID_LEN`] bytes or
    /// contains `{` or `}` (which would move the Cluster hash tag).
    pub fn new(surface: &str, kind: &str, id: &str) -> Result<Self> {
        check_name("surface", surface)?;
        check_name("kind", kind)?;
        check_id(id)?;
        Ok(Self(format!("ww:{surface}:{kind}:{{{id}}}")))
    }

    /// The key as Redis sees it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({})", self.0)
    }
}

impl AsRef<str> for Key {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A validated configuration table (sites, clients, credentials): `ww:{<surface>:<kind>}`.
///
/// ```
/// # use watchword_store::Table;
/// let sites = Table::new("captcha", "site")?;
/// assert_eq!(sites.as_str(), "ww:{captcha:site}");
/// # Ok::<(), watchword_store::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Table(String);

impl Table {
    /// Builds the table of `kind` records on `surface`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] when `surface` or `kind` is empty, longer than 64 bytes or has a
    /// character outside `[a-z0-9-]`.
    pub fn new(surface: &str, kind: &str) -> Result<Self> {
        check_name("surface", surface)?;
        check_name("kind", kind)?;
        Ok(Self(format!("ww:{{{surface}:{kind}}}")))
    }

    /// The table's key as Redis sees it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Table({})", self.0)
    }
}

impl AsRef<str> for Table {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

fn invalid(part: &'static str, value: &str, reason: &'static str) -> Error {
    Error::InvalidKey {
        part,
        value: value.chars().take(64).collect(),
        reason,
    }
}

fn check_name(part: &'static str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(invalid(part, value, "must not be empty"));
    }
    if value.len() > MAX_NAME_LEN {
        return Err(invalid(part, value, "is longer than 64 bytes"));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(invalid(part, value, "may only hold a-z, 0-9 and '-'"));
    }
    Ok(())
}

/// Checks a record id or a configuration record id.
pub(crate) fn check_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(invalid("id", id, "must not be empty"));
    }
    if id.len() > MAX_ID_LEN {
        return Err(invalid("id", id, "is longer than 256 bytes"));
    }
    if id.contains(['{', '}']) {
        return Err(invalid("id", id, "must not contain '{' or '}'"));
    }
    Ok(())
}
