//! Verifying a wallet sign-in: the stored challenge, the wallet's signature over it, and `now`.
//!
//! The browser posts `{ address, message, signature, nonce }`. Of these only the signature is
//! used as given: the challenge is the text the server stored when it issued it (looked up by
//! the nonce, taken from the store so it is single-use), and the address is the one in that
//! text. A browser that sends back another message or another address gains nothing — the
//! signature is checked over the stored bytes, for the stored address.
//!
//! Signature schemes stay outside this crate, behind [`SignatureVerifier`]; the `bip322`
//! feature supplies the BIP-322 one.

use serde::{Deserialize, Serialize};
use watchword_token::UnixTime;

use crate::{Challenge, Error, Nonce};

/// The longest signature passed to a [`SignatureVerifier`], in bytes; longer ones are
/// [`SignInRejection::SigInvalid`] without a look.
pub const MAX_SIGNATURE_LEN: usize = 8192;

/// How a wallet signed, as a verifier reports it and a session records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SigningMethod {
    /// BIP-322 "simple" signature (a witness stack).
    Bip322Simple,
    /// BIP-322 "full" signature (a whole `to_sign` transaction).
    Bip322Full,
    /// BIP-322 proof of funds (a PSBT of `to_sign`, whose first input proves the address).
    Bip322ProofOfFunds,
    /// The legacy "Bitcoin Signed Message" (BIP-137 style, compact ECDSA with recovery).
    Legacy,
}

impl SigningMethod {
    /// Returns the snake-case name used in session claims.
    pub fn as_str(self) -> &'static str {
        match self {
            SigningMethod::Bip322Simple => "bip322_simple",
            SigningMethod::Bip322Full => "bip322_full",
            SigningMethod::Bip322ProofOfFunds => "bip322_proof_of_funds",
            SigningMethod::Legacy => "legacy",
        }
    }
}

/// Why a [`SignatureVerifier`] did not accept a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigError {
    /// The signature is malformed or does not verify for this address and message.
    #[error("signature is invalid: {0}")]
    Invalid(String),
    /// The address type, network or signature format is one the verifier does not handle
    /// (for example a multisig script, or a legacy signature when those are turned off).
    #[error("signature is unsupported: {0}")]
    Unsupported(String),
}

/// Checks a wallet's signature over a message for an address.
///
/// Implementations must be pure (no IO) and must not panic on any input.
pub trait SignatureVerifier {
    /// Verifies `signature` (as the wallet produced it, usually base64) over `message` for
    /// `address`.
    ///
    /// # Errors
    ///
    /// [`SigError::Invalid`] or [`SigError::Unsupported`].
    fn verify(
        &self,
        address: &str,
        message: &[u8],
        signature: &str,
    ) -> Result<SigningMethod, SigError>;
}

impl<T: SignatureVerifier + ?Sized> SignatureVerifier for &T {
    fn verify(
        &self,
        address: &str,
        message: &[u8],
        signature: &str,
    ) -> Result<SigningMethod, SigError> {
        (**self).verify(address, message, signature)
    }
}

/// Why a sign-in was refused. [`code`](SignInRejection::code) gives the stable snake-case
/// reason of OrangeCheck's `verifyChallenge`, for the API response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignInRejection {
    /// The stored challenge does not parse (a corrupted or foreign store entry).
    #[error("stored challenge is malformed: {0}")]
    Malformed(Error),
    /// `now` is at or after `expires_at` plus leeway.
    #[error("challenge expired at {expires_at} (now {now})")]
    Expired {
        /// The challenge's `expires_at`.
        expires_at: UnixTime,
        /// The verification time.
        now: UnixTime,
    },
    /// `now` plus leeway is before `issued_at`.
    #[error("challenge is not valid before {issued_at} (now {now})", issued_at = .issued_at.0, now = .now.0)]
    NotYetValid {
        /// The challenge's `issued_at`.
        issued_at: UnixTime,
        /// The verification time.
        now: UnixTime,
    },
    /// The challenge's nonce is not the one the server expects.
    #[error("challenge nonce is not the expected one")]
    NonceMismatch,
    /// The challenge's `audience` is not exactly the expected one (absent when none is).
    #[error("challenge audience {found:?} is not {expected:?}")]
    AudienceMismatch {
        /// The expected audience.
        expected: Option<String>,
        /// The challenge's audience.
        found: Option<String>,
    },
    /// The challenge's `purpose` is not exactly the expected one (absent when none is).
    #[error("challenge purpose {found:?} is not {expected:?}")]
    PurposeMismatch {
        /// The expected purpose.
        expected: Option<String>,
        /// The challenge's purpose.
        found: Option<String>,
    },
    /// The signature does not verify.
    #[error("{0}")]
    SigInvalid(SigError),
    /// The verifier does not handle this address type or signature format.
    #[error("{0}")]
    SigUnsupported(SigError),
}

impl SignInRejection {
    /// Returns the stable machine-readable reason: `malformed`, `expired`, `not_yet_valid`,
    /// `nonce_mismatch`, `audience_mismatch`, `purpose_mismatch`, `sig_invalid` or
    /// `sig_unsupported`.
    pub fn code(&self) -> &'static str {
        match self {
            SignInRejection::Malformed(_) => "malformed",
            SignInRejection::Expired { .. } => "expired",
            SignInRejection::NotYetValid { .. } => "not_yet_valid",
            SignInRejection::NonceMismatch => "nonce_mismatch",
            SignInRejection::AudienceMismatch { .. } => "audience_mismatch",
            SignInRejection::PurposeMismatch { .. } => "purpose_mismatch",
            SignInRejection::SigInvalid(_) => "sig_invalid",
            SignInRejection::SigUnsupported(_) => "sig_unsupported",
        }
    }
}

/// A verified sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The address the wallet proved control of.
    pub address: String,
    /// How it signed.
    pub signing_method: SigningMethod,
    /// The challenge it signed.
    pub challenge: Challenge,
}

/// What the server expects of a sign-in: built with [`SignInCheck::new`] and the builder
/// methods, then [`verify`](SignInCheck::verify).
///
/// Rules, in the order they are checked, with `l` the leeway (default 0):
/// 1. the stored text parses as a [`Challenge`] — else `malformed`;
/// 2. `now < expires_at + l` — else `expired`;
/// 3. `issued_at <= now + l` — else `not_yet_valid`;
/// 4. the nonce is the expected one — else `nonce_mismatch`;
/// 5. the `audience` is exactly the expected one: equal when one is expected, absent when none
///    is — else `audience_mismatch`;
/// 6. the same for `purpose` — else `purpose_mismatch`;
/// 7. the signature verifies over the stored text for its address — else `sig_invalid` or
///    `sig_unsupported`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInCheck {
    nonce: Nonce,
    audience: Option<String>,
    purpose: Option<String>,
    leeway: u64,
}

impl SignInCheck {
    /// Expects the challenge with `nonce`: the one the server issued to this browser (the
    /// key it stored the challenge under, or the one it keeps in the browser's pending state).
    pub fn new(nonce: Nonce) -> Self {
        SignInCheck {
            nonce,
            audience: None,
            purpose: None,
            leeway: 0,
        }
    }

    /// Expects the `audience` extension to be `audience`.
    #[must_use]
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Expects the `purpose` extension to be `purpose`.
    #[must_use]
    pub fn purpose(mut self, purpose: impl Into<String>) -> Self {
        self.purpose = Some(purpose.into());
        self
    }

    /// Sets the clock-skew allowance in seconds for both ends of the validity window (the
    /// server checks its own timestamps, so 0 — the default — is usually right).
    #[must_use]
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// Verifies a sign-in: `stored` is the challenge text as the server stored it, `signature`
    /// the wallet's signature over it, `now` the time of verification.
    ///
    /// # Errors
    ///
    /// The first rule broken, in the order listed on [`SignInCheck`].
    pub fn verify(
        &self,
        stored: &str,
        signature: &str,
        now: UnixTime,
        verifier: &(impl SignatureVerifier + ?Sized),
    ) -> Result<SignedIn, SignInRejection> {
        let challenge = Challenge::parse(stored).map_err(SignInRejection::Malformed)?;
        if now.0 >= challenge.expires_at().0.saturating_add(self.leeway) {
            return Err(SignInRejection::Expired {
                expires_at: challenge.expires_at(),
                now,
            });
        }
        if now.0.saturating_add(self.leeway) < challenge.issued_at().0 {
            return Err(SignInRejection::NotYetValid {
                issued_at: challenge.issued_at(),
                now,
            });
        }
        if challenge.nonce() != self.nonce {
            return Err(SignInRejection::NonceMismatch);
        }
        if challenge.audience() != self.audience.as_deref() {
            return Err(SignInRejection::AudienceMismatch {
                expected: self.audience.clone(),
                found: challenge.audience().map(str::to_owned),
            });
        }
        if challenge.purpose() != self.purpose.as_deref() {
            return Err(SignInRejection::PurposeMismatch {
                expected: self.purpose.clone(),
                found: challenge.purpose().map(str::to_owned),
            });
        }
        if signature.is_empty() || signature.len() > MAX_SIGNATURE_LEN {
            return Err(SignInRejection::SigInvalid(SigError::Invalid(format!(
                "signature is {} bytes, expected 1..={MAX_SIGNATURE_LEN}",
                signature.len()
            ))));
        }
        match verifier.verify(challenge.address(), stored.as_bytes(), signature) {
            Ok(signing_method) => Ok(SignedIn {
                address: challenge.address().to_owned(),
                signing_method,
                challenge,
            }),
            Err(error @ SigError::Unsupported(_)) => Err(SignInRejection::SigUnsupported(error)),
            Err(error) => Err(SignInRejection::SigInvalid(error)),
        }
    }
}
