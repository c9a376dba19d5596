//! The tagged message hash and the two virtual transactions against BIP-322's published
//! hashes.

use watchword_bip322::bitcoin::{Address, Witness};
use watchword_bip322::{message_hash, to_sign, to_spend, Network};

use crate::support::{hex, load_vectors, text};

/// BIP-322 § Test vectors, "Message hashing" (also in basic-test-vectors.json).
#[test]
fn message_hash_of_the_bip_text() {
    assert_eq!(
        message_hash(b"").to_vec(),
        hex("c90c269c4f8fcbe6880f72a721ddfbf1914268a794cbb21cfafee13770ae19f1")
    );
    assert_eq!(
        message_hash(b"Hello World").to_vec(),
        hex("f0eb03b1a75ac6d9847f55c624a99169b5dccba2a31f5b23bea77ba270de0a7a")
    );
}

#[test]
fn tx_hashes_vectors() {
    let Some(vectors) = load_vectors("bip322/basic-test-vectors.json") else {
        return;
    };
    let cases = vectors["tx_hashes"].as_array().expect("tx_hashes");
    for case in cases {
        let message = text(case, "message").as_bytes();
        let address: Address<_> = text(case, "address").parse().expect("address");
        let address = address.require_network(Network::Bitcoin).expect("mainnet");
        assert_eq!(
            message_hash(message).to_vec(),
            hex(text(case, "message_hash")),
            "{case}"
        );
        let to_spend = to_spend(&address.script_pubkey(), message);
        assert_eq!(
            to_spend.compute_txid().to_string(),
            text(case, "to_spend_tx_hash")
        );
        let to_sign = to_sign(&to_spend, Witness::default());
        assert_eq!(
            to_sign.compute_txid().to_string(),
            text(case, "to_sign_tx_hash")
        );
    }
    assert_eq!(cases.len(), 3);
}
