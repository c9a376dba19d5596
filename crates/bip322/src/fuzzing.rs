//! The harness shared by the `bip322_verify` fuzz target and the seed-corpus replay test. Not
//! part of the stable API.
//!
//! # Input format
//!
//! Byte 0 configures the verifier: bit 0 set for testnet (else mainnet), bit 1 set for
//! [`LegacyPolicy::AllowSegwit`] (else the default). The rest is the address, a newline, the
//! signature, a newline, and the message (all remaining bytes, newlines included). So a seed
//! reads as text: `0bc1q…\nsmpAkcw…\nHello World`.

use bitcoin::absolute::LockTime;
use bitcoin::{AddressType, Network, Sequence};

use crate::{Error, LegacyPolicy, SignatureKind, Verified, Verifier};

/// One parsed fuzz input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input<'a> {
    /// The verifier's network.
    pub network: Network,
    /// The verifier's legacy policy.
    pub policy: LegacyPolicy,
    /// The address text.
    pub address: &'a str,
    /// The signature text.
    pub signature: &'a str,
    /// The message bytes.
    pub message: &'a [u8],
}

impl<'a> Input<'a> {
    /// Splits `data` as described in the module documentation; `None` when the address or
    /// signature is not UTF-8 or a separator is missing.
    pub fn parse(data: &'a [u8]) -> Option<Input<'a>> {
        let (&config, rest) = data.split_first()?;
        let mut parts = rest.splitn(3, |&byte| byte == b'\n');
        let address = core::str::from_utf8(parts.next()?).ok()?;
        let signature = core::str::from_utf8(parts.next()?).ok()?;
        let message = parts.next()?;
        Some(Input {
            network: if config & 1 == 0 {
                Network::Bitcoin
            } else {
                Network::Testnet
            },
            policy: if config & 2 == 0 {
                LegacyPolicy::P2pkhOnly
            } else {
                LegacyPolicy::AllowSegwit
            },
            address,
            signature,
            message,
        })
    }

    /// The bytes that [`Input::parse`] reads back as `self`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let config = u8::from(self.network != Network::Bitcoin)
            | (u8::from(self.policy == LegacyPolicy::AllowSegwit) << 1);
        let mut bytes = vec![b'0' | config];
        bytes.extend_from_slice(self.address.as_bytes());
        bytes.push(b'\n');
        bytes.extend_from_slice(self.signature.as_bytes());
        bytes.push(b'\n');
        bytes.extend_from_slice(self.message);
        bytes
    }
}

/// Verifies `data` (see the module documentation) and returns the verdict of the configured
/// verifier, or `None` when the bytes do not split into an input.
///
/// # Panics
///
/// When an invariant breaks: a verdict that changes between two runs; a signature accepted
/// under the default legacy policy but refused when segwit legacy is allowed, or accepted
/// when allowed but (not being a segwit legacy signature) refused by default; a legacy
/// signature accepted under [`LegacyPolicy::Refuse`]; an address accepted for both mainnet and
/// testnet; a verified kind that contradicts the prefix; a simple or legacy result with a
/// lock time, sequence or proven inputs; a verified address that does not print back to the
/// same script.
pub fn verify_all(data: &[u8]) -> Option<Result<Verified, Error>> {
    let input = Input::parse(data)?;
    let verdict = input.verify(input.network, input.policy);
    assert_eq!(
        verdict,
        input.verify(input.network, input.policy),
        "verdict is not deterministic"
    );
    check_policies(&input);
    if let Ok(verified) = &verdict {
        check_accepted(&input, verified);
    }
    Some(verdict)
}

impl Input<'_> {
    fn verify(&self, network: Network, policy: LegacyPolicy) -> Result<Verified, Error> {
        Verifier::new(network).legacy_policy(policy).verify(
            self.address,
            self.message,
            self.signature,
        )
    }
}

/// The three legacy policies agree except where the table says they differ.
fn check_policies(input: &Input<'_>) {
    let default = input.verify(input.network, LegacyPolicy::P2pkhOnly);
    let lenient = input.verify(input.network, LegacyPolicy::AllowSegwit);
    let refuse = input.verify(input.network, LegacyPolicy::Refuse);
    if let Ok(verified) = &default {
        assert_eq!(
            lenient.as_ref(),
            Ok(verified),
            "allowing segwit legacy refused a signature"
        );
    }
    if let Ok(verified) = &lenient {
        let segwit_legacy = verified.kind() == SignatureKind::Legacy
            && verified.address().address_type() != Some(AddressType::P2pkh);
        if !segwit_legacy {
            assert_eq!(
                default.as_ref(),
                Ok(verified),
                "the default policy refused a non-segwit-legacy signature"
            );
        }
        if verified.kind() == SignatureKind::Legacy {
            assert!(
                matches!(refuse, Err(Error::LegacyNotAllowed { .. })),
                "a legacy signature passed the refuse policy"
            );
        } else {
            assert_eq!(
                refuse.as_ref(),
                Ok(verified),
                "the refuse policy refused a non-legacy signature"
            );
        }
    }
}

/// What an accepted signature must look like.
fn check_accepted(input: &Input<'_>, verified: &Verified) {
    let other = if input.network == Network::Bitcoin {
        Network::Testnet
    } else {
        Network::Bitcoin
    };
    assert!(
        matches!(
            input.verify(other, input.policy),
            Err(Error::NetworkMismatch { .. })
        ),
        "an address verified on two networks"
    );
    let prefix = [
        SignatureKind::Simple,
        SignatureKind::Full,
        SignatureKind::ProofOfFunds,
    ]
    .into_iter()
    .find(|kind| {
        kind.prefix()
            .is_some_and(|p| input.signature.starts_with(p))
    });
    match prefix {
        Some(kind) => assert_eq!(verified.kind(), kind, "kind contradicts the prefix"),
        None => assert!(
            matches!(
                verified.kind(),
                SignatureKind::Simple | SignatureKind::Legacy
            ),
            "an unprefixed signature verified as {}",
            verified.kind()
        ),
    }
    if matches!(
        verified.kind(),
        SignatureKind::Simple | SignatureKind::Legacy
    ) {
        assert_eq!(verified.lock_time(), LockTime::ZERO);
        assert_eq!(verified.sequence(), Sequence::ZERO);
    }
    if verified.kind() != SignatureKind::ProofOfFunds {
        assert!(verified.proven_inputs().is_empty());
    }
    let printed = verified.address().to_string();
    let again = Verifier::new(input.network)
        .legacy_policy(input.policy)
        .verify(&printed, input.message, input.signature);
    assert_eq!(
        again.map(|v| v.address().script_pubkey()),
        Ok(verified.address().script_pubkey()),
        "the verified address does not print back to itself"
    );
}
