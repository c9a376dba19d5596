//! Proof-of-work: each rule `PowKey::verify` enforces, broken one at a time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use watchword_captcha::pow::{self, leading_zero_bits, MAX_DIFFICULTY};
use watchword_captcha::{Difficulty, Error, PowChallenge, PowKey, PowToken};

use crate::support::{key, TestRng, NOW, SITE};

fn issued(difficulty: u8) -> (PowChallenge, String, u64) {
    let mut rng = TestRng::new(u64::from(difficulty));
    let challenge = PowChallenge::new(SITE, difficulty, NOW.plus(60), &mut rng).expect("valid");
    let token = key().issue(&challenge);
    let solution = pow::solve(&challenge, 1 << 20).expect("solved");
    (challenge, token, solution)
}

fn insufficient(challenge: &PowChallenge) -> u64 {
    (0..u64::MAX)
        .find(|s| challenge.work(*s) < u32::from(challenge.difficulty()))
        .expect("some solution falls short")
}

#[test]
fn verifies_a_solved_token() {
    let (challenge, token, solution) = issued(10);
    assert_eq!(
        key().verify(&token, solution, SITE, NOW),
        Ok(challenge.clone())
    );
    assert_eq!(
        key().verify(&token, solution, SITE, NOW.plus(59)),
        Ok(challenge)
    );
}

#[test]
fn refuses_wrong_mac() {
    let (challenge, _, solution) = issued(8);
    let other = PowKey::new(&[8; 32]).expect("valid");
    let token = other.issue(&challenge);
    assert_eq!(
        key().verify(&token, solution, SITE, NOW),
        Err(Error::BadMac)
    );
    // A flipped MAC bit.
    let mut bytes = URL_SAFE_NO_PAD
        .decode(key().issue(&challenge))
        .expect("b64");
    *bytes.last_mut().expect("mac") ^= 1;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    assert_eq!(
        key().verify(&token, solution, SITE, NOW),
        Err(Error::BadMac)
    );
}

#[test]
fn refuses_wrong_site() {
    let (_, token, solution) = issued(8);
    assert_eq!(
        key().verify(&token, solution, "site-2", NOW),
        Err(Error::WrongSite {
            found: "site-2".to_owned()
        })
    );
}

#[test]
fn refuses_expired() {
    let (_, token, solution) = issued(8);
    assert_eq!(
        key().verify(&token, solution, SITE, NOW.plus(60)),
        Err(Error::Expired {
            expires_at: NOW.plus(60),
            now: NOW.plus(60)
        })
    );
}

#[test]
fn refuses_insufficient_work() {
    let (challenge, token, _) = issued(8);
    let bad = insufficient(&challenge);
    assert!(matches!(
        key().verify(&token, bad, SITE, NOW),
        Err(Error::InsufficientWork { required: 8, .. })
    ));
}

#[test]
fn refuses_spliced_fields() {
    // Move the last byte of the site into the nonce field (which drops the nonce's last byte
    // to stay 16 bytes), fixing the length prefix: a well-formed layout the MAC does not cover.
    let (challenge, token, solution) = issued(4);
    let bytes = URL_SAFE_NO_PAD.decode(&token).expect("b64");
    let (body, mac) = bytes.split_at(bytes.len() - 32);
    let domain_end = 2 + usize::from(u16::from_be_bytes([body[0], body[1]]));
    let site_len = SITE.len();
    let site_start = domain_end + 2;
    let nonce_start = site_start + site_len + 2;
    let mut spliced = body[..domain_end].to_vec();
    spliced.extend_from_slice(&u16::try_from(site_len - 1).unwrap().to_be_bytes());
    spliced.extend_from_slice(&body[site_start..site_start + site_len - 1]);
    spliced.extend_from_slice(&16u16.to_be_bytes());
    spliced.push(body[site_start + site_len - 1]);
    spliced.extend_from_slice(&body[nonce_start..nonce_start + 15]);
    spliced.extend_from_slice(&body[nonce_start + 16..]);
    // The spliced body parses as another challenge...
    let moved = PowChallenge::from_bytes(&spliced).expect("well formed");
    assert_eq!(moved.site(), &SITE[..site_len - 1]);
    assert_ne!(moved, challenge);
    // ...but the MAC of the original does not cover it.
    spliced.extend_from_slice(mac);
    let forged = URL_SAFE_NO_PAD.encode(spliced);
    assert_eq!(
        key().verify(&forged, solution, &SITE[..site_len - 1], NOW),
        Err(Error::BadMac)
    );
}

#[test]
fn encoding_is_injective_on_the_site_boundary() {
    let nonce = [b'a'; 16];
    let a = PowChallenge::from_parts("ab", nonce, 1, NOW).expect("valid");
    let b = PowChallenge::from_parts("a", nonce, 1, NOW).expect("valid");
    assert_ne!(a.to_bytes(), b.to_bytes());
    assert_eq!(PowChallenge::from_bytes(&a.to_bytes()), Ok(a));
}

#[test]
fn parser_is_strict() {
    let (challenge, token, _) = issued(4);
    let cases: Vec<(String, Error)> = vec![
        (format!("{token}="), Error::TokenEncoding),
        (
            token.replace('-', "+").replace('_', "/"),
            Error::TokenEncoding,
        ),
        ("A".repeat(513), Error::TokenTooLong { len: 513, max: 512 }),
        (
            URL_SAFE_NO_PAD.encode([0u8; 31]),
            Error::TokenFormat {
                reason: "shorter than a mac",
            },
        ),
        (
            {
                let mut body = challenge.to_bytes();
                body.push(0);
                body.extend_from_slice(&[0; 32]);
                URL_SAFE_NO_PAD.encode(body)
            },
            Error::TokenFormat {
                reason: "trailing bytes",
            },
        ),
        (
            {
                let mut body = challenge.to_bytes();
                body[3] ^= 1; // inside the domain
                body.extend_from_slice(&[0; 32]);
                URL_SAFE_NO_PAD.encode(body)
            },
            Error::TokenFormat {
                reason: "unknown domain or version",
            },
        ),
    ];
    for (text, error) in cases {
        assert_eq!(PowToken::parse(&text).err(), Some(error.clone()), "{text}");
        assert_eq!(
            key().verify(&text, 0, SITE, NOW).err(),
            Some(error),
            "{text}"
        );
    }
    let parsed = PowToken::parse(&token).expect("parses");
    assert_eq!(parsed.challenge(), &challenge);
}

#[test]
fn refuses_stray_low_bits() {
    let (_, token, solution) = issued(4);
    // The last character carries unused low bits; setting one makes the text non-canonical.
    let last = token.chars().last().expect("non-empty");
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = alphabet.find(last).expect("base64url");
    let tweaked = alphabet.as_bytes()[index ^ 1] as char;
    let text = format!("{}{tweaked}", &token[..token.len() - 1]);
    assert!(key().verify(&text, solution, SITE, NOW).is_err());
}

#[test]
fn limits() {
    let mut rng = TestRng::new(1);
    assert_eq!(
        PowChallenge::new(SITE, MAX_DIFFICULTY + 1, NOW, &mut rng),
        Err(Error::Difficulty {
            found: 33,
            max: MAX_DIFFICULTY
        })
    );
    assert!(matches!(
        PowChallenge::new("", 1, NOW, &mut rng),
        Err(Error::InvalidSite { .. })
    ));
    assert_eq!(
        PowKey::new(&[0; 31]).err().map(|e| e.to_string()),
        Some("proof-of-work key is 31 bytes, at least 32 are required".to_owned())
    );
    assert_eq!(format!("{:?}", key()), "PowKey(redacted)");
}

#[test]
fn leading_zero_bits_counts_across_bytes() {
    for (bytes, bits) in [
        (&[0x80u8, 0][..], 0),
        (&[0x01, 0xff], 7),
        (&[0x00, 0x40], 9),
        (&[0x00, 0x00], 16),
        (&[], 0),
    ] {
        assert_eq!(leading_zero_bits(bytes), bits, "{bytes:?}");
    }
}

#[test]
fn solve_gives_up() {
    let mut rng = TestRng::new(3);
    let challenge = PowChallenge::new(SITE, 32, NOW, &mut rng).expect("valid");
    assert_eq!(pow::solve(&challenge, 100), None);
}

#[test]
fn difficulty_policy() {
    let policy = Difficulty::default();
    for (rpm, failures, bits) in [
        (0, 0, 16),
        (60, 0, 16),
        (119, 0, 16),
        (120, 0, 17),
        (240, 0, 18),
        (479, 0, 18),
        (60, 1, 18),
        (120, 2, 21),
        (15_360, 0, 24),
        (u32::MAX, 0, 24),
        (0, 4, 24),
        (0, u32::MAX, 24),
    ] {
        assert_eq!(
            policy.difficulty(rpm, failures),
            bits,
            "{rpm} rpm, {failures} failures"
        );
    }
}

#[test]
fn one_client_raises_its_own_difficulty_not_the_sites() {
    let policy = Difficulty::default();
    // A client creating challenges at its rate limit (120 a minute) works harder itself...
    assert_eq!(policy.difficulty_for(0, 120, 0), 20);
    assert_eq!(
        policy.difficulty_for(0, 11, 0),
        16,
        "a person's pace costs nothing"
    );
    assert_eq!(policy.difficulty_for(0, 12, 0), 17);
    // ...while it adds at most its share to the site's rate, which everyone else sees.
    let one_client = u32::try_from(pow::SITE_SHARE_PER_CLIENT).expect("small");
    assert_eq!(policy.difficulty_for(one_client, 0, 0), 16);
    // The site's difficulty rises once enough networks share the traffic.
    assert_eq!(policy.difficulty_for(12 * one_client, 0, 0), 17);
    assert_eq!(policy.difficulty(120, 0), policy.difficulty_for(120, 0, 0));
}

#[test]
fn difficulty_policy_bounds() {
    assert!(matches!(
        Difficulty::new(16, 60, 2, 33),
        Err(Error::Difficulty { .. })
    ));
    assert!(matches!(
        Difficulty::new(25, 60, 2, 24),
        Err(Error::DifficultyPolicy { .. })
    ));
    assert!(matches!(
        Difficulty::new(16, 0, 2, 24),
        Err(Error::DifficultyPolicy { .. })
    ));
    let policy = Difficulty::new(8, 10, 1, 12).expect("valid");
    assert_eq!(policy.difficulty(40, 1), 11);
    assert_eq!(policy.difficulty(1000, 10), 12);
}

#[test]
fn challenge_serde_uses_the_strict_parser() {
    let (challenge, _, _) = issued(4);
    let json = serde_json::to_string(&challenge).expect("serializes");
    assert_eq!(
        serde_json::from_str::<PowChallenge>(&json).expect("reads"),
        challenge
    );
    assert!(serde_json::from_str::<PowChallenge>("\"AAAA\"").is_err());
}
