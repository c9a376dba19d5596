//! Sign-in verification: one test per reason, each breaking exactly that rule, with a fake
//! signature scheme behind `SignatureVerifier`.

use std::cell::Cell;

use watchword_session::signin::MAX_SIGNATURE_LEN;
use watchword_session::{
    Challenge, Nonce, SigError, SignInCheck, SignInRejection, SignatureVerifier, SignedIn,
    SigningMethod, UnixTime,
};

use crate::support::{challenge, nonce, ADDRESS, T0};

/// Accepts `sig(<address>|<message>)`; addresses starting with `3` are unsupported. Counts
/// its calls, so a test can see that a refused sign-in never reached the signature check.
#[derive(Default)]
struct Fake {
    calls: Cell<usize>,
}

fn fake_signature(address: &str, message: &str) -> String {
    format!("sig({address}|{message})")
}

impl SignatureVerifier for Fake {
    fn verify(
        &self,
        address: &str,
        message: &[u8],
        signature: &str,
    ) -> Result<SigningMethod, SigError> {
        self.calls.set(self.calls.get() + 1);
        if address.starts_with('3') {
            return Err(SigError::Unsupported("p2sh".into()));
        }
        let message =
            std::str::from_utf8(message).map_err(|_| SigError::Invalid("utf-8".into()))?;
        if signature == fake_signature(address, message) {
            Ok(SigningMethod::Bip322Full)
        } else {
            Err(SigError::Invalid("mismatch".into()))
        }
    }
}

fn expected() -> SignInCheck {
    SignInCheck::new(nonce())
        .audience("https://example.com")
        .purpose("login")
}

fn stored() -> String {
    challenge().to_text()
}

fn good_signature() -> String {
    fake_signature(ADDRESS, &stored())
}

/// Verifies with `check` at `now`; returns the verdict and how often the fake was called.
fn run(
    check: &SignInCheck,
    stored: &str,
    signature: &str,
    now: UnixTime,
) -> (Result<SignedIn, SignInRejection>, usize) {
    let fake = Fake::default();
    let verdict = check.verify(stored, signature, now, &fake);
    (verdict, fake.calls.get())
}

fn code(check: &SignInCheck, stored: &str, signature: &str, now: UnixTime) -> &'static str {
    let (verdict, _) = run(check, stored, signature, now);
    match verdict {
        Ok(_) => "ok",
        Err(rejection) => rejection.code(),
    }
}

#[test]
fn a_valid_sign_in_returns_the_stored_address() {
    let (verdict, calls) = run(&expected(), &stored(), &good_signature(), T0.plus(10));
    let signed_in = verdict.expect("valid sign-in");
    assert_eq!(signed_in.address, ADDRESS);
    assert_eq!(signed_in.signing_method, SigningMethod::Bip322Full);
    assert_eq!(signed_in.challenge, challenge());
    assert_eq!(calls, 1);
    // Both ends of the window.
    assert_eq!(code(&expected(), &stored(), &good_signature(), T0), "ok");
    assert_eq!(
        code(&expected(), &stored(), &good_signature(), T0.plus(299)),
        "ok"
    );
}

#[test]
fn malformed() {
    let (verdict, calls) = run(
        &expected(),
        &stored().replace("orangecheck-auth", "orangecheck"),
        &good_signature(),
        T0,
    );
    assert!(matches!(verdict, Err(SignInRejection::Malformed(_))));
    assert_eq!(verdict.map(drop).map_err(|r| r.code()), Err("malformed"));
    assert_eq!(calls, 0);
}

#[test]
fn expired() {
    let (verdict, calls) = run(&expected(), &stored(), &good_signature(), T0.plus(300));
    assert_eq!(
        verdict,
        Err(SignInRejection::Expired {
            expires_at: T0.plus(300),
            now: T0.plus(300)
        })
    );
    assert_eq!(calls, 0);
    assert_eq!(
        code(
            &expected(),
            &stored(),
            &good_signature(),
            UnixTime(u64::MAX)
        ),
        "expired"
    );
    let lenient = expected().leeway(5);
    assert_eq!(
        code(&lenient, &stored(), &good_signature(), T0.plus(304)),
        "ok"
    );
    assert_eq!(
        code(&lenient, &stored(), &good_signature(), T0.plus(305)),
        "expired"
    );
}

#[test]
fn not_yet_valid() {
    let (verdict, calls) = run(
        &expected(),
        &stored(),
        &good_signature(),
        UnixTime(T0.0 - 1),
    );
    assert_eq!(
        verdict,
        Err(SignInRejection::NotYetValid {
            issued_at: T0,
            now: UnixTime(T0.0 - 1)
        })
    );
    assert_eq!(calls, 0);
    let lenient = expected().leeway(5);
    assert_eq!(
        code(&lenient, &stored(), &good_signature(), UnixTime(T0.0 - 5)),
        "ok"
    );
    assert_eq!(
        code(&lenient, &stored(), &good_signature(), UnixTime(T0.0 - 6)),
        "not_yet_valid"
    );
}

#[test]
fn nonce_mismatch() {
    let other = SignInCheck::new(Nonce::from_bytes([0xab; 16]))
        .audience("https://example.com")
        .purpose("login");
    let (verdict, calls) = run(&other, &stored(), &good_signature(), T0);
    assert_eq!(verdict, Err(SignInRejection::NonceMismatch));
    assert_eq!(calls, 0);
}

#[test]
fn audience_mismatch() {
    let other = SignInCheck::new(nonce())
        .audience("https://evil.example")
        .purpose("login");
    let (verdict, calls) = run(&other, &stored(), &good_signature(), T0);
    assert_eq!(
        verdict,
        Err(SignInRejection::AudienceMismatch {
            expected: Some("https://evil.example".into()),
            found: Some("https://example.com".into()),
        })
    );
    assert_eq!(calls, 0);
    // A challenge bound to an audience is not accepted where none is expected, and the
    // reverse.
    let none = SignInCheck::new(nonce()).purpose("login");
    assert_eq!(
        code(&none, &stored(), &good_signature(), T0),
        "audience_mismatch"
    );
    let unbound = Challenge::new(ADDRESS, nonce(), T0, 300)
        .and_then(|c| c.with_purpose("login"))
        .expect("valid")
        .to_text();
    let signature = fake_signature(ADDRESS, &unbound);
    assert_eq!(
        code(&expected(), &unbound, &signature, T0),
        "audience_mismatch"
    );
    assert_eq!(code(&none, &unbound, &signature, T0), "ok");
}

#[test]
fn purpose_mismatch() {
    let other = SignInCheck::new(nonce())
        .audience("https://example.com")
        .purpose("admin");
    let (verdict, calls) = run(&other, &stored(), &good_signature(), T0);
    assert_eq!(
        verdict,
        Err(SignInRejection::PurposeMismatch {
            expected: Some("admin".into()),
            found: Some("login".into()),
        })
    );
    assert_eq!(calls, 0);
    let none = SignInCheck::new(nonce()).audience("https://example.com");
    assert_eq!(
        code(&none, &stored(), &good_signature(), T0),
        "purpose_mismatch"
    );
}

#[test]
fn sig_invalid() {
    let (verdict, calls) = run(&expected(), &stored(), "sig(forged)", T0);
    assert_eq!(
        verdict,
        Err(SignInRejection::SigInvalid(SigError::Invalid(
            "mismatch".into()
        )))
    );
    assert_eq!(calls, 1);
    // A signature over the message the browser sent back instead of the stored one.
    let edited = stored().replace("purpose: login", "purpose: admin");
    assert_eq!(
        code(
            &expected(),
            &stored(),
            &fake_signature(ADDRESS, &edited),
            T0
        ),
        "sig_invalid"
    );
    // A signature by another address over the stored text.
    assert_eq!(
        code(
            &expected(),
            &stored(),
            &fake_signature("bc1qother", &stored()),
            T0
        ),
        "sig_invalid"
    );
    // Empty and oversized signatures never reach the verifier.
    for signature in [String::new(), "A".repeat(MAX_SIGNATURE_LEN + 1)] {
        let (verdict, calls) = run(&expected(), &stored(), &signature, T0);
        assert_eq!(verdict.map(drop).map_err(|r| r.code()), Err("sig_invalid"));
        assert_eq!(calls, 0);
    }
}

#[test]
fn sig_unsupported() {
    let p2sh = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy";
    let stored = Challenge::new(p2sh, nonce(), T0, 300)
        .and_then(|c| c.with_audience("https://example.com"))
        .and_then(|c| c.with_purpose("login"))
        .expect("valid")
        .to_text();
    let (verdict, calls) = run(&expected(), &stored, &fake_signature(p2sh, &stored), T0);
    assert_eq!(
        verdict,
        Err(SignInRejection::SigUnsupported(SigError::Unsupported(
            "p2sh".into()
        )))
    );
    assert_eq!(calls, 1);
}

#[test]
fn codes_are_stable() {
    let rejections = [
        (
            SignInRejection::Malformed(watchword_session::Error::NoKeySet),
            "malformed",
        ),
        (
            SignInRejection::Expired {
                expires_at: T0,
                now: T0,
            },
            "expired",
        ),
        (
            SignInRejection::NotYetValid {
                issued_at: T0,
                now: T0,
            },
            "not_yet_valid",
        ),
        (SignInRejection::NonceMismatch, "nonce_mismatch"),
        (
            SignInRejection::AudienceMismatch {
                expected: None,
                found: None,
            },
            "audience_mismatch",
        ),
        (
            SignInRejection::PurposeMismatch {
                expected: None,
                found: None,
            },
            "purpose_mismatch",
        ),
        (
            SignInRejection::SigInvalid(SigError::Invalid(String::new())),
            "sig_invalid",
        ),
        (
            SignInRejection::SigUnsupported(SigError::Unsupported(String::new())),
            "sig_unsupported",
        ),
    ];
    for (rejection, code) in rejections {
        assert_eq!(rejection.code(), code);
        assert!(!rejection.to_string().is_empty());
    }
    assert_eq!(SigningMethod::Bip322Simple.as_str(), "bip322_simple");
    assert_eq!(
        serde_json::to_value(SigningMethod::Legacy).expect("serializes"),
        "legacy"
    );
}
