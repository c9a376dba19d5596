//! bitcoinjs-message's fixtures on the legacy path: header parsing, the magic hash, and the
//! verify cases for Bitcoin addresses (P2PKH, and P2SH-P2WPKH/P2WPKH under
//! `allow_legacy_segwit`). The Dogecoin cases use another magic prefix and address version and
//! are skipped by name: this crate verifies Bitcoin only.

use serde_json::Value;
use watchword_bip322::bitcoin::{Address, CompressedPublicKey, PublicKey};
use watchword_bip322::legacy::Header;
use watchword_bip322::{legacy_message_hash, Network, SignatureKind, Verifier};

use crate::support::{b64, check, hex, load_vectors, mainnet, text, wif};

fn fixtures() -> Option<Value> {
    load_vectors("bip137/bitcoinjs-message.fixtures.json")
}

fn lenient() -> Verifier {
    Verifier::new(Network::Bitcoin).allow_legacy_segwit(true)
}

fn is_bitcoin(case: &Value) -> bool {
    text(case, "network") == "bitcoin"
}

#[test]
fn header_bytes() {
    let Some(fixtures) = fixtures() else { return };
    let cases = fixtures["valid"]["signature"].as_array().expect("cases");
    for case in cases {
        let bytes = hex(text(case, "hex"));
        let header = Header::parse(bytes[0]).expect("header in range");
        assert_eq!(
            u64::from(header.recovery_id()),
            case["recovery"].as_u64().expect("recovery")
        );
        assert_eq!(
            header.compressed(),
            case["compressed"].as_bool().expect("compressed")
        );
        assert_eq!(&bytes[1..], hex(text(case, "signature")).as_slice());
    }
    assert_eq!(cases.len(), 7);
}

#[test]
fn magic_hash() {
    let Some(fixtures) = fixtures() else { return };
    let cases = fixtures["valid"]["magicHash"].as_array().expect("cases");
    let mut run = 0;
    for case in cases.iter().filter(|case| is_bitcoin(case)) {
        assert_eq!(
            legacy_message_hash(text(case, "message").as_bytes()).to_vec(),
            hex(text(case, "magicHash"))
        );
        run += 1;
    }
    assert_eq!((run, cases.len()), (3, 5), "2 dogecoin cases skipped");
}

#[test]
fn verify_cases() {
    let Some(fixtures) = fixtures() else { return };
    let cases = fixtures["valid"]["verify"].as_array().expect("cases");
    let mut run = 0;
    for case in cases.iter().filter(|case| is_bitcoin(case)) {
        let message = text(case, "message").as_bytes();
        let mut pairs = vec![
            (text(case, "address"), text(case, "signature"), false),
            (
                text(&case["compressed"], "address"),
                text(&case["compressed"], "signature"),
                false,
            ),
        ];
        for segwit in ["P2SH_P2WPKH", "P2WPKH"] {
            let segwit = &case["segwit"][segwit];
            pairs.push((text(segwit, "address"), text(segwit, "signature"), true));
        }
        for (address, signature, segwit) in pairs {
            let lenient_result = lenient().verify(address, message, signature);
            check(&lenient_result, Ok(SignatureKind::Legacy));
            let default = mainnet().verify(address, message, signature);
            if segwit {
                check(&default, Err("legacy_not_allowed"));
            } else {
                check(&default, Ok(SignatureKind::Legacy));
            }
            run += 1;
        }
    }
    assert_eq!((run, cases.len()), (4, 2), "1 dogecoin case skipped");
}

/// The signing fixture for the key 1: the same `r ‖ s` under each header verifies for the
/// matching address of that key, and for no other.
#[test]
fn sign_cases_verify() {
    let Some(fixtures) = fixtures() else { return };
    let cases = fixtures["valid"]["sign"].as_array().expect("cases");
    let mut run = 0;
    for case in cases.iter().filter(|case| is_bitcoin(case)) {
        assert_eq!(text(case, "d"), "1");
        let secret = key_one();
        let secp = watchword_bip322::bitcoin::secp256k1::Secp256k1::new();
        let point = secret.public_key(&secp);
        let compressed = CompressedPublicKey(point);
        let uncompressed = PublicKey::new_uncompressed(point);
        let p2pkh_uncompressed = Address::p2pkh(uncompressed, Network::Bitcoin);
        let p2pkh_compressed = Address::p2pkh(compressed, Network::Bitcoin);
        let p2sh_p2wpkh = Address::p2shwpkh(&compressed, Network::Bitcoin);
        let p2wpkh = Address::p2wpkh(&compressed, Network::Bitcoin);
        let all = [
            &p2pkh_uncompressed,
            &p2pkh_compressed,
            &p2sh_p2wpkh,
            &p2wpkh,
        ];
        // Each header and the addresses it verifies for under `allow_legacy_segwit`: the
        // compressed P2PKH header (31–34) also for segwit addresses, as Electrum writes it.
        let signatures = [
            (text(case, "signature"), vec![&p2pkh_uncompressed]),
            (
                text(&case["compressed"], "signature"),
                vec![&p2pkh_compressed, &p2sh_p2wpkh, &p2wpkh],
            ),
            (
                text(&case["segwit"]["P2SH_P2WPKH"], "signature"),
                vec![&p2sh_p2wpkh],
            ),
            (text(&case["segwit"]["P2WPKH"], "signature"), vec![&p2wpkh]),
        ];
        let message = text(case, "message").as_bytes();
        for (signature, valid_for) in &signatures {
            for address in all {
                let result = lenient().verify(&address.to_string(), message, signature);
                if valid_for.contains(&address) {
                    check(&result, Ok(SignatureKind::Legacy));
                } else {
                    assert!(result.is_err(), "{signature} verified for {address}");
                }
            }
            run += 1;
        }
    }
    assert_eq!((run, cases.len()), (4, 2), "1 dogecoin case skipped");
}

fn key_one() -> watchword_bip322::SecretKey {
    let mut bytes = [0; 32];
    bytes[31] = 1;
    watchword_bip322::SecretKey::from_slice(&bytes).expect("1 is a valid key")
}

#[test]
fn random_sig_cases() {
    let Some(fixtures) = fixtures() else { return };
    let cases = fixtures["randomSig"].as_array().expect("cases");
    let mut run = 0;
    for case in cases {
        let private = wif(text(case, "wif"));
        assert!(!private.compressed);
        let secp = watchword_bip322::bitcoin::secp256k1::Secp256k1::new();
        let address = Address::p2pkh(private.public_key(&secp), Network::Bitcoin).to_string();
        for signature in case["signatures"].as_array().expect("signatures") {
            let result = mainnet().verify(
                &address,
                text(case, "message").as_bytes(),
                text(signature, "signature"),
            );
            check(&result, Ok(SignatureKind::Legacy));
            run += 1;
        }
    }
    assert_eq!(run, 2);
}

#[test]
fn invalid_signatures() {
    let Some(fixtures) = fixtures() else { return };
    let cases = fixtures["invalid"]["signature"].as_array().expect("cases");
    // Any P2PKH address: the signature is refused before any key is recovered.
    let address = "1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs";
    for case in cases {
        let result = mainnet().verify(address, b"vires is numeris", &b64(&hex(text(case, "hex"))));
        let code = match text(case, "exception") {
            "Invalid signature parameter" => "legacy_header",
            "Invalid signature length" => "legacy_length",
            other => panic!("unexpected exception {other}"),
        };
        check(&result, Err(code));
    }
    assert_eq!(cases.len(), 3);
}

#[test]
fn invalid_verify_cases() {
    let Some(fixtures) = fixtures() else { return };
    let cases = fixtures["invalid"]["verify"].as_array().expect("cases");
    for case in cases {
        let result = mainnet().verify(
            text(case, "address"),
            text(case, "message").as_bytes(),
            text(case, "signature"),
        );
        // Each recovers a key whose address is not the one given.
        check(&result, Err("public_key_mismatch"));
    }
    assert_eq!(cases.len(), 4);
}
