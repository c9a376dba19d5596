//! `watchword keys generate` and `watchword keys rotate`.

use crate::watchword;

#[test]
fn generate_prints_a_private_jwk_and_its_public_jwks() {
    let first = watchword(&["keys", "generate"], None);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let out: serde_json::Value = serde_json::from_slice(&first.stdout).expect("JSON");
    let jwk = &out["jwk"];
    assert_eq!(jwk["kty"], "OKP");
    assert_eq!(jwk["crv"], "Ed25519");
    assert!(
        jwk["d"].as_str().is_some_and(|d| d.len() == 43),
        "private part: {jwk}"
    );
    let keys = out["jwks"]["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["x"], jwk["x"]);
    assert_eq!(keys[0]["kid"], jwk["kid"], "kid is the thumbprint on both");
    assert!(
        keys[0].get("d").is_none(),
        "the JWKS is public: {}",
        out["jwks"]
    );

    // The JWK is usable by the token crate, and each run makes a new key.
    watchword_token::Jwk::from_json(&jwk.to_string()).expect("parses back");
    let second: serde_json::Value =
        serde_json::from_slice(&watchword(&["keys", "generate"], None).stdout).expect("JSON");
    assert_ne!(second["jwk"]["d"], jwk["d"]);
}

/// A session signed by the newest key of the auth host's key file, as the host would sign it.
fn sign_with(file: &std::path::Path, sub: &str) -> String {
    let set = watchword_auth_host_server::keys::KeySet::read(file).expect("key file");
    let issuer = set
        .issuer("https://auth.example.test", 3600)
        .expect("issuer");
    let grant =
        watchword_session::SessionGrant::new(sub, watchword_session::DidOc::from_bytes([7; 16]));
    let now = watchword_session::UnixTime(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs(),
    );
    issuer.issue(&grant, [1; 16], now).expect("issue").token
}

/// `watchword verify session` of `token` against the public keys of `file`.
fn verify_session(dir: &std::path::Path, file: &std::path::Path, token: &str) -> serde_json::Value {
    let set = watchword_auth_host_server::keys::KeySet::read(file).expect("key file");
    let public = dir.join("public.json");
    std::fs::write(&public, set.public().to_json()).expect("write public keys");
    let output = watchword(
        &[
            "verify",
            "session",
            "--jwks",
            public.to_str().expect("utf-8"),
            "--iss",
            "https://auth.example.test",
            token,
        ],
        None,
    );
    crate::stdout_json(&output)
}

#[test]
fn rotate_keeps_the_previous_key_verifying_and_drops_older_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("session-keys.json");
    let file_arg = file.to_str().expect("utf-8");
    let created = watchword(&["keys", "rotate", "--file", file_arg], None);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let first: serde_json::Value = serde_json::from_slice(&created.stdout).expect("JSON");
    assert_eq!(
        first["kids"].as_array().map(Vec::len),
        Some(1),
        "created with one key"
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&file).expect("stat").permissions(),
    );
    assert_eq!(
        mode & 0o077,
        0,
        "private keys are readable by the owner only"
    );
    let old = sign_with(&file, "u_old");
    assert_eq!(verify_session(dir.path(), &file, &old)["valid"], true);

    let rotated: serde_json::Value =
        serde_json::from_slice(&watchword(&["keys", "rotate", "--file", file_arg], None).stdout)
            .expect("JSON");
    assert_eq!(
        rotated["kids"][1], first["kids"][0],
        "the previous key stays, second"
    );
    let new = sign_with(&file, "u_new");
    for token in [&old, &new] {
        assert_eq!(
            verify_session(dir.path(), &file, token)["valid"],
            true,
            "both verify during the rotation"
        );
    }

    // One more rotation keeps two keys: the first one is gone, and so are its sessions.
    watchword(&["keys", "rotate", "--file", file_arg, "--keep", "2"], None);
    assert_eq!(verify_session(dir.path(), &file, &old)["valid"], false);
    assert_eq!(verify_session(dir.path(), &file, &new)["valid"], true);
    let refused = watchword(&["keys", "rotate", "--file", file_arg, "--keep", "1"], None);
    assert!(
        !refused.status.success(),
        "keeping one key would cut live sessions off"
    );
}
