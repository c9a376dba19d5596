//! The kinds of BIP-322 signature, shared by the decoder, the verifier and the signer.

use core::fmt;

/// The four kinds of BIP-322 signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureKind {
    /// A witness stack (`smp` prefix, or none).
    Simple,
    /// A whole `to_sign` transaction (`ful` prefix).
    Full,
    /// A BIP-137 / `signmessage` compact recoverable signature (no prefix).
    Legacy,
    /// A finalized PSBT of `to_sign` with additional inputs (`pof` prefix).
    ProofOfFunds,
}

impl SignatureKind {
    /// The prefix a signer writes before the base64 (BIP-322 v2.0.0), `None` for legacy.
    pub fn prefix(self) -> Option<&'static str> {
        match self {
            SignatureKind::Simple => Some("smp"),
            SignatureKind::Full => Some("ful"),
            SignatureKind::ProofOfFunds => Some("pof"),
            SignatureKind::Legacy => None,
        }
    }
}

impl fmt::Display for SignatureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignatureKind::Simple => "simple",
            SignatureKind::Full => "full",
            SignatureKind::Legacy => "legacy",
            SignatureKind::ProofOfFunds => "proof-of-funds",
        })
    }
}
