//! Wycheproof's Bitcoin-variant secp256k1 ECDSA file (low S required) on the ECDSA layer every
//! BIP-322 and legacy check goes through: `primitives::verify_ecdsa` over SHA-256 of the
//! message, DER signatures as the file gives them. Every verdict must match.

use watchword_bip322::bitcoin::hashes::{sha256, Hash as _};
use watchword_bip322::primitives::verify_ecdsa;

use crate::support::{hex, load_vectors, text};

#[test]
fn ecdsa_secp256k1_sha256_bitcoin() {
    let Some(file) = load_vectors("wycheproof/ecdsa_secp256k1_sha256_bitcoin_test.json") else {
        return;
    };
    let (mut run, mut valid, mut high_s) = (0, 0, 0);
    for group in file["testGroups"].as_array().expect("testGroups") {
        assert_eq!(text(group, "type"), "EcdsaBitcoinVerify");
        let key = hex(text(&group["publicKey"], "uncompressed"));
        for case in group["tests"].as_array().expect("tests") {
            let digest = sha256::Hash::hash(&hex(text(case, "msg"))).to_byte_array();
            let result = verify_ecdsa(&key, &digest, &hex(text(case, "sig")));
            let expected = match text(case, "result") {
                "valid" => true,
                "invalid" => false,
                other => panic!("unexpected result {other}"),
            };
            assert_eq!(
                result.is_ok(),
                expected,
                "tcId {} ({}): {result:?}",
                case["tcId"],
                text(case, "comment")
            );
            let malleability = case["flags"]
                .as_array()
                .expect("flags")
                .iter()
                .any(|flag| flag == "SignatureMalleabilityBitcoin");
            if malleability {
                assert_eq!(result.expect_err("high s").code(), "high_s");
                high_s += 1;
            }
            valid += usize::from(expected);
            run += 1;
        }
    }
    assert_eq!(
        file["numberOfTests"].as_u64(),
        Some(u64::try_from(run).expect("count"))
    );
    assert_eq!((run, valid, high_s), (463, 162, 1));
}
