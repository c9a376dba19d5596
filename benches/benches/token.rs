//! Verifying one JWT per algorithm three ways, side by side: `watchword-token` (header rules,
//! signature, claims), `jsonwebtoken` 9 (its own `Validation` with `exp`), and the raw primitive
//! over the signing input (HMAC tag check; Ed25519 `verify_strict`), which bounds what any JWT
//! library can reach.
//!
//! After the criterion groups, a plain timed loop prints the ratios ours/jsonwebtoken and
//! ours/raw per algorithm (only under `cargo bench`, not in `cargo test --benches`).

use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use criterion::{criterion_group, Criterion};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::{Sha256, Sha512};
use watchword_benches::Row;
use watchword_token::{
    Claims, Ed25519SigningKey, HmacKey, Jwk, JwkKey, SigningKey, UnixTime, Validation, VerifyingKey,
};

const HS256_SECRET: &[u8; 32] = b"benchmark hs256 secret, 32 bytes";
const HS512_SECRET: &[u8; 64] = b"benchmark hs512 secret, sixty-four bytes long, padded out to 64!";
const ED25519_SEED: &[u8; 32] = b"benchmark ed25519 seed, 32 bytes";

/// The raw primitive: signing input and decoded signature in, verdict out.
type RawCheck = Box<dyn Fn(&[u8], &[u8]) -> bool>;

/// One algorithm's token and its three verifiers.
struct Case {
    name: &'static str,
    token: String,
    ours: VerifyingKey,
    validation: Validation,
    now: UnixTime,
    theirs: (jsonwebtoken::DecodingKey, jsonwebtoken::Validation),
    raw: RawCheck,
    /// The signing input and the decoded signature, prepared once for the raw check.
    raw_input: (Vec<u8>, Vec<u8>),
}

impl Case {
    fn ours(&self) -> bool {
        self.ours
            .verify::<Map<String, Value>>(black_box(&self.token), &self.validation, self.now)
            .is_ok()
    }

    fn jsonwebtoken(&self) -> bool {
        let (key, validation) = &self.theirs;
        jsonwebtoken::decode::<Map<String, Value>>(black_box(&self.token), key, validation).is_ok()
    }

    fn raw(&self) -> bool {
        // The raw check gets the signature already decoded: only the primitive is timed.
        let (input, signature) = &self.raw_input;
        (self.raw)(black_box(input), signature)
    }
}

fn cases() -> Vec<Case> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let mut claims = Claims::new(UnixTime(now + 3600));
    claims.iat = Some(UnixTime(now));
    claims.sub = Some("user-1234".to_owned());
    claims.iss = Some("https://auth.example".to_owned());
    claims
        .extra
        .insert("sid".to_owned(), Value::from("0f9c2d4e6a8b"));
    let now = UnixTime(now);
    let validation = Validation::new().issuer("https://auth.example");
    let theirs = |alg| {
        let mut validation = jsonwebtoken::Validation::new(alg);
        validation.set_issuer(&["https://auth.example"]);
        validation
    };
    let case =
        |name, signer: SigningKey, key, alg, raw: RawCheck, tag: &dyn Fn(&[u8]) -> Vec<u8>| {
            let token = signer.sign(&claims).expect("signs");
            let input = token
                .rsplit_once('.')
                .expect("three segments")
                .0
                .as_bytes()
                .to_vec();
            let signature = tag(&input);
            Case {
                name,
                token,
                ours: signer.verifying_key(),
                validation: validation.clone(),
                now,
                theirs: (key, theirs(alg)),
                raw,
                raw_input: (input, signature),
            }
        };

    let hs256 = HmacKey::hs256(HS256_SECRET).expect("32 bytes");
    let hs512 = HmacKey::hs512(HS512_SECRET).expect("64 bytes");
    let ed = Ed25519SigningKey::from_seed(ED25519_SEED);
    let public = ed.verifying_key();
    let dalek = ed25519_dalek::VerifyingKey::from_bytes(&public.to_bytes()).expect("valid key");
    // The x member of the public JWK, as a consumer of a JWKS would hand it to jsonwebtoken.
    let jwk: Value = serde_json::from_str(&Jwk::new(JwkKey::Ed25519Public(public), None).to_json())
        .expect("jwk json");
    let x = jwk["x"].as_str().expect("x");
    vec![
        case(
            "HS256",
            hs256.clone().into(),
            jsonwebtoken::DecodingKey::from_secret(HS256_SECRET),
            jsonwebtoken::Algorithm::HS256,
            Box::new(|input, tag| {
                let mut mac = Hmac::<Sha256>::new_from_slice(HS256_SECRET).expect("any length");
                mac.update(input);
                mac.verify_slice(tag).is_ok()
            }),
            &|input| hs256.mac(input),
        ),
        case(
            "HS512",
            hs512.clone().into(),
            jsonwebtoken::DecodingKey::from_secret(HS512_SECRET),
            jsonwebtoken::Algorithm::HS512,
            Box::new(|input, tag| {
                let mut mac = Hmac::<Sha512>::new_from_slice(HS512_SECRET).expect("any length");
                mac.update(input);
                mac.verify_slice(tag).is_ok()
            }),
            &|input| hs512.mac(input),
        ),
        case(
            "EdDSA",
            ed.clone().into(),
            jsonwebtoken::DecodingKey::from_ed_components(x).expect("ed25519 key"),
            jsonwebtoken::Algorithm::EdDSA,
            Box::new(move |input, signature| {
                let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
                    return false;
                };
                dalek.verify_strict(input, &signature).is_ok()
            }),
            &|input| ed.sign_message(input).to_vec(),
        ),
    ]
}

fn verify(c: &mut Criterion) {
    for case in cases() {
        assert!(
            case.ours() && case.raw(),
            "{}: ours and raw accept",
            case.name
        );
        let mut group = c.benchmark_group(format!("verify/{}", case.name));
        group.bench_function("watchword-token", |b| b.iter(|| case.ours()));
        if case.jsonwebtoken() {
            group.bench_function("jsonwebtoken", |b| b.iter(|| case.jsonwebtoken()));
        } else {
            eprintln!("{}: jsonwebtoken refuses this token, not timed", case.name);
        }
        group.bench_function("raw", |b| b.iter(|| case.raw()));
        group.finish();
    }
}

criterion_group!(benches, verify);

fn print_ratios() {
    let cases = cases();
    let rows: Vec<Row<'_>> = cases
        .iter()
        .map(|case| {
            Row::measure(
                case.name,
                || case.ours(),
                || case.jsonwebtoken(),
                || case.raw(),
            )
        })
        .collect();
    watchword_benches::print_ratios("verify", "jsonwebtoken", "raw", &rows);
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::args().any(|arg| arg == "--bench") {
        print_ratios();
    }
}
