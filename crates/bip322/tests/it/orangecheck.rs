//! The BIP-322 vectors of the `orangecheck/` folder (tv21–tv23: a P2WPKH and a P2TR signature
//! over an attestation text, and the P2WPKH one with a byte flipped). The folder's other
//! vectors test attestation text and scoring, which belong to `watchword-session`.

use watchword_bip322::SignatureKind;

use crate::support::{check, load_vectors, mainnet, text};

#[test]
fn bip322_signature_vectors() {
    let mut run = 0;
    for id in ["tv21", "tv22", "tv23"] {
        let Some(vector) = load_vectors(&format!("orangecheck/{id}.json")) else {
            return;
        };
        assert_eq!(text(&vector, "category"), "bip322_signature");
        let input = &vector["input"];
        assert_eq!(text(input, "scheme"), "bip322");
        let result = mainnet().verify(
            text(input, "address"),
            text(input, "message").as_bytes(),
            text(input, "signature"),
        );
        let valid = vector["expected"]["valid"].as_bool().expect("valid");
        if valid {
            check(&result, Ok(SignatureKind::Simple));
        } else {
            // tv23 flips one byte inside the DER signature: it still parses, and fails.
            check(&result, Err("bad_signature"));
        }
        run += 1;
    }
    assert_eq!(run, 3);
}
