//! Fixed keys and the harnesses shared by the `challenge_parse`, `attestation_parse` and
//! `session_verify` fuzz targets and the seed-corpus replay test. Not part of the stable API.

use std::sync::OnceLock;

use sha2::{Digest as _, Sha256};
use watchword_token::{Ed25519SigningKey, UnixTime};

use crate::attestation::{attestation_id, Attestation, Identity};
use crate::text::hex;
use crate::{
    CachePolicy, Challenge, DidOc, Error, Fetched, JwksCache, SessionIssuer, SessionRules,
    SessionVerifier, SigError, SignInCheck, SignInRejection, SignatureVerifier, SigningMethod,
};

/// The verification time of the harnesses: 2023-11-14T22:13:20Z.
pub const NOW: UnixTime = UnixTime(1_700_000_000);
/// The session issuer of the harness.
pub const ISSUER: &str = "https://auth.fuzz.example";
/// The leeway of the session harness.
pub const LEEWAY: u64 = 30;
/// `kid` of the older session key.
pub const OLD_KID: &str = "fuzz-old";
/// `kid` of the newer session key (the one the issuer signs with).
pub const NEW_KID: &str = "fuzz-new";
/// Seed of the older session key.
pub const OLD_SEED: &[u8; 32] = b"watchword fuzz session old key!!";
/// Seed of the newer session key.
pub const NEW_SEED: &[u8; 32] = b"watchword fuzz session new key!!";

/// A stand-in for a wallet signature scheme: the signature of `message` for `address` is the
/// lower-case hex SHA-256 of `address`, a zero byte and `message`. Addresses starting with
/// `3` (P2SH) are unsupported.
#[derive(Debug, Clone, Copy, Default)]
pub struct FakeVerifier;

impl FakeVerifier {
    /// Returns the signature [`FakeVerifier`] accepts.
    pub fn sign(address: &str, message: &[u8]) -> String {
        let digest = Sha256::new()
            .chain_update(address.as_bytes())
            .chain_update([0])
            .chain_update(message)
            .finalize();
        hex(&digest)
    }
}

impl SignatureVerifier for FakeVerifier {
    fn verify(
        &self,
        address: &str,
        message: &[u8],
        signature: &str,
    ) -> Result<SigningMethod, SigError> {
        if address.starts_with('3') {
            return Err(SigError::Unsupported("p2sh addresses".into()));
        }
        if signature == FakeVerifier::sign(address, message) {
            Ok(SigningMethod::Bip322Simple)
        } else {
            Err(SigError::Invalid("fake signature does not match".into()))
        }
    }
}

/// Reads `data` as a challenge text and, when it parses, verifies a sign-in over it at [`NOW`]
/// with the fake signature. Returns whether the text parsed.
///
/// # Panics
///
/// When an invariant breaks: a parsed text that does not write back byte for byte or reads
/// back differently, a sign-in accepted over a text that does not parse, outside its validity
/// window, for another nonce, audience or purpose, or without the right signature.
pub fn challenge_parse(data: &[u8]) -> bool {
    let Ok(text) = core::str::from_utf8(data) else {
        return false;
    };
    let parsed = Challenge::parse(text);
    let Ok(challenge) = &parsed else {
        let verdict = SignInCheck::new(crate::Nonce::from_bytes([0; 16])).verify(
            text,
            "x",
            NOW,
            &FakeVerifier,
        );
        assert!(
            matches!(verdict, Err(SignInRejection::Malformed(_))),
            "a text that does not parse must be malformed"
        );
        return false;
    };
    assert_eq!(
        challenge.to_text(),
        text,
        "a parsed text writes back as read"
    );
    assert_eq!(
        Challenge::parse(&challenge.to_text()).as_ref(),
        Ok(challenge),
        "a written text reads back the same"
    );
    let mut check = SignInCheck::new(challenge.nonce());
    if let Some(audience) = challenge.audience() {
        check = check.audience(audience);
    }
    if let Some(purpose) = challenge.purpose() {
        check = check.purpose(purpose);
    }
    let good = FakeVerifier::sign(challenge.address(), data);
    for (now, signature) in [
        (challenge.issued_at(), good.as_str()),
        (NOW, good.as_str()),
        (challenge.expires_at(), good.as_str()),
        (challenge.issued_at(), "0"),
    ] {
        let verdict = check.verify(text, signature, now, &FakeVerifier);
        let in_window = challenge.issued_at() <= now && now < challenge.expires_at();
        let right = signature == good && !challenge.address().starts_with('3');
        assert_eq!(verdict.is_ok(), in_window && right, "verdict {verdict:?}");
        if let Ok(signed_in) = verdict {
            assert_eq!(signed_in.address, challenge.address());
            assert_eq!(&signed_in.challenge, challenge);
        }
    }
    let other = SignInCheck::new(crate::Nonce::from_bytes([0xff; 16]));
    if challenge.nonce() != crate::Nonce::from_bytes([0xff; 16]) {
        let verdict = other.verify(text, &good, challenge.issued_at(), &FakeVerifier);
        assert!(verdict.is_err(), "another nonce is refused");
    }
    true
}

/// Reads `data` as an attestation message. Returns whether it parsed.
///
/// # Panics
///
/// When a parsed message does not write back byte for byte, reads back differently, has
/// another id than the SHA-256 of its bytes, or holds an identity its constructor refuses.
pub fn attestation_parse(data: &[u8]) -> bool {
    let Ok(text) = core::str::from_utf8(data) else {
        return false;
    };
    let Ok(attestation) = Attestation::parse(text) else {
        return false;
    };
    assert_eq!(
        attestation.message(),
        text,
        "a parsed message writes back as read"
    );
    assert_eq!(
        Attestation::parse(&attestation.message()).as_ref(),
        Ok(&attestation),
        "a written message reads back the same"
    );
    assert_eq!(attestation.id(), attestation_id(text));
    for identity in attestation.identities() {
        assert_eq!(
            Identity::new(identity.protocol(), identity.identifier()).as_ref(),
            Ok(identity)
        );
    }
    true
}

/// The fixed session keys: an issuer that signs with [`NEW_KID`] and still publishes
/// [`OLD_KID`], and a consumer verifier of its JWK Set.
#[derive(Debug)]
pub struct SessionKeys {
    /// The issuer (both keys private; the newer signs).
    pub issuer: SessionIssuer,
    /// The issuer holding only the older key, for tokens signed by it.
    pub old_issuer: SessionIssuer,
    /// The consumer's verifier: [`ISSUER`], [`LEEWAY`], no audience.
    pub verifier: SessionVerifier,
    /// The JWK Set the issuer publishes.
    pub jwks_json: String,
}

/// Returns the fixed session keys (built once).
///
/// # Panics
///
/// Never: the `kid`s are distinct.
pub fn session_keys() -> &'static SessionKeys {
    static KEYS: OnceLock<SessionKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let old = Ed25519SigningKey::from_seed(OLD_SEED);
        let new = Ed25519SigningKey::from_seed(NEW_SEED);
        let mut issuer = SessionIssuer::new(ISSUER, 3600);
        issuer.add_key(OLD_KID, old.clone()).expect("distinct kid");
        issuer.add_key(NEW_KID, new).expect("distinct kid");
        let mut old_issuer = SessionIssuer::new(ISSUER, 3600);
        old_issuer.add_key(OLD_KID, old).expect("one kid");
        let jwks_json = issuer.public_jwks().to_json();
        let verifier =
            SessionVerifier::from_jwks_json(&jwks_json, session_rules()).expect("usable set");
        SessionKeys {
            issuer,
            old_issuer,
            verifier,
            jwks_json,
        }
    })
}

/// The rules of the session harness.
pub fn session_rules() -> SessionRules {
    SessionRules::new(LEEWAY).issuer(ISSUER)
}

/// Verifies `data` as a session token at [`NOW`], directly and through a loaded
/// [`JwksCache`]. Returns whether it was accepted.
///
/// # Panics
///
/// When a verdict changes between two runs, the cache and the verifier disagree, or an
/// accepted session breaks the rules (expired, issued in the future, another issuer).
pub fn session_verify(data: &[u8]) -> bool {
    let Ok(token) = core::str::from_utf8(data) else {
        return false;
    };
    let keys = session_keys();
    let verdict = keys.verifier.verify(token, NOW);
    assert_eq!(
        verdict,
        keys.verifier.verify(token, NOW),
        "verdict is not deterministic"
    );
    let mut cache = JwksCache::new(
        "http://auth.fuzz.example/jwks",
        CachePolicy::default(),
        session_rules(),
    );
    let loaded = cache.on_fetched(
        NOW,
        Ok(Fetched {
            body: keys.jwks_json.clone(),
            max_age: None,
        }),
    );
    assert_eq!(loaded, Ok(()));
    match (cache.verify(token, NOW), &verdict) {
        (
            Err(Error::NeedsRefetch { kid }),
            Err(Error::Token(watchword_token::Error::UnknownKid { kid: direct })),
        ) => assert_eq!(&kid, direct),
        (cached, direct) => assert_eq!(&cached, direct, "cache and verifier disagree"),
    }
    let Ok(session) = verdict else {
        return false;
    };
    assert!(NOW.0 < session.exp.0 + LEEWAY, "accepted after expiry");
    assert!(session.iat.0 <= NOW.0 + LEEWAY, "accepted from the future");
    assert_eq!(session.iss.as_deref(), Some(ISSUER));
    assert_eq!(
        DidOc::parse(&session.did_oc.to_string()),
        Ok(session.did_oc)
    );
    true
}
