//! Helpers shared by the test modules.

use watchword_session::{Challenge, Nonce, UnixTime};

/// 2026-04-22T12:00:00Z, the `issued_at` of the OrangeCheck vectors.
pub(crate) const T0: UnixTime = UnixTime(1_776_859_200);
/// A mainnet P2WPKH address.
pub(crate) const ADDRESS: &str = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
/// The nonce of the OrangeCheck vectors.
pub(crate) const NONCE_HEX: &str = "0011223344556677889900aabbccddee";

pub(crate) fn nonce() -> Nonce {
    Nonce::parse(NONCE_HEX).expect("valid nonce")
}

/// A challenge for [`ADDRESS`] issued at [`T0`] for 300 s, with audience and purpose.
pub(crate) fn challenge() -> Challenge {
    Challenge::new(ADDRESS, nonce(), T0, 300)
        .and_then(|c| c.with_audience("https://example.com"))
        .and_then(|c| c.with_purpose("login"))
        .expect("valid challenge")
}
