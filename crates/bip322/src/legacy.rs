//! Legacy signatures: Bitcoin Core's `signmessage` format, extended to segwit addresses by
//! [BIP-137].
//!
//! A legacy signature is 65 bytes, base64-encoded without a prefix: a header byte, then the
//! compact `r ‖ s` of an ECDSA signature over [`legacy_message_hash`]. The verifier recovers
//! the public key and derives the address from it. The header byte carries the recovery id
//! (`(header − 27) & 3`) and what the signer says the key is:
//!
//! | header | BIP-137 meaning | key the address is derived from |
//! |---|---|---|
//! | 27–30 | P2PKH, uncompressed key | uncompressed |
//! | 31–34 | P2PKH, compressed key | compressed |
//! | 35–38 | P2SH-P2WPKH | compressed |
//! | 39–42 | P2WPKH | compressed |
//!
//! The header is normalised here rather than by `bitcoin::sign_message`, which reads the
//! compressed flag as bit 2 of `header − 27` and so takes 35–38 for uncompressed keys.
//!
//! # What each policy accepts
//!
//! BIP-322 says the legacy format "MUST be restricted to the legacy P2PKH invoice address
//! format"; wallets nevertheless send it for segwit addresses, with BIP-137 headers (Trezor,
//! Sparrow) or with the compressed P2PKH header 31–34 (Electrum). A [`Verifier`] accepts:
//!
//! | address | [`LegacyPolicy::Refuse`] | [`LegacyPolicy::P2pkhOnly`] (default) | [`LegacyPolicy::AllowSegwit`] |
//! |---|---|---|---|
//! | P2PKH | — | 27–34 | 27–34 |
//! | P2WPKH | — | — | 31–34, 39–42 |
//! | P2SH (as P2SH-P2WPKH) | — | — | 31–34, 35–38 |
//! | P2WSH, P2TR, other | — | — | — |
//!
//! Outside the table the error is, in this order of checks: [`Error::LegacyLength`] (not 65
//! bytes), [`Error::LegacyHeader`] (header outside 27–42), [`Error::KindNotAllowed`] (P2WSH,
//! P2TR: no key to recover), [`Error::LegacyNotAllowed`] (the policy's `—`),
//! [`Error::LegacyHeaderMismatch`] (a header for another address type, for example 35–42 for
//! a P2PKH address or 27–30, an uncompressed key, for a segwit address).
//!
//! An unprefixed signature is read as legacy when the address is P2PKH (BIP-322 simple
//! signatures need native segwit) or when it decodes to exactly 65 bytes (no supported
//! witness stack is 65 bytes long).
//!
//! `s` must be low, as in every other ECDSA signature this crate accepts.
//!
//! [BIP-137]: https://github.com/bitcoin/bips/blob/master/bip-0137.mediawiki
//! [`Verifier`]: crate::Verifier
//! [`legacy_message_hash`]: crate::legacy_message_hash

use core::fmt;

use bitcoin::secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use bitcoin::secp256k1::{Message, Secp256k1, Verification};
use bitcoin::{Address, AddressType, CompressedPublicKey, PublicKey, ScriptBuf};

use crate::error::{AddressTypeName, Error, Location};
use crate::message::legacy_message_hash;
use crate::SignatureKind;

/// Which legacy signatures a [`Verifier`](crate::Verifier) accepts (see the [module
/// documentation](self) for the table).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LegacyPolicy {
    /// No legacy signatures at all.
    Refuse,
    /// Legacy signatures for P2PKH addresses only, as BIP-322 requires.
    #[default]
    P2pkhOnly,
    /// Also P2WPKH and P2SH-P2WPKH addresses, with BIP-137 or Electrum headers.
    AllowSegwit,
}

impl fmt::Display for LegacyPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LegacyPolicy::Refuse => "the refuse-legacy policy",
            LegacyPolicy::P2pkhOnly => "the p2pkh-only legacy policy",
            LegacyPolicy::AllowSegwit => "the allow-segwit legacy policy",
        })
    }
}

/// What the header byte of a legacy signature says, normalised as in the [module
/// documentation](self)'s first table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    claim: Claim,
    recovery_id: u8,
}

impl Header {
    /// Reads a header byte.
    ///
    /// # Errors
    ///
    /// [`Error::LegacyHeader`] outside 27..=42.
    pub fn parse(byte: u8) -> Result<Header, Error> {
        let claim = match byte {
            27..=30 => Claim::P2pkhUncompressed,
            31..=34 => Claim::P2pkhCompressed,
            35..=38 => Claim::P2shP2wpkh,
            39..=42 => Claim::P2wpkh,
            header => return Err(Error::LegacyHeader { header }),
        };
        Ok(Header {
            claim,
            recovery_id: (byte - 27) & 3,
        })
    }

    /// The recovery id, 0 to 3: `(header − 27) & 3`.
    pub fn recovery_id(self) -> u8 {
        self.recovery_id
    }

    /// Whether the key is compressed: every header from 31 on.
    pub fn compressed(self) -> bool {
        self.claim != Claim::P2pkhUncompressed
    }

    /// The address type the header names.
    pub fn address_type(self) -> AddressType {
        match self.claim {
            Claim::P2pkhUncompressed | Claim::P2pkhCompressed => AddressType::P2pkh,
            Claim::P2shP2wpkh => AddressType::P2sh,
            Claim::P2wpkh => AddressType::P2wpkh,
        }
    }
}

/// The four header ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Claim {
    P2pkhUncompressed,
    P2pkhCompressed,
    P2shP2wpkh,
    P2wpkh,
}

impl Claim {
    fn meaning(self) -> &'static str {
        match self {
            Claim::P2pkhUncompressed => "p2pkh with an uncompressed key",
            Claim::P2pkhCompressed => "p2pkh with a compressed key",
            Claim::P2shP2wpkh => "p2sh-p2wpkh",
            Claim::P2wpkh => "p2wpkh",
        }
    }
}

/// Verifies a 65-byte legacy signature for `address` under `policy`.
pub(crate) fn verify<C: Verification>(
    secp: &Secp256k1<C>,
    address: &Address,
    message: &[u8],
    signature: &[u8],
    policy: LegacyPolicy,
) -> Result<(), Error> {
    let [header_byte, compact @ ..] = signature else {
        return Err(Error::LegacyLength { len: 0 });
    };
    if signature.len() != 65 {
        return Err(Error::LegacyLength {
            len: signature.len(),
        });
    }
    let header = Header::parse(*header_byte)?;
    let claim = header.claim;
    let address_type = match address.address_type() {
        Some(kind @ (AddressType::P2pkh | AddressType::P2wpkh | AddressType::P2sh)) => kind,
        other => {
            return Err(Error::KindNotAllowed {
                kind: SignatureKind::Legacy,
                address_type: AddressTypeName(other),
            })
        }
    };
    let allowed = match policy {
        LegacyPolicy::Refuse => false,
        LegacyPolicy::P2pkhOnly => address_type == AddressType::P2pkh,
        LegacyPolicy::AllowSegwit => true,
    };
    if !allowed {
        return Err(Error::LegacyNotAllowed {
            address_type,
            policy,
        });
    }
    let fits = matches!(
        (address_type, claim),
        (
            AddressType::P2pkh,
            Claim::P2pkhUncompressed | Claim::P2pkhCompressed
        ) | (AddressType::P2wpkh, Claim::P2pkhCompressed | Claim::P2wpkh)
            | (
                AddressType::P2sh,
                Claim::P2pkhCompressed | Claim::P2shP2wpkh
            )
    );
    if !fits {
        return Err(Error::LegacyHeaderMismatch {
            header: *header_byte,
            meaning: claim.meaning(),
            address_type,
        });
    }

    let at = Location::Legacy;
    let recovery_id =
        RecoveryId::from_i32(i32::from(header.recovery_id)).map_err(|_| Error::LegacyHeader {
            header: *header_byte,
        })?;
    let signature = RecoverableSignature::from_compact(compact, recovery_id).map_err(|_| {
        Error::SignatureEncoding {
            input: at,
            reason: "r or s is not below the group order",
        }
    })?;
    let standard = signature.to_standard();
    let mut low = standard;
    low.normalize_s();
    if low != standard {
        return Err(Error::HighS { input: at });
    }
    let digest = Message::from_digest(legacy_message_hash(message));
    let key = secp
        .recover_ecdsa(&digest, &signature)
        .map_err(|_| Error::BadSignature { input: at })?;

    let derived = match address_type {
        AddressType::P2pkh => ScriptBuf::new_p2pkh(
            &PublicKey {
                compressed: header.compressed(),
                inner: key,
            }
            .pubkey_hash(),
        ),
        AddressType::P2wpkh => ScriptBuf::new_p2wpkh(&CompressedPublicKey(key).wpubkey_hash()),
        _ => ScriptBuf::new_p2wpkh(&CompressedPublicKey(key).wpubkey_hash()).to_p2sh(),
    };
    if derived == address.script_pubkey() {
        Ok(())
    } else {
        Err(Error::PublicKeyMismatch { input: at })
    }
}
