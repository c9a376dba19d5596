//! `watchword verify bip322` and `watchword verify session`.

use std::time::{SystemTime, UNIX_EPOCH};

use watchword_bip322::{address, sign_simple, KeyAddress, Network, SecretKey};
use watchword_session::{DidOc, Ed25519SigningKey, SessionGrant, SessionIssuer, UnixTime};

use crate::{stdout_json, watchword};

fn key() -> SecretKey {
    SecretKey::from_slice(&[0x42; 32]).expect("a valid scalar")
}

#[test]
fn bip322_signatures_verify_and_tampering_fails() {
    for (kind, name) in [(KeyAddress::P2wpkh, "P2WPKH"), (KeyAddress::P2tr, "P2TR")] {
        let address = address(&key(), kind, Network::Bitcoin).to_string();
        let signature = sign_simple(&key(), kind, b"Sign in to shop.example", [7; 32]);
        let out = watchword(
            &[
                "verify",
                "bip322",
                "--address",
                &address,
                "--message",
                "Sign in to shop.example",
                "--signature",
                &signature,
            ],
            None,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let json = stdout_json(&out);
        assert_eq!(json["valid"], true);
        assert_eq!(json["kind"], "simple");
        assert_eq!(json["address"], address);

        let out = watchword(
            &[
                "verify",
                "bip322",
                "--address",
                &address,
                "--message",
                "Sign in to evil.example",
                "--signature",
                &signature,
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(1), "{name}");
        let json = stdout_json(&out);
        assert_eq!(json["valid"], false);
        assert!(
            json["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "{json}"
        );
    }
}

#[test]
fn bip322_messages_with_newlines_come_from_a_file_or_stdin() {
    let message = b"line one\nline two\n";
    let address = address(&key(), KeyAddress::P2wpkh, Network::Bitcoin).to_string();
    let signature = sign_simple(&key(), KeyAddress::P2wpkh, message, [1; 32]);
    let dir = tempfile::TempDir::new().expect("tempdir");
    let file = dir.path().join("message.txt");
    std::fs::write(&file, message).expect("write");
    let file = file.to_string_lossy().into_owned();
    let out = watchword(
        &[
            "verify",
            "bip322",
            "--address",
            &address,
            "--message-file",
            &file,
            "--signature",
            &signature,
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = watchword(
        &[
            "verify",
            "bip322",
            "--address",
            &address,
            "--message-file",
            "-",
            "--signature",
            &signature,
        ],
        Some(message),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn bip322_checks_the_network() {
    let testnet = address(&key(), KeyAddress::P2wpkh, Network::Testnet).to_string();
    let signature = sign_simple(&key(), KeyAddress::P2wpkh, b"hi", [0; 32]);
    let out = watchword(
        &[
            "verify",
            "bip322",
            "--address",
            &testnet,
            "--message",
            "hi",
            "--signature",
            &signature,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["reason"], "network_mismatch");
    let out = watchword(
        &[
            "verify",
            "bip322",
            "--network",
            "testnet",
            "--address",
            &testnet,
            "--message",
            "hi",
            "--signature",
            &signature,
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn bip322_usage_errors_exit_2() {
    for args in [
        vec![
            "verify",
            "bip322",
            "--address",
            "bc1q",
            "--signature",
            "AA==",
        ],
        vec![
            "verify",
            "bip322",
            "--address",
            "bc1q",
            "--message",
            "m",
            "--message-file",
            "f",
            "--signature",
            "AA==",
        ],
        vec![
            "verify",
            "bip322",
            "--address",
            "bc1q",
            "--message-file",
            "/nonexistent/message",
            "--signature",
            "AA==",
        ],
        vec![
            "verify",
            "bip322",
            "--address",
            "bc1q",
            "--message",
            "m",
            "--signature",
            "AA==",
            "--network",
            "moon",
        ],
    ] {
        let out = watchword(&args, None);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

#[test]
fn sessions_verify_against_a_jwks_file() {
    let mut host = SessionIssuer::new("https://auth.example", 3600);
    host.add_key("k1", Ed25519SigningKey::from_seed(&[9; 32]))
        .expect("key");
    let grant = SessionGrant::new("bc1qexample", DidOc::from_bytes([3; 16]));
    let issued = host.issue(&grant, [5; 16], UnixTime(now())).expect("issue");
    let dir = tempfile::TempDir::new().expect("tempdir");
    let jwks = dir.path().join("jwks.json");
    std::fs::write(&jwks, host.public_jwks().to_json()).expect("write");
    let jwks = jwks.to_string_lossy().into_owned();

    let out = watchword(
        &[
            "verify",
            "session",
            "--jwks",
            &jwks,
            "--iss",
            "https://auth.example",
            &issued.token,
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let json = stdout_json(&out);
    assert_eq!(json["valid"], true);
    assert_eq!(json["claims"]["sub"], "bc1qexample");

    let out = watchword(
        &[
            "verify",
            "session",
            "--jwks",
            &jwks,
            "--iss",
            "https://other.example",
            &issued.token,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["reason"], "issuer_mismatch");

    let mut forged = issued.token.clone();
    forged.pop();
    forged.push(if issued.token.ends_with('A') {
        'B'
    } else {
        'A'
    });
    let out = watchword(
        &["verify", "session", "--jwks", &jwks, "-"],
        Some(forged.as_bytes()),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let out = watchword(
        &[
            "verify",
            "session",
            "--jwks",
            "/nonexistent/jwks.json",
            &issued.token,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
}
