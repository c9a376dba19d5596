//! Simple signatures for single-key addresses, so that tests, examples and demos can make
//! real signatures without a wallet.
//!
//! No randomness is drawn here: ECDSA nonces are RFC 6979 with the caller's `aux` bytes as
//! the additional data (RFC 6979 §3.6), Schnorr nonces BIP-340's with `aux` as its auxiliary
//! randomness. The same key, message and `aux` give the same signature.

use bitcoin::hashes::Hash as _;
use bitcoin::key::TapTweak as _;
use bitcoin::secp256k1::{Keypair, Message, Secp256k1, SecretKey};
use bitcoin::sighash::{EcdsaSighashType, Prevouts, SighashCache, TapSighashType};
use bitcoin::{Address, CompressedPublicKey, Network, Witness};

use crate::encoding;
use crate::primitives::schnorr_sign;
use crate::tx::{to_sign, to_spend};
use crate::SignatureKind;

/// The single-key address types [`sign_simple`] signs for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAddress {
    /// Native segwit v0 for a compressed key (`bc1q…`), ECDSA.
    P2wpkh,
    /// Nested segwit: the P2WPKH program wrapped in P2SH (`3…`), ECDSA; the simple signature
    /// holds the same witness as for P2WPKH.
    P2shP2wpkh,
    /// Taproot with the key as internal key and no script tree (`bc1p…`), BIP-340 Schnorr
    /// under the BIP-86 tweaked output key.
    P2tr,
}

/// The address of `secret_key` for `kind` on `network`.
pub fn address(secret_key: &SecretKey, kind: KeyAddress, network: Network) -> Address {
    let secp = Secp256k1::new();
    match kind {
        KeyAddress::P2wpkh => {
            Address::p2wpkh(&CompressedPublicKey(secret_key.public_key(&secp)), network)
        }
        KeyAddress::P2shP2wpkh => {
            Address::p2shwpkh(&CompressedPublicKey(secret_key.public_key(&secp)), network)
        }
        KeyAddress::P2tr => {
            let (internal, _parity) = secret_key.x_only_public_key(&secp);
            Address::p2tr(&secp, internal, None, network)
        }
    }
}

/// Signs `message` for the `kind` address of `secret_key` and returns the simple signature,
/// `smp` and base64 of the witness stack, as [BIP-322 § Signing] writes it.
///
/// The address does not depend on the network, so neither does the signature.
///
/// [BIP-322 § Signing]: https://github.com/bitcoin/bips/blob/master/bip-0322.mediawiki#signing
pub fn sign_simple(
    secret_key: &SecretKey,
    kind: KeyAddress,
    message: &[u8],
    aux: [u8; 32],
) -> String {
    let witness = simple_witness(secret_key, kind, message, aux);
    encoding::encode(
        SignatureKind::Simple,
        &bitcoin::consensus::serialize(&witness),
    )
}

/// The witness stack of a simple signature (what [`sign_simple`] encodes).
///
/// # Panics
///
/// Never: `to_sign` has the one input the sighashes are computed for.
pub fn simple_witness(
    secret_key: &SecretKey,
    kind: KeyAddress,
    message: &[u8],
    aux: [u8; 32],
) -> Witness {
    let secp = Secp256k1::new();
    let challenge = address(secret_key, kind, Network::Bitcoin).script_pubkey();
    let to_spend = to_spend(&challenge, message);
    let unsigned = to_sign(&to_spend, Witness::new());
    let mut cache = SighashCache::new(&unsigned);
    match kind {
        KeyAddress::P2wpkh | KeyAddress::P2shP2wpkh => {
            // BIP-143 signs the P2WPKH program (the script code), nested or not; the script
            // sig, which differs, is not part of the digest.
            let program = address(secret_key, KeyAddress::P2wpkh, Network::Bitcoin).script_pubkey();
            let digest = cache
                .p2wpkh_signature_hash(0, &program, to_spend.output[0].value, EcdsaSighashType::All)
                .expect("input 0 exists and the challenge is p2wpkh");
            let signature = secp.sign_ecdsa_with_noncedata(
                &Message::from_digest(digest.to_byte_array()),
                secret_key,
                &aux,
            );
            let mut element = signature.serialize_der().to_vec();
            element.push(EcdsaSighashType::All.to_u32().to_le_bytes()[0]);
            let key = secret_key.public_key(&secp).serialize();
            Witness::from_slice(&[element.as_slice(), key.as_slice()])
        }
        KeyAddress::P2tr => {
            let digest = cache
                .taproot_key_spend_signature_hash(
                    0,
                    &Prevouts::All(&to_spend.output),
                    TapSighashType::Default,
                )
                .expect("input 0 exists and one prevout is given");
            let tweaked = Keypair::from_secret_key(&secp, secret_key).tap_tweak(&secp, None);
            let signature =
                schnorr_sign(&secp, &tweaked.to_keypair(), &digest.to_byte_array(), &aux);
            Witness::from_slice(&[signature.as_slice()])
        }
    }
}
