//! API keys: `SRV-…` for a partner's servers, `JS-…` for its pages and client applications.
//!
//! A key is 128 random bits written as a UUID-shaped group of lowercase hex after its prefix
//! (`SRV-0f9c2d4e-6a8b-4c3d-9e1f-2a3b4c5d6e7f`). The server finds a client by its key's
//! [`lookup`](ApiKey::lookup) (a domain-separated SHA-256), so a dump of the store holds no
//! usable key. Keys read case-insensitively and are kept in lowercase.

use core::fmt;
use core::str::FromStr;

use rand_core::CryptoRngCore;
use sha2::{Digest as _, Sha256};

use crate::ids::{is_uuid_shaped, uuid_shaped};
use crate::Error;

const LOOKUP_DOMAIN: &[u8] = b"watchword-approval/api-key\0";

/// Who holds a key, told by its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyRole {
    /// `SRV-`: the partner's servers (`getTransactionID`, `GetHTML`, `VerifyToken`,
    /// `SendRequest`). Never in a page.
    Server,
    /// `JS-`: the partner's pages and client applications (`IsFinish`, `GetResult`), bound
    /// to the partner's origins.
    Browser,
}

impl KeyRole {
    /// The prefix keys of this role start with, dash included.
    pub fn prefix(self) -> &'static str {
        match self {
            KeyRole::Server => "SRV-",
            KeyRole::Browser => "JS-",
        }
    }
}

/// An API key. `Debug` shows the role only.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    role: KeyRole,
    text: String,
}

impl ApiKey {
    /// A fresh key of `role`.
    pub fn generate(role: KeyRole, rng: &mut impl CryptoRngCore) -> Self {
        ApiKey {
            role,
            text: format!("{}{}", role.prefix(), uuid_shaped(rng)),
        }
    }

    /// The role the prefix names.
    pub fn role(&self) -> KeyRole {
        self.role
    }

    /// The key as the client sends it.
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// The identifier the server stores the key's client under (64 hex digits).
    pub fn lookup(&self) -> String {
        let digest = Sha256::new()
            .chain_update(LOOKUP_DOMAIN)
            .chain_update(self.text.as_bytes())
            .finalize();
        format!("{digest:x}")
    }
}

impl FromStr for ApiKey {
    type Err = Error;

    /// Reads `SRV-…` or `JS-…` with five groups of 8, 4, 4, 4 and 12 hex digits.
    fn from_str(text: &str) -> Result<Self, Error> {
        let malformed = || Error::MalformedKey;
        let text = text.trim();
        let upper = text
            .get(..4)
            .map(str::to_ascii_uppercase)
            .unwrap_or_default();
        let (role, rest) = if upper == "SRV-" {
            (KeyRole::Server, &text[4..])
        } else if upper.starts_with("JS-") {
            (KeyRole::Browser, &text[3..])
        } else {
            return Err(malformed());
        };
        if !is_uuid_shaped(rest) {
            return Err(malformed());
        }
        Ok(ApiKey {
            role,
            text: format!("{}{}", role.prefix(), rest.to_ascii_lowercase()),
        })
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("role", &self.role)
            .field("text", &format_args!("<redacted>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use watchword_testkit::TestRng;

    #[test]
    fn generated_keys_read_back() {
        let mut rng = TestRng::new(7);
        for role in [KeyRole::Server, KeyRole::Browser] {
            let key = ApiKey::generate(role, &mut rng);
            assert!(key.expose().starts_with(role.prefix()));
            assert_eq!(key.expose().len(), role.prefix().len() + 36);
            let read: ApiKey = key.expose().parse().expect("reads");
            assert_eq!(read, key);
            let shouted: ApiKey = key.expose().to_uppercase().parse().expect("any case");
            assert_eq!(shouted.lookup(), key.lookup());
            assert!(!format!("{key:?}").contains(&key.expose()[5..]));
        }
        let a = ApiKey::generate(KeyRole::Server, &mut rng);
        let b = ApiKey::generate(KeyRole::Server, &mut rng);
        assert_ne!(a.lookup(), b.lookup());
    }

    #[test]
    fn other_shapes_are_refused() {
        for bad in [
            "",
            "SRV-",
            "KEY-0f9c2d4e-6a8b-4c3d-9e1f-2a3b4c5d6e7f",
            "SRV-0f9c2d4e-6a8b-4c3d-9e1f-2a3b4c5d6e7",
            "SRV-0f9c2d4e-6a8b-4c3d-9e1f-2a3b4c5d6e7f0",
            "SRV-0f9c2d4e6a8b-4c3d-9e1f-2a3b4c5d6e7f",
            "SRV-0f9c2d4e-6a8b-4c3d-9e1f-2a3b4c5d6e7g",
            "JS-0f9c2d4e-6a8b-4c3d-9e1f-2a3b4c5d6e7f-",
            "SRV-é0f9c2d-6a8b-4c3d-9e1f-2a3b4c5d6e7f",
        ] {
            assert_eq!(bad.parse::<ApiKey>(), Err(Error::MalformedKey), "{bad:?}");
        }
        let key: ApiKey = "js-0F9C2D4E-6A8B-4C3D-9E1F-2A3B4C5D6E7F"
            .parse()
            .expect("reads");
        assert_eq!(key.role(), KeyRole::Browser);
        assert_eq!(key.expose(), "JS-0f9c2d4e-6a8b-4c3d-9e1f-2a3b4c5d6e7f");
    }
}
