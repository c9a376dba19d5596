//! Verifying one `oc_session` token (`EdDSA`) three ways, side by side: `watchword-session`'s
//! consumer verifier (header rules, signature, registered claims, session claims into a typed
//! `Session`), `jsonwebtoken` 9 decoding the same claims into a struct under the same issuer,
//! leeway and required claims, and raw `ed25519-dalek` `verify_strict` over the signing input,
//! which bounds what any JWT library can reach.
//!
//! After the criterion group, a plain timed loop prints the ratios ours/jsonwebtoken and
//! ours/raw (only under `cargo bench`, not in `cargo test --benches`).

use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use criterion::{criterion_group, Criterion};
use serde::Deserialize;
use serde_json::Value;
use watchword_benches::Row;
use watchword_session::{
    DidOc, Ed25519SigningKey, SessionGrant, SessionIssuer, SessionRules, SessionVerifier,
    SigningMethod, UnixTime,
};

const SEED: &[u8; 32] = b"benchmark session seed, 32 bytes";
const ISSUER: &str = "https://auth.example.com";

/// The claims as a `jsonwebtoken` user would declare them.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // Decoded to be comparable with ours, never read.
struct PeerClaims {
    sub: String,
    did_oc: String,
    jti: String,
    iat: u64,
    exp: u64,
    iss: String,
    name: Option<String>,
    address: Option<String>,
    signing_method: Option<String>,
    step_up_at: Option<u64>,
}

struct Case {
    token: String,
    now: UnixTime,
    ours: SessionVerifier,
    theirs: (jsonwebtoken::DecodingKey, jsonwebtoken::Validation),
    raw: (
        ed25519_dalek::VerifyingKey,
        Vec<u8>,
        ed25519_dalek::Signature,
    ),
}

impl Case {
    fn new() -> Self {
        // jsonwebtoken reads the system clock, so the token is issued now.
        let now = UnixTime(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .expect("after 1970")
                .as_secs(),
        );
        let key = Ed25519SigningKey::from_seed(SEED);
        let mut issuer = SessionIssuer::new(ISSUER, 3600);
        issuer.add_key("2026-04", key.clone()).expect("fresh kid");
        let mut grant = SessionGrant::new("acct-1234", DidOc::from_bytes([0x5a; 16]));
        grant.name = Some("Ada".into());
        grant.address = Some("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq".into());
        grant.signing_method = Some(SigningMethod::Bip322Simple);
        let token = issuer.issue(&grant, [7; 16], now).expect("issues").token;

        let jwks = issuer.public_jwks().to_json();
        let ours = SessionVerifier::from_jwks_json(&jwks, SessionRules::new(30).issuer(ISSUER))
            .expect("usable set");

        let jwks: Value = serde_json::from_str(&jwks).expect("json");
        let x = jwks["keys"][0]["x"].as_str().expect("x");
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = 30;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        let theirs = (
            jsonwebtoken::DecodingKey::from_ed_components(x).expect("ed25519 key"),
            validation,
        );

        let input = token
            .rsplit_once('.')
            .expect("three segments")
            .0
            .as_bytes()
            .to_vec();
        // Ed25519 is deterministic: signing the input again gives the token's signature.
        let signature = ed25519_dalek::Signature::from_bytes(&key.sign_message(&input));
        let public = ed25519_dalek::VerifyingKey::from_bytes(&key.verifying_key().to_bytes())
            .expect("valid key");
        Case {
            token,
            now,
            ours,
            theirs,
            raw: (public, input, signature),
        }
    }

    fn ours(&self) -> bool {
        self.ours.verify(black_box(&self.token), self.now).is_ok()
    }

    fn jsonwebtoken(&self) -> bool {
        let (key, validation) = &self.theirs;
        jsonwebtoken::decode::<PeerClaims>(black_box(&self.token), key, validation).is_ok()
    }

    fn raw(&self) -> bool {
        let (key, input, signature) = &self.raw;
        key.verify_strict(black_box(input), signature).is_ok()
    }
}

fn verify(c: &mut Criterion) {
    let case = Case::new();
    assert!(case.ours() && case.raw(), "ours and raw accept");
    let mut group = c.benchmark_group("session-verify/EdDSA");
    group.bench_function("watchword-session", |b| b.iter(|| case.ours()));
    if case.jsonwebtoken() {
        group.bench_function("jsonwebtoken", |b| b.iter(|| case.jsonwebtoken()));
    } else {
        eprintln!("EdDSA: jsonwebtoken refuses this token, not timed");
    }
    group.bench_function("raw", |b| b.iter(|| case.raw()));
    group.finish();
}

criterion_group!(benches, verify);

fn print_ratios() {
    let case = Case::new();
    let rows = [Row::measure(
        "EdDSA",
        || case.ours(),
        || case.jsonwebtoken(),
        || case.raw(),
    )];
    watchword_benches::print_ratios("session verify", "jsonwebtoken", "raw", &rows);
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::args().any(|arg| arg == "--bench") {
        print_ratios();
    }
}
