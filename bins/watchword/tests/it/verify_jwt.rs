//! `watchword verify jwt`: one JSON object on stdout; exit 0 valid, 1 invalid, 2 usage error.

use std::time::{SystemTime, UNIX_EPOCH};

use tempfile::TempDir;
use watchword_token::{Claims, HmacKey, Jwk, Jwks, SigningKey, UnixTime};

use crate::{stdout_json, watchword};

/// 64 bytes: the least HS512 accepts.
const SECRET: &[u8] = b"a partner secret of sixty-four bytes, which is what HS512 needs!!";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

fn claims(exp_in: i64) -> Claims {
    let exp = now().checked_add_signed(exp_in).expect("time");
    let mut claims = Claims::new(UnixTime(exp));
    claims.aud = vec!["shop".into()];
    claims.iss = Some("partner".into());
    claims.extra.insert("challenge".into(), "c-123".into());
    claims
}

fn hmac(alg: &str) -> SigningKey {
    let key = if alg == "HS256" {
        HmacKey::hs256(SECRET)
    } else {
        HmacKey::hs512(SECRET)
    };
    SigningKey::Hmac(key.expect("secret long enough"))
}

struct Files {
    dir: TempDir,
}

impl Files {
    fn new() -> Self {
        Self {
            dir: TempDir::new().expect("tempdir"),
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        path.to_string_lossy().into_owned()
    }
}

#[test]
fn a_valid_hs512_token_prints_header_and_claims() {
    let files = Files::new();
    let secret = files.write("secret", &[SECRET, b"\n"].concat());
    let token = hmac("HS512").sign(&claims(60)).expect("sign");
    let out = watchword(
        &[
            "verify",
            "jwt",
            "--secret-file",
            &secret,
            "--alg",
            "HS512",
            "--aud",
            "shop",
            "--iss",
            "partner",
            &token,
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = stdout_json(&out);
    assert_eq!(json["valid"], true);
    assert_eq!(json["header"]["alg"], "HS512");
    assert_eq!(json["claims"]["challenge"], "c-123");
}

#[test]
fn the_token_can_come_from_stdin() {
    let files = Files::new();
    let secret = files.write("secret", SECRET);
    let token = hmac("HS256").sign(&claims(60)).expect("sign");
    let out = watchword(
        &[
            "verify",
            "jwt",
            "--secret-file",
            &secret,
            "--alg",
            "HS256",
            "--aud",
            "shop",
            "-",
        ],
        Some(format!("{token}\n").as_bytes()),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_json(&out)["valid"], true);
}

#[test]
fn an_eddsa_token_verifies_against_a_jwks() {
    let files = Files::new();
    let private = Jwk::generate_ed25519(&mut rand_core::OsRng);
    let jwks = files.write(
        "jwks.json",
        Jwks::new(vec![private.to_public().expect("public")])
            .to_json()
            .as_bytes(),
    );
    let mut ring = watchword_token::KeyRing::new();
    ring.add_signing_key(
        private.kid().expect("kid"),
        private.signing_key().expect("private"),
    )
    .expect("add key");
    let token = ring.sign(&claims(60)).expect("sign");
    let out = watchword(
        &["verify", "jwt", "--jwks", &jwks, "--aud", "shop", &token],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = stdout_json(&out);
    assert_eq!(json["header"]["alg"], "EdDSA");
    assert_eq!(json["header"]["kid"], private.kid().expect("kid"));

    // Another key's JWKS does not verify it.
    let other = Jwk::generate_ed25519(&mut rand_core::OsRng)
        .to_public()
        .expect("public");
    let other = files.write("other.json", Jwks::new(vec![other]).to_json().as_bytes());
    let out = watchword(
        &["verify", "jwt", "--jwks", &other, "--aud", "shop", &token],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn invalid_tokens_exit_1_with_a_reason() {
    let files = Files::new();
    let secret = files.write("secret", SECRET);
    let good = hmac("HS256").sign(&claims(60)).expect("sign");
    let expired = hmac("HS256").sign(&claims(-120)).expect("sign");
    let other_key = SigningKey::Hmac(
        HmacKey::hs256(b"another secret of at least thirty-two bytes, wrong").expect("key"),
    );
    let forged = other_key.sign(&claims(60)).expect("sign");
    let payload = good.split('.').nth(1).expect("payload");
    let alg_none = format!("eyJhbGciOiJub25lIn0.{payload}.");
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        ("expired", vec![&expired], "expired"),
        (
            "audience not asked for",
            vec!["--aud", "", &good],
            "audience",
        ),
        (
            "wrong audience",
            vec!["--aud", "elsewhere", &good],
            "audience",
        ),
        ("wrong issuer", vec!["--iss", "someone", &good], "issuer"),
        ("wrong key", vec![&forged], "signature"),
        ("alg none", vec![&alg_none], "none"),
        ("garbage", vec!["not-a-token"], "segment"),
    ];
    for (what, extra, reason) in cases {
        let mut args = vec!["verify", "jwt", "--secret-file", &secret, "--alg", "HS256"];
        if !extra.contains(&"--aud") {
            args.extend(["--aud", "shop"]);
        }
        args.extend(extra);
        let out = watchword(&args, None);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{what}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let json = stdout_json(&out);
        assert_eq!(json["valid"], false, "{what}");
        let said = json["reason"].as_str().expect("reason").to_lowercase();
        assert!(
            said.contains(reason),
            "{what}: reason {said:?} should mention {reason:?}"
        );
    }

    // An HS256 token is not accepted by an HS512 key even with the same secret: the key decides.
    let out = watchword(
        &[
            "verify",
            "jwt",
            "--secret-file",
            &secret,
            "--alg",
            "HS512",
            "--aud",
            "shop",
            &good,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn leeway_is_explicit() {
    let files = Files::new();
    let secret = files.write("secret", SECRET);
    let just_expired = hmac("HS256").sign(&claims(-5)).expect("sign");
    let out = watchword(
        &[
            "verify",
            "jwt",
            "--secret-file",
            &secret,
            "--alg",
            "HS256",
            "--aud",
            "shop",
            &just_expired,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "no leeway unless asked");
    let out = watchword(
        &[
            "verify",
            "jwt",
            "--secret-file",
            &secret,
            "--alg",
            "HS256",
            "--leeway",
            "60",
            "--aud",
            "shop",
            &just_expired,
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
fn usage_errors_exit_2() {
    let files = Files::new();
    let secret = files.write("secret", SECRET);
    let bad_jwks = files.write("bad.json", b"{\"keys\": 5}");
    let token = hmac("HS256").sign(&claims(60)).expect("sign");
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("no key given", vec!["verify", "jwt", &token]),
        (
            "secret without alg",
            vec!["verify", "jwt", "--secret-file", &secret, &token],
        ),
        (
            "both keys",
            vec![
                "verify",
                "jwt",
                "--secret-file",
                &secret,
                "--alg",
                "HS256",
                "--jwks",
                &bad_jwks,
                &token,
            ],
        ),
        (
            "unknown alg",
            vec![
                "verify",
                "jwt",
                "--secret-file",
                &secret,
                "--alg",
                "RS256",
                &token,
            ],
        ),
        (
            "missing file",
            vec![
                "verify",
                "jwt",
                "--secret-file",
                "/nonexistent/secret",
                "--alg",
                "HS256",
                &token,
            ],
        ),
        (
            "malformed JWKS",
            vec!["verify", "jwt", "--jwks", &bad_jwks, &token],
        ),
        (
            "no token",
            vec!["verify", "jwt", "--secret-file", &secret, "--alg", "HS256"],
        ),
    ];
    for (what, args) in cases {
        let out = watchword(&args, None);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stderr.is_empty(), "{what}: says why on stderr");
    }
}
