//! BIP-340's test vectors on the Schnorr layer: every verification case whose message is 32
//! bytes (the layer verifies sighashes, which always are; cases 15–18 sign messages of 0, 1,
//! 17 and 100 bytes, which libsecp256k1's 32-byte message API in the `bitcoin` 0.32 line
//! cannot take, and are skipped by name), and every signing case through
//! `primitives::sign_schnorr` with the vector's auxiliary randomness.

use watchword_bip322::primitives::{sign_schnorr, verify_schnorr};
use watchword_bip322::SecretKey;

use crate::support::hex;

#[test]
fn bip340_vectors() {
    let Some(csv) = watchword_testkit::read_vector("bip340/test-vectors.csv") else {
        return;
    };
    let csv = String::from_utf8(csv).expect("utf-8");
    let (mut verified, mut signed, mut skipped) = (0, 0, Vec::new());
    for line in csv.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let [index, secret, public, aux, message, signature, result, ..] = fields[..] else {
            panic!("short line {line}");
        };
        let message = hex(message);
        let Ok(digest) = <[u8; 32]>::try_from(message.as_slice()) else {
            skipped.push(index.to_owned());
            continue;
        };
        let expected = match result {
            "TRUE" => true,
            "FALSE" => false,
            other => panic!("unexpected result {other}"),
        };
        let outcome = verify_schnorr(&hex(public), &digest, &hex(signature));
        assert_eq!(outcome.is_ok(), expected, "case {index}: {outcome:?}");
        verified += 1;
        if !secret.is_empty() {
            let key = SecretKey::from_slice(&hex(secret)).expect("secret key");
            let aux: [u8; 32] = hex(aux).try_into().expect("32-byte aux");
            assert_eq!(
                sign_schnorr(&key, &digest, &aux).to_vec(),
                hex(signature),
                "case {index}"
            );
            signed += 1;
        }
    }
    assert_eq!((verified, signed), (15, 4));
    assert_eq!(skipped, ["15", "16", "17", "18"]);
}
