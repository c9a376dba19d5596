//! Properties: every built text parses back to the same value, every accepted text writes back
//! byte for byte, and roster operations keep its invariants.

use proptest::prelude::*;
use watchword_session::timestamp::{self, MAX_TIMESTAMP};
use watchword_session::{
    Account, Attestation, Challenge, DidOc, Identity, Nonce, Roster, UnixTime, MAX_ACCOUNTS,
    MAX_CHALLENGE_TTL,
};

/// Printable ASCII without comma; spaces only inside.
const PHRASE: &str = "[!-+\\--~]([ !-+\\--~]{0,40}[!-+\\--~])?";
/// Printable ASCII without space and comma.
const WORD: &str = "[!-+\\--~]{1,60}";

fn challenge() -> impl Strategy<Value = Challenge> {
    (
        WORD,
        any::<[u8; 16]>(),
        0..=MAX_TIMESTAMP.0 - MAX_CHALLENGE_TTL,
        1..=MAX_CHALLENGE_TTL,
        proptest::option::of(PHRASE),
        proptest::option::of(PHRASE),
    )
        .prop_map(|(address, nonce, issued_at, ttl, audience, purpose)| {
            let mut challenge =
                Challenge::new(&address, Nonce::from_bytes(nonce), UnixTime(issued_at), ttl)
                    .expect("valid parts");
            if let Some(audience) = audience {
                challenge = challenge.with_audience(&audience).expect("valid audience");
            }
            if let Some(purpose) = purpose {
                challenge = challenge.with_purpose(&purpose).expect("valid purpose");
            }
            challenge
        })
}

fn attestation() -> impl Strategy<Value = Attestation> {
    (
        WORD,
        proptest::collection::vec(("[a-z][a-z0-9_-]{0,8}", WORD), 0..5),
        any::<[u8; 16]>(),
        0..=MAX_TIMESTAMP.0,
        proptest::collection::btree_map("[a-z][a-z0-9_]{0,8}", "[!-~]([ -~]{0,30}[!-~])?", 0..4),
    )
        .prop_map(|(address, identities, nonce, issued_at, extensions)| {
            let identities = identities
                .iter()
                .map(|(protocol, identifier)| Identity::new(protocol, identifier).expect("valid"))
                .collect();
            let issued_at = timestamp::format(UnixTime(issued_at)).expect("in range");
            let mut attestation =
                Attestation::new(&address, identities, Nonce::from_bytes(nonce), &issued_at)
                    .expect("valid parts");
            for (key, value) in extensions {
                // Core key names are refused as extensions; skip them.
                if let Ok(with) = attestation.clone().with_extension(&key, &value) {
                    attestation = with;
                }
            }
            attestation
        })
}

proptest! {
    #[test]
    fn challenges_round_trip(challenge in challenge()) {
        let text = challenge.to_text();
        prop_assert_eq!(Challenge::parse(&text), Ok(challenge));
    }

    #[test]
    fn mutated_challenges_parse_only_canonically(
        challenge in challenge(),
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = challenge.to_text().into_bytes();
        for (position, byte) in edits {
            let index = position.index(bytes.len());
            bytes[index] = byte;
        }
        if let Ok(text) = String::from_utf8(bytes) {
            if let Ok(parsed) = Challenge::parse(&text) {
                prop_assert_eq!(parsed.to_text(), text);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        if let Ok(parsed) = Challenge::parse(&text) {
            prop_assert_eq!(parsed.to_text(), text.clone());
        }
        if let Ok(parsed) = Attestation::parse(&text) {
            prop_assert_eq!(parsed.message(), text);
        }
    }

    #[test]
    fn attestations_round_trip(attestation in attestation()) {
        let message = attestation.message();
        let parsed = Attestation::parse(&message);
        prop_assert_eq!(parsed.as_ref(), Ok(&attestation));
        prop_assert_eq!(attestation.id().len(), 64);
    }

    #[test]
    fn timestamps_round_trip(seconds in 0..=MAX_TIMESTAMP.0) {
        let text = timestamp::format(UnixTime(seconds)).expect("in range");
        prop_assert_eq!(timestamp::parse(&text), Ok(UnixTime(seconds)));
        prop_assert!(timestamp::is_utc(&text));
    }

    #[test]
    fn roster_operations_keep_the_invariants(ops in proptest::collection::vec((0u8..5, 0u8..8), 0..40)) {
        let mut roster = Roster::new();
        for (op, n) in ops {
            let sub = format!("acct-{n}");
            let before = roster.clone();
            match op {
                0 => {
                    let account = Account {
                        sub: sub.clone(),
                        did_oc: DidOc::from_bytes([n; 16]),
                        name: None,
                        session_jti: format!("jti-{n}"),
                        expires_at: UnixTime(u64::from(n) * 10),
                    };
                    if roster.add(account).is_ok() {
                        prop_assert_eq!(roster.active().map(|a| &a.sub), Some(&sub));
                    } else {
                        prop_assert_eq!(before.len(), MAX_ACCOUNTS);
                        prop_assert_eq!(&roster, &before);
                    }
                }
                1 => {
                    let switched = roster.switch(&sub).map(|account| account.sub.clone());
                    if let Ok(switched) = switched {
                        prop_assert_eq!(&switched, &sub);
                    } else {
                        prop_assert_eq!(&roster, &before);
                    }
                }
                2 => {
                    let removed = roster.log_out(&sub);
                    if let Ok(removed) = removed {
                        prop_assert_eq!(&removed.sub, &sub);
                        prop_assert_eq!(roster.len() + 1, before.len());
                    } else {
                        prop_assert_eq!(&roster, &before);
                    }
                }
                3 => {
                    roster.log_out_active();
                }
                _ => {
                    roster.remove_expired(UnixTime(u64::from(n) * 10));
                }
            }
            prop_assert!(roster.len() <= MAX_ACCOUNTS);
            prop_assert_eq!(roster.active().is_some(), !roster.is_empty());
            let mut subs: Vec<_> = roster.accounts().iter().map(|a| a.sub.clone()).collect();
            subs.sort();
            subs.dedup();
            prop_assert_eq!(subs.len(), roster.len());
            let stored = serde_json::to_string(&roster).expect("serializes");
            prop_assert_eq!(serde_json::from_str::<Roster>(&stored).expect("reads back"), roster.clone());
        }
    }
}
