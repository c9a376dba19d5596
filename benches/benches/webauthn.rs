//! Verifying one passkey assertion (parse the browser's JSON, check client data, authenticator
//! data, signature, counter) three ways, side by side: `watchword-webauthn`, `webauthn-rs` 0.6
//! (its passkey ceremony; its tree has no OpenSSL since 0.6, its crypto is pure Rust), and the
//! raw signature check over `authData ‖ SHA-256(clientDataJSON)`, which bounds what any
//! verifier can reach. `webauthn-rs` passkeys do not offer EdDSA, so that row has no peer.
//!
//! A second table records why the signature backend is *ring*: the same P-256 and Ed25519
//! verifications with *ring* and with the pure-Rust `p256` 0.14 and `ed25519-dalek` 2.
//! Measured on the project's 2-core machine while other builds ran on it (`cargo bench -p
//! watchword-benches --bench webauthn`; medians of 21 interleaved rounds, and for the ratio
//! the median of the per-round ratios with its interquartile range):
//!
//! ```text
//! backend      ring     pure Rust   pure/ring
//! P-256        53 µs    275 µs      5.2   (p256 0.14): ring it is
//! Ed25519      61 µs     47 µs      0.8   (ed25519-dalek 2; within the noise of a loaded machine)
//!
//! assertion    ours     webauthn-rs  ring alone   ours/ring
//! ES256        61 µs    299 µs       53 µs        1.05 (1.03–1.12)
//! EdDSA        47 µs    —            45 µs        1.05
//! ```
//!
//! What an ES256 sign-in adds to ring's verification is the JSON and base64url parsing (about
//! 1 µs), the client data (0.5 µs) and hashing; the stored key's on-curve check is ring's own
//! (this crate's slower check, 11 µs, runs at registration only).
//!
//! After the criterion groups, a plain timed loop prints the ratios (only under `cargo bench`,
//! not in `cargo test --benches`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, Criterion};
use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, KeyPair as _, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1,
    ECDSA_P256_SHA256_ASN1_SIGNING, ED25519,
};
use serde_json::json;
use watchword_benches::{time_per_call, Row};
use watchword_webauthn::{
    fuzzing, parse_authentication, parse_registration, Credential, RelyingParty, UnixTime,
};
use webauthn_rs::prelude::{
    PasskeyAuthentication, PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn,
    WebauthnBuilder,
};

const RP_ID: &str = "example.org";
const ORIGIN: &str = "https://example.org";

fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

fn sha256(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

/// A software ES256 authenticator: one credential, `none` attestation.
struct Es256Authenticator {
    key: EcdsaKeyPair,
    rng: SystemRandom,
    id: Vec<u8>,
}

impl Es256Authenticator {
    fn new() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .expect("key generation");
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .expect("key");
        Es256Authenticator {
            key,
            rng,
            id: (0..32).collect(),
        }
    }

    fn point(&self) -> &[u8] {
        self.key.public_key().as_ref()
    }

    /// `{1: 2, 3: -7, -1: 1, -2: x, -3: y}` in CBOR.
    fn cose(&self) -> Vec<u8> {
        let point = self.point();
        let mut out = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20];
        out.extend_from_slice(&point[1..33]);
        out.extend_from_slice(&[0x22, 0x58, 0x20]);
        out.extend_from_slice(&point[33..]);
        out
    }

    fn client_data(type_: &str, challenge: &[u8]) -> Vec<u8> {
        json!({"type": type_, "challenge": b64(challenge), "origin": ORIGIN, "crossOrigin": false})
            .to_string()
            .into_bytes()
    }

    fn register(&self, challenge: &[u8]) -> String {
        let client_data = Self::client_data("webauthn.create", challenge);
        let mut auth_data = sha256(RP_ID.as_bytes());
        auth_data.extend_from_slice(&[0x45, 0, 0, 0, 0]); // UP, UV, AT; counter 0
        auth_data.extend_from_slice(&[0; 16]);
        auth_data.extend_from_slice(&[0, 32]);
        auth_data.extend_from_slice(&self.id);
        auth_data.extend_from_slice(&self.cose());
        // {"fmt": "none", "attStmt": {}, "authData": h'…'}
        let mut object = vec![0xa3, 0x63, b'f', b'm', b't', 0x64, b'n', b'o', b'n', b'e'];
        object.extend_from_slice(&[0x67, b'a', b't', b't', b'S', b't', b'm', b't', 0xa0]);
        object.extend_from_slice(&[0x68, b'a', b'u', b't', b'h', b'D', b'a', b't', b'a', 0x58]);
        object.push(u8::try_from(auth_data.len()).expect("short"));
        object.extend_from_slice(&auth_data);
        json!({
            "id": b64(&self.id),
            "rawId": b64(&self.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&client_data),
                "attestationObject": b64(&object),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        })
        .to_string()
    }

    /// An assertion JSON and its raw signed message and signature.
    fn authenticate(&self, challenge: &[u8], counter: u32) -> (String, Vec<u8>, Vec<u8>) {
        let client_data = Self::client_data("webauthn.get", challenge);
        let mut auth_data = sha256(RP_ID.as_bytes());
        auth_data.push(0x05); // UP, UV
        auth_data.extend_from_slice(&counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&sha256(&client_data));
        let signature = self
            .key
            .sign(&self.rng, &signed)
            .expect("sign")
            .as_ref()
            .to_vec();
        let json = json!({
            "id": b64(&self.id),
            "rawId": b64(&self.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&client_data),
                "authenticatorData": b64(&auth_data),
                "signature": b64(&signature),
            },
            "clientExtensionResults": {},
        })
        .to_string();
        (json, signed, signature)
    }
}

/// One algorithm's assertion and its verifiers.
struct Case {
    name: &'static str,
    rp: RelyingParty,
    credential: Credential,
    challenge: Vec<u8>,
    json: String,
    /// webauthn-rs: the instance, its ceremony state, and an assertion for its challenge.
    peer: Option<(Webauthn, PasskeyAuthentication, String)>,
    /// The raw check: public key, signed message, signature.
    raw: (Vec<u8>, Vec<u8>, Vec<u8>),
    /// The pure-Rust verification of the same signature.
    pure: Box<dyn Fn() -> bool>,
}

impl Case {
    fn ours(&self) -> bool {
        let Ok(response) = parse_authentication(black_box(&self.json)) else {
            return false;
        };
        let allowed = [self.credential.id.clone()];
        self.rp
            .verify_authentication(&self.challenge, &response, &self.credential, &allowed)
            .is_ok()
    }

    fn webauthn_rs(&self) -> bool {
        let Some((webauthn, state, json)) = &self.peer else {
            return false;
        };
        let Ok(credential) = serde_json::from_str::<PublicKeyCredential>(black_box(json)) else {
            return false;
        };
        webauthn
            .finish_passkey_authentication(&credential, state)
            .is_ok()
    }

    fn ring(&self) -> bool {
        let (key, message, signature) = &self.raw;
        let alg: &dyn ring::signature::VerificationAlgorithm = if key.len() == 65 {
            &ECDSA_P256_SHA256_ASN1
        } else {
            &ED25519
        };
        UnparsedPublicKey::new(alg, key)
            .verify(black_box(message), signature)
            .is_ok()
    }
}

fn relying_party() -> RelyingParty {
    RelyingParty::builder(RP_ID)
        .origin(ORIGIN)
        .build()
        .expect("valid settings")
}

fn es256_case() -> Case {
    let rp = relying_party();
    let authenticator = Es256Authenticator::new();
    let registration = parse_registration(&authenticator.register(&[1; 32])).expect("parses");
    let credential = rp
        .verify_registration(&[1; 32], &registration, UnixTime(1_700_000_000))
        .expect("registers")
        .credential;
    let challenge = vec![2; 32];
    let (json, signed, signature) = authenticator.authenticate(&challenge, 1);

    // The same authenticator through webauthn-rs's passkey ceremonies.
    let origin = Url::parse(ORIGIN).expect("url");
    let webauthn = WebauthnBuilder::new(RP_ID, &origin)
        .expect("builder")
        .build()
        .expect("webauthn-rs");
    let (creation, registration_state) = webauthn
        .start_passkey_registration(Uuid::from_bytes([7; 16]), "alice", "Alice", None)
        .expect("start registration");
    let registration: RegisterPublicKeyCredential =
        serde_json::from_str(&authenticator.register(creation.public_key.challenge.as_ref()))
            .expect("registration json");
    let passkey = webauthn
        .finish_passkey_registration(&registration, &registration_state)
        .expect("webauthn-rs registers");
    let (request, state) = webauthn
        .start_passkey_authentication(&[passkey])
        .expect("start authentication");
    let (peer_json, _, _) = authenticator.authenticate(request.public_key.challenge.as_ref(), 1);

    let verifying_key =
        p256::ecdsa::VerifyingKey::from_sec1_bytes(authenticator.point()).expect("p256 key");
    let p256_signature = p256::ecdsa::Signature::from_der(&signature).expect("der signature");
    let p256_message = signed.clone();
    Case {
        name: "ES256",
        rp,
        credential,
        challenge,
        json,
        peer: Some((webauthn, state, peer_json)),
        raw: (authenticator.point().to_vec(), signed, signature),
        pure: Box::new(move || {
            use p256::ecdsa::signature::Verifier as _;
            verifying_key
                .verify(black_box(&p256_message), &p256_signature)
                .is_ok()
        }),
    }
}

fn eddsa_case() -> Case {
    let rp = relying_party();
    let authenticator = fuzzing::Authenticator::new();
    let registration =
        parse_registration(&authenticator.register(&[1; 32], ORIGIN, RP_ID)).expect("parses");
    let credential = rp
        .verify_registration(&[1; 32], &registration, UnixTime(1_700_000_000))
        .expect("registers")
        .credential;
    let challenge = vec![2; 32];
    let json = authenticator.authenticate(&challenge, ORIGIN, RP_ID, 1);
    let response = parse_authentication(&json).expect("parses");
    let mut signed = response.authenticator_data().to_vec();
    signed.extend_from_slice(&sha256(response.client_data_json()));
    let signature = response.signature().to_vec();
    // The key is the last 32 bytes of its COSE form.
    let key = credential.public_key_cose[credential.public_key_cose.len() - 32..].to_vec();
    let dalek = ed25519_dalek::VerifyingKey::from_bytes(&key.clone().try_into().expect("32"))
        .expect("ed25519 key");
    let dalek_signature = ed25519_dalek::Signature::from_slice(&signature).expect("64 bytes");
    let dalek_message = signed.clone();
    Case {
        name: "EdDSA",
        rp,
        credential,
        challenge,
        json,
        peer: None,
        raw: (key, signed, signature),
        pure: Box::new(move || {
            dalek
                .verify_strict(black_box(&dalek_message), &dalek_signature)
                .is_ok()
        }),
    }
}

fn cases() -> Vec<Case> {
    vec![es256_case(), eddsa_case()]
}

fn verify(c: &mut Criterion) {
    for case in cases() {
        assert!(
            case.ours() && case.ring() && (case.pure)(),
            "{}: every verifier accepts",
            case.name
        );
        let mut group = c.benchmark_group(format!("assertion/{}", case.name));
        group.bench_function("watchword-webauthn", |b| b.iter(|| case.ours()));
        if case.peer.is_some() {
            assert!(case.webauthn_rs(), "{}: webauthn-rs accepts", case.name);
            group.bench_function("webauthn-rs", |b| b.iter(|| case.webauthn_rs()));
        }
        group.bench_function("ring", |b| b.iter(|| case.ring()));
        group.bench_function("pure-rust", |b| b.iter(|| (case.pure)()));
        group.finish();
    }
}

criterion_group!(benches, verify);

fn print_ratios() {
    let cases = cases();
    let rows: Vec<Row<'_>> = cases
        .iter()
        .filter(|case| case.peer.is_some())
        .map(|case| {
            Row::measure(
                case.name,
                || case.ours(),
                || case.webauthn_rs(),
                || case.ring(),
            )
        })
        .collect();
    watchword_benches::print_ratios("passkey assertion", "webauthn-rs", "ring", &rows);
    for case in cases.iter().filter(|case| case.peer.is_none()) {
        let (ours, ring) = (time_per_call(|| case.ours()), time_per_call(|| case.ring()));
        eprintln!(
            "{:<8} {:>12.2?} {:>12} {:>12.2?} {:>14} {:>10.2}",
            case.name,
            ours,
            "—",
            ring,
            "—",
            ratio(ours, ring)
        );
    }

    eprintln!("\nsignature backend, median per verification:");
    eprintln!(
        "{:<8} {:>12} {:>12} {:>10}",
        "curve", "ring", "pure Rust", "pure/ring"
    );
    for case in &cases {
        let ring = time_per_call(|| case.ring());
        let pure = time_per_call(|| (case.pure)());
        eprintln!(
            "{:<8} {:>12.2?} {:>12.2?} {:>10.2}",
            if case.name == "ES256" {
                "P-256"
            } else {
                "Ed25519"
            },
            ring,
            pure,
            ratio(pure, ring)
        );
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::args().any(|arg| arg == "--bench") {
        print_ratios();
    }
}
