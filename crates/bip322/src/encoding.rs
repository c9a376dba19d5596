//! The signature text: an optional variant prefix, then canonical base64
//! ([BIP-322 § Types of Signatures]).
//!
//! [BIP-322 § Types of Signatures]: https://github.com/bitcoin/bips/blob/master/bip-0322.mediawiki#types-of-signatures

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::error::Error;
use crate::SignatureKind;

/// The longest signature text accepted, in bytes (prefix and base64). It bounds the work a
/// proof of funds can ask for; a simple or full signature is a few hundred bytes.
pub const MAX_SIGNATURE_LEN: usize = 64 * 1024;

/// A signature split into its prefix (`None` when unprefixed) and decoded bytes.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub(crate) prefix: Option<SignatureKind>,
    pub(crate) bytes: Vec<u8>,
}

pub(crate) fn decode(signature: &str) -> Result<Decoded, Error> {
    if signature.len() > MAX_SIGNATURE_LEN {
        return Err(Error::SignatureTooLarge {
            len: signature.len(),
            max: MAX_SIGNATURE_LEN,
        });
    }
    let (prefix, body) = [
        SignatureKind::Simple,
        SignatureKind::Full,
        SignatureKind::ProofOfFunds,
    ]
    .into_iter()
    .find_map(|kind| {
        let prefix = kind.prefix()?;
        signature
            .strip_prefix(prefix)
            .map(|body| (Some(kind), body))
    })
    .unwrap_or((None, signature));
    if body.is_empty() {
        return Err(Error::EmptySignature);
    }
    // The standard engine requires canonical padding and zero trailing bits.
    let bytes = STANDARD.decode(body).map_err(|_| Error::Base64)?;
    Ok(Decoded { prefix, bytes })
}

/// `prefix ‖ base64(bytes)`.
pub(crate) fn encode(kind: SignatureKind, bytes: &[u8]) -> String {
    let mut text = kind.prefix().unwrap_or_default().to_owned();
    STANDARD.encode_string(bytes, &mut text);
    text
}
