//! The consumer's JWKS cache as a state machine driven by `now`: fresh, stale, max-age,
//! unknown-kid refetch (once per cooldown), failures that keep the stale set, fetches in
//! flight.

use watchword_session::jwks_cache::max_age;
use watchword_session::{
    CachePolicy, CacheState, DidOc, Ed25519SigningKey, Error, FetchReason, Fetched, JwksCache,
    SessionGrant, SessionIssuer, SessionRules, UnixTime,
};

use crate::support::T0;

const URL: &str = "http://auth.example.com/api/auth/jwks";
const ISSUER: &str = "https://auth.example.com";

/// An issuer with `k1`, and the same issuer after rotating to `k2`.
fn issuers() -> (SessionIssuer, SessionIssuer) {
    let mut old = SessionIssuer::new(ISSUER, 86_400);
    old.add_key("k1", Ed25519SigningKey::from_seed(&[1; 32]))
        .expect("fresh kid");
    let mut new = old.clone();
    new.add_key("k2", Ed25519SigningKey::from_seed(&[2; 32]))
        .expect("fresh kid");
    (old, new)
}

fn token(issuer: &SessionIssuer) -> String {
    let grant = SessionGrant::new("acct-1", DidOc::from_bytes([3; 16]));
    issuer.issue(&grant, [4; 16], T0).expect("issues").token
}

fn body(issuer: &SessionIssuer, max_age: Option<u64>) -> Fetched {
    Fetched {
        body: issuer.public_jwks().to_json(),
        max_age,
    }
}

fn failure() -> Error {
    Error::Fetch {
        reason: "connection refused".into(),
    }
}

fn cache() -> JwksCache {
    JwksCache::new(
        URL,
        CachePolicy::default(),
        SessionRules::new(30).issuer(ISSUER),
    )
}

fn at(seconds: u64) -> UnixTime {
    T0.plus(seconds)
}

fn reason(cache: &mut JwksCache, now: UnixTime) -> Option<FetchReason> {
    cache.plan(now).map(|request| {
        assert_eq!(request.url, URL);
        request.reason
    })
}

/// A cache loaded with the old issuer's set at `T0` (max-age 300).
fn loaded() -> JwksCache {
    let mut cache = cache();
    assert_eq!(reason(&mut cache, T0), Some(FetchReason::Initial));
    cache
        .on_fetched(T0, Ok(body(&issuers().0, None)))
        .expect("usable set");
    cache
}

#[test]
fn empty_cache_asks_for_the_set_once() {
    let mut cache = cache();
    assert_eq!(cache.state(T0), CacheState::Empty);
    assert_eq!(cache.verify(&token(&issuers().0), T0), Err(Error::NoKeySet));
    assert!(cache.fetch_due(T0));
    assert_eq!(reason(&mut cache, T0), Some(FetchReason::Initial));
    assert!(!cache.fetch_due(T0), "in flight");
    assert_eq!(reason(&mut cache, at(1)), None, "in flight");
    cache
        .on_fetched(at(1), Ok(body(&issuers().0, None)))
        .expect("usable set");
    assert_eq!(cache.state(at(1)), CacheState::Fresh);
    assert!(cache.verify(&token(&issuers().0), at(1)).is_ok());
    assert_eq!(reason(&mut cache, at(2)), None, "fresh");
}

#[test]
fn max_age_is_honoured_and_clamped() {
    let policy = CachePolicy::default();
    for (header, fresh_for) in [
        (None, policy.default_max_age),
        (Some(120), 120),
        (Some(5), policy.min_max_age),
        (Some(0), policy.min_max_age),
        (Some(10_000_000), policy.max_max_age),
    ] {
        let mut cache = cache();
        cache.plan(T0);
        cache
            .on_fetched(T0, Ok(body(&issuers().0, header)))
            .expect("usable set");
        let last_fresh = at(fresh_for - 1);
        assert_eq!(cache.state(last_fresh), CacheState::Fresh, "{header:?}");
        assert_eq!(reason(&mut cache, last_fresh), None, "{header:?}");
        assert_eq!(cache.state(at(fresh_for)), CacheState::Stale, "{header:?}");
        assert_eq!(
            reason(&mut cache, at(fresh_for)),
            Some(FetchReason::Expired),
            "{header:?}"
        );
    }
}

#[test]
fn a_stale_set_keeps_verifying_while_refetching() {
    let mut cache = loaded();
    let token = token(&issuers().0);
    assert_eq!(reason(&mut cache, at(300)), Some(FetchReason::Expired));
    assert_eq!(cache.state(at(301)), CacheState::Stale);
    assert!(cache.verify(&token, at(301)).is_ok());
    cache
        .on_fetched(at(302), Ok(body(&issuers().0, Some(600))))
        .expect("usable set");
    assert_eq!(cache.state(at(302)), CacheState::Fresh);
    assert_eq!(cache.state(at(902)), CacheState::Stale);
}

#[test]
fn a_failed_fetch_keeps_the_stale_set_and_backs_off() {
    let mut cache = loaded();
    let token = token(&issuers().0);
    assert_eq!(reason(&mut cache, at(300)), Some(FetchReason::Expired));
    assert_eq!(
        cache.on_fetched(at(301), Err(failure())),
        Err(Error::Fetch {
            reason: "connection refused".into()
        })
    );
    assert!(cache.verify(&token, at(301)).is_ok(), "stale set kept");
    assert_eq!(cache.state(at(301)), CacheState::Stale);
    assert!(matches!(cache.last_failure(), Some((t, Error::Fetch { .. })) if t == at(301)));
    let retry = CachePolicy::default().retry_after_failure;
    assert_eq!(reason(&mut cache, at(300 + retry)), None, "backing off");
    assert_eq!(
        reason(&mut cache, at(301 + retry)),
        Some(FetchReason::Expired)
    );
    cache
        .on_fetched(at(302 + retry), Ok(body(&issuers().0, None)))
        .expect("usable set");
    assert_eq!(cache.last_failure(), None);
}

#[test]
fn an_unusable_body_counts_as_a_failure() {
    let mut cache = loaded();
    cache.plan(at(300));
    let garbage = Ok(Fetched {
        body: "<html>maintenance</html>".into(),
        max_age: None,
    });
    assert!(matches!(
        cache.on_fetched(at(300), garbage),
        Err(Error::Token(_))
    ));
    let no_ed25519 = Ok(Fetched {
        body: r#"{"keys":[]}"#.into(),
        max_age: None,
    });
    assert_eq!(
        cache.on_fetched(at(300), no_ed25519),
        Err(Error::NoUsableKey)
    );
    assert!(
        cache.verify(&token(&issuers().0), at(300)).is_ok(),
        "old set kept"
    );
    assert_eq!(reason(&mut cache, at(301)), None, "backing off");
}

#[test]
fn a_failed_first_fetch_leaves_nothing_to_verify_with() {
    let mut cache = cache();
    cache.plan(T0);
    assert!(cache.on_fetched(T0, Err(failure())).is_err());
    assert_eq!(cache.verify(&token(&issuers().0), T0), Err(Error::NoKeySet));
    assert_eq!(reason(&mut cache, at(9)), None);
    assert_eq!(reason(&mut cache, at(10)), Some(FetchReason::Initial));
}

#[test]
fn an_unknown_kid_refetches_once() {
    let (old, new) = issuers();
    let mut cache = loaded();
    let rotated = token(&new);
    assert_eq!(
        cache.verify(&rotated, at(5)),
        Err(Error::NeedsRefetch { kid: "k2".into() })
    );
    assert_eq!(reason(&mut cache, at(5)), Some(FetchReason::UnknownKid));
    cache
        .on_fetched(at(6), Ok(body(&new, None)))
        .expect("usable set");
    assert!(cache.verify(&rotated, at(6)).is_ok());
    assert!(
        cache.verify(&token(&old), at(6)).is_ok(),
        "old key still listed"
    );
}

#[test]
fn unknown_kid_refetches_are_rate_limited() {
    let (_, new) = issuers();
    let mut stranger = SessionIssuer::new(ISSUER, 600);
    stranger
        .add_key("made-up", Ed25519SigningKey::from_seed(&[9; 32]))
        .expect("fresh kid");
    let forged = token(&stranger);
    let mut cache = loaded();
    assert_eq!(
        cache.verify(&forged, at(5)),
        Err(Error::NeedsRefetch {
            kid: "made-up".into()
        })
    );
    assert_eq!(reason(&mut cache, at(5)), Some(FetchReason::UnknownKid));
    cache
        .on_fetched(at(5), Ok(body(&issuers().0, None)))
        .expect("usable set");
    // Within the cooldown: refused outright, and no fetch is planned.
    let cooldown = CachePolicy::default().unknown_kid_cooldown;
    for now in [at(5), at(6), at(4 + cooldown)] {
        assert!(matches!(
            cache.verify(&forged, now),
            Err(Error::Token(watchword_token::Error::UnknownKid { .. }))
        ));
        assert_eq!(reason(&mut cache, now), None);
    }
    // Even a genuine rotation waits for the cooldown.
    let rotated = token(&new);
    assert!(matches!(
        cache.verify(&rotated, at(6)),
        Err(Error::Token(watchword_token::Error::UnknownKid { .. }))
    ));
    assert_eq!(
        cache.verify(&rotated, at(5 + cooldown)),
        Err(Error::NeedsRefetch { kid: "k2".into() })
    );
    assert_eq!(
        reason(&mut cache, at(5 + cooldown)),
        Some(FetchReason::UnknownKid)
    );
}

#[test]
fn a_fetch_that_never_reports_times_out() {
    let mut cache = cache();
    assert_eq!(reason(&mut cache, T0), Some(FetchReason::Initial));
    let timeout = CachePolicy::default().fetch_timeout;
    assert_eq!(reason(&mut cache, at(timeout - 1)), None);
    // Timed out: counted as a failure, so the retry waits for the backoff.
    assert_eq!(reason(&mut cache, at(timeout)), None);
    assert!(matches!(
        cache.last_failure(),
        Some((_, Error::Fetch { .. }))
    ));
    let retry = CachePolicy::default().retry_after_failure;
    assert_eq!(
        reason(&mut cache, at(timeout + retry)),
        Some(FetchReason::Initial)
    );
}

#[test]
fn a_set_can_be_loaded_without_a_plan() {
    let mut cache = cache();
    cache
        .on_fetched(T0, Ok(body(&issuers().0, None)))
        .expect("deploy-time copy");
    assert!(cache.verify(&token(&issuers().0), T0).is_ok());
    assert!(cache.verifier().is_some());
    assert_eq!(cache.url(), URL);
}

#[test]
fn cache_control_max_age() {
    for (header, expected) in [
        ("max-age=300", Some(300)),
        ("public, max-age=60, must-revalidate", Some(60)),
        ("MAX-AGE=\"90\"", Some(90)),
        ("no-store", Some(0)),
        ("max-age=60, no-cache", Some(0)),
        ("public", None),
        ("max-age=-1", None),
        ("max-age=abc", None),
        ("", None),
    ] {
        assert_eq!(max_age(header), expected, "{header}");
    }
}
