//! The two message hashes: BIP-322's tagged hash and the legacy `signmessage` hash.

use bitcoin::consensus::Encodable as _;
use bitcoin::hashes::{sha256, sha256d, Hash as _, HashEngine as _};
use bitcoin::VarInt;

/// The BIP-340 tag of the BIP-322 message hash.
pub const MESSAGE_TAG: &[u8] = b"BIP0322-signed-message";

/// The prefix Bitcoin Core's `signmessage` hashes before the message (without its length
/// byte, which the hash writes as a compact size).
pub const LEGACY_MAGIC: &[u8] = b"Bitcoin Signed Message:\n";

/// Returns `message_hash` of [BIP-322 § Full]: the BIP-340 tagged hash
/// `sha256(sha256(tag) ‖ sha256(tag) ‖ m)` with tag `BIP0322-signed-message`, over the message
/// as-is (no length prefix, no terminator).
///
/// ```
/// use watchword_bip322::message_hash;
///
/// // The BIP's own vector for the empty message.
/// assert_eq!(
///     message_hash(b"")[..4],
///     [0xc9, 0x0c, 0x26, 0x9c],
/// );
/// ```
///
/// [BIP-322 § Full]: https://github.com/bitcoin/bips/blob/master/bip-0322.mediawiki#full
pub fn message_hash(message: &[u8]) -> [u8; 32] {
    let tag = sha256::Hash::hash(MESSAGE_TAG);
    let mut engine = sha256::Hash::engine();
    engine.input(tag.as_byte_array());
    engine.input(tag.as_byte_array());
    engine.input(message);
    sha256::Hash::from_engine(engine).to_byte_array()
}

/// Returns the hash a legacy (BIP-137, Bitcoin Core `signmessage`) signature signs:
/// double SHA-256 of the compact-size-prefixed magic `"Bitcoin Signed Message:\n"` followed by
/// the compact-size-prefixed message.
pub fn legacy_message_hash(message: &[u8]) -> [u8; 32] {
    let mut engine = sha256d::Hash::engine();
    write_var_bytes(&mut engine, LEGACY_MAGIC);
    write_var_bytes(&mut engine, message);
    sha256d::Hash::from_engine(engine).to_byte_array()
}

fn write_var_bytes(engine: &mut sha256::HashEngine, bytes: &[u8]) {
    // Writing into a hash engine cannot fail.
    let _ = VarInt::from(bytes.len()).consensus_encode(engine);
    engine.input(bytes);
}
