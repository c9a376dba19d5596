//! Wallet signatures checked with `watchword-bip322` (feature `bip322`, on by default):
//! BIP-322 simple, full and proof-of-funds signatures and legacy `signmessage` signatures.

pub use watchword_bip322::Network;

use crate::{SigError, SignatureVerifier, SigningMethod};

/// A [`SignatureVerifier`] for the addresses of one Bitcoin network.
///
/// What the verifier cannot judge — a script outside its subset or an upgradeable rule
/// (BIP-322's *inconclusive*), an address of another network or that does not parse, a
/// signature kind not defined for the address type, a legacy signature its policy refuses —
/// is [`SigError::Unsupported`] (`sig_unsupported`); every other failure is
/// [`SigError::Invalid`] (`sig_invalid`). Messages start with `watchword-bip322`'s error code.
#[derive(Debug, Clone)]
pub struct Bip322Verifier {
    inner: watchword_bip322::Verifier,
}

impl Bip322Verifier {
    /// A verifier for `network` that accepts legacy signatures for P2PKH addresses only, as
    /// BIP-322 says.
    pub fn new(network: Network) -> Self {
        Bip322Verifier {
            inner: watchword_bip322::Verifier::new(network),
        }
    }

    /// Wraps a verifier configured otherwise (for example with legacy signatures for segwit
    /// addresses allowed, as some wallets still produce).
    pub fn from_verifier(inner: watchword_bip322::Verifier) -> Self {
        Bip322Verifier { inner }
    }

    /// Returns the network addresses are checked against.
    pub fn network(&self) -> Network {
        self.inner.network()
    }
}

impl SignatureVerifier for Bip322Verifier {
    fn verify(
        &self,
        address: &str,
        message: &[u8],
        signature: &str,
    ) -> Result<SigningMethod, SigError> {
        use watchword_bip322::{Error, SignatureKind};
        match self.inner.verify(address, message, signature) {
            Ok(verified) => match verified.kind() {
                SignatureKind::Simple => Ok(SigningMethod::Bip322Simple),
                SignatureKind::Full => Ok(SigningMethod::Bip322Full),
                SignatureKind::ProofOfFunds => Ok(SigningMethod::Bip322ProofOfFunds),
                SignatureKind::Legacy => Ok(SigningMethod::Legacy),
                other => Err(SigError::Unsupported(format!("signature kind {other}"))),
            },
            Err(error) => {
                let reason = format!("{}: {error}", error.code());
                let unsupported = error.is_inconclusive()
                    || matches!(
                        error,
                        Error::AddressParse { .. }
                            | Error::NetworkMismatch { .. }
                            | Error::KindNotAllowed { .. }
                            | Error::LegacyNotAllowed { .. }
                    );
                Err(if unsupported {
                    SigError::Unsupported(reason)
                } else {
                    SigError::Invalid(reason)
                })
            }
        }
    }
}
