//! Property tests: normalisation is idempotent; solve-then-verify round-trips.

use proptest::prelude::*;
use watchword_captcha::{normalize, pow, PowChallenge, Punctuation};

use crate::support::{key, NOW};

proptest! {
    #[test]
    fn normalisation_is_idempotent(text in any::<String>(), strip in any::<bool>()) {
        let punctuation = if strip { Punctuation::Strip } else { Punctuation::Keep };
        let once = normalize(&text, punctuation);
        prop_assert_eq!(normalize(&once, punctuation), once.clone());
        prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
    }

    #[test]
    fn normalisation_is_idempotent_on_latin(text in "[a-zA-Z ,.'!À-ſ\u{300}-\u{36f}\t]{0,40}") {
        for punctuation in [Punctuation::Keep, Punctuation::Strip] {
            let once = normalize(&text, punctuation);
            prop_assert_eq!(normalize(&once, punctuation), once.clone());
            prop_assert!(once.chars().all(|c| !c.is_uppercase()));
        }
    }

    #[test]
    fn solve_then_verify_round_trips(
        site in "[a-z0-9.-]{1,40}",
        nonce in any::<[u8; 16]>(),
        difficulty in 0u8..=8,
        lifetime in 1u64..10_000,
    ) {
        let challenge = PowChallenge::from_parts(&site, nonce, difficulty, NOW.plus(lifetime)).unwrap();
        let token = key().issue(&challenge);
        let solution = pow::solve(&challenge, 1 << 20).expect("solved");
        prop_assert_eq!(key().verify(&token, solution, &site, NOW), Ok(challenge));
    }
}
