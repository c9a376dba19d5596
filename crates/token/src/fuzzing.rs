//! Fixed keys and the harness shared by the `jws_verify` fuzz target and the seed-corpus
//! replay test. Not part of the stable API.

use std::sync::OnceLock;

use crate::{
    Claims, Ed25519SigningKey, HmacKey, KeyRing, SigningKey, UnixTime, Validation, VerifyingKey,
};

/// The verification time of the harness.
pub const NOW: UnixTime = UnixTime(1_700_000_000);
/// The issuer the harness expects.
pub const ISSUER: &str = "https://issuer.fuzz.example";
/// The audience the harness expects.
pub const AUDIENCE: &str = "https://audience.fuzz.example";
/// `kid` of the older ring key.
pub const OLD_KID: &str = "fuzz-old";
/// `kid` of the newer ring key (the one the ring signs with).
pub const NEW_KID: &str = "fuzz-new";

/// The fixed keys.
#[derive(Debug)]
pub struct Keys {
    /// `HS256` secret.
    pub hs256: SigningKey,
    /// `HS512` secret.
    pub hs512: SigningKey,
    /// Ed25519 key verified on its own (the ring's newer key).
    pub ed25519: SigningKey,
    /// Ring with [`OLD_KID`] then [`NEW_KID`], both Ed25519.
    pub ring: KeyRing,
}

/// Returns the fixed keys (built once).
///
/// # Panics
///
/// Never: the fixed secrets are long enough and the `kid`s distinct.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let hs256 = HmacKey::hs256(b"watchword fuzz hs256 fixed key!!").expect("32-byte secret");
        let hs512 =
            HmacKey::hs512(b"watchword fuzz hs512 fixed key!!watchword fuzz hs512 fixed key!!")
                .expect("64-byte secret");
        let old = Ed25519SigningKey::from_seed(b"watchword fuzz ed25519 old key!!");
        let new = Ed25519SigningKey::from_seed(b"watchword fuzz ed25519 new key!!");
        let mut ring = KeyRing::new();
        ring.add_signing_key(OLD_KID, old).expect("distinct kid");
        ring.add_signing_key(NEW_KID, new.clone())
            .expect("distinct kid");
        Keys {
            hs256: hs256.into(),
            hs512: hs512.into(),
            ed25519: new.into(),
            ring,
        }
    })
}

/// The validation the harness applies: [`ISSUER`], [`AUDIENCE`], no leeway.
pub fn validation() -> Validation {
    Validation::new().issuer(ISSUER).audience(AUDIENCE)
}

/// Runs every verifier on `data` and returns whether any accepted it as a JWT at [`NOW`].
///
/// # Panics
///
/// When an invariant breaks: a verdict that changes between two runs, claims accepted whose
/// signature was not, a signature error that the claims path reports differently, or a token
/// accepted by a single key that the same key does not re-sign byte for byte (canonical
/// base64url leaves exactly one encoding).
pub fn verify_all(data: &[u8]) -> bool {
    let Ok(token) = core::str::from_utf8(data) else {
        return false;
    };
    let keys = keys();
    let validation = validation();
    let mut accepted = false;
    for signer in [&keys.hs256, &keys.hs512, &keys.ed25519] {
        let key: VerifyingKey = signer.verifying_key();
        let signature = key.verify_signature(token);
        assert_eq!(
            signature,
            key.verify_signature(token),
            "signature verdict is not deterministic"
        );
        let claims = key.verify::<serde_json::Map<_, _>>(token, &validation, NOW);
        assert_eq!(
            claims,
            key.verify(token, &validation, NOW),
            "claims verdict is not deterministic"
        );
        check_consistent(&signature, &claims);
        if let Ok(jws) = &signature {
            let again = signer.sign_raw(jws.header_json(), jws.payload());
            assert_eq!(
                again.as_deref(),
                Ok(token),
                "a verified token does not re-sign to itself"
            );
        }
        accepted |= claims.is_ok();
    }
    let signature = keys.ring.verify_signature(token);
    assert_eq!(
        signature,
        keys.ring.verify_signature(token),
        "ring signature verdict is not deterministic"
    );
    let claims = keys
        .ring
        .verify::<serde_json::Map<_, _>>(token, &validation, NOW);
    assert_eq!(
        claims,
        keys.ring.verify(token, &validation, NOW),
        "ring claims verdict is not deterministic"
    );
    check_consistent(&signature, &claims);
    accepted || claims.is_ok()
}

fn check_consistent<A, B>(
    signature: &Result<A, crate::Error>,
    claims: &Result<Claims<B>, crate::Error>,
) {
    match (signature, claims) {
        (Err(_), Ok(_)) => panic!("claims accepted although the signature was not"),
        (Err(sig), Err(claim)) => assert_eq!(
            sig, claim,
            "the claims path reports a signature error differently"
        ),
        _ => {}
    }
}

/// Reads `data` as a token's JSON with both readers: the fast path for the common shape and
/// the strict `serde_json` reader it falls back to; and as claims, with the fast claims reader
/// and the general one. Returns whether the object was accepted.
///
/// # Panics
///
/// When two readers disagree: other members or claims, or another error.
pub fn json_members(data: &[u8]) -> bool {
    let part = crate::error::Part::Payload;
    let fast = crate::members::parse_members(data, part);
    let strict = crate::encoding::parse_members_strict(data, part);
    assert_eq!(
        fast, strict,
        "the fast JSON reader disagrees with the strict one"
    );
    if let Some(claims) = Claims::<serde_json::Map<_, _>>::from_flat_json(data) {
        assert_eq!(
            Ok(claims),
            Claims::from_members(data),
            "the fast claims reader disagrees with the general one"
        );
    }
    fast.is_ok()
}
