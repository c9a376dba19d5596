//! The `orangecheck-auth` challenge text: its layout, the builder's rules, and one test per
//! rule of the strict parser.

use watchword_session::challenge::{CHALLENGE_ACK, MAX_ADDRESS_LEN, MAX_CHALLENGE_LEN};
use watchword_session::timestamp::MAX_TIMESTAMP;
use watchword_session::{Challenge, Error, TextKind, UnixTime, MAX_CHALLENGE_TTL};

use crate::support::{challenge, nonce, ADDRESS, T0};

const KIND: TextKind = TextKind::Challenge;

/// The text of [`challenge`] with `from` replaced by `to` (which must occur).
fn edited(from: &str, to: &str) -> String {
    let text = challenge().to_text();
    assert!(text.contains(from), "{from:?} not in the text");
    text.replacen(from, to, 1)
}

fn check(text: &str, expect: &Error) {
    assert_eq!(Challenge::parse(text).as_ref(), Err(expect), "{text:?}");
}

#[test]
fn layout_matches_orangecheck() {
    assert_eq!(
        challenge().to_text(),
        format!(
            "orangecheck-auth\naddress: {ADDRESS}\nnonce: 0011223344556677889900aabbccddee\n\
             issued_at: 2026-04-22T12:00:00Z\nexpires_at: 2026-04-22T12:05:00Z\n\
             ack: I authorize this session under the OrangeCheck auth challenge.\n\
             audience: https://example.com\npurpose: login\n"
        )
    );
    let bare = Challenge::new(ADDRESS, nonce(), T0, 60).expect("valid");
    assert!(bare.to_text().ends_with(&format!("ack: {CHALLENGE_ACK}\n")));
    assert_eq!(Challenge::parse(&bare.to_text()), Ok(bare));
    let purpose_only = Challenge::new(ADDRESS, nonce(), T0, 60)
        .and_then(|c| c.with_purpose("login"))
        .expect("valid");
    assert_eq!(
        Challenge::parse(&purpose_only.to_text()).as_ref(),
        Ok(&purpose_only)
    );
}

#[test]
fn accessors_and_serde() {
    let challenge = challenge();
    assert_eq!(challenge.address(), ADDRESS);
    assert_eq!(challenge.nonce(), nonce());
    assert_eq!(challenge.issued_at(), T0);
    assert_eq!(challenge.expires_at(), T0.plus(300));
    assert_eq!(challenge.audience(), Some("https://example.com"));
    assert_eq!(challenge.purpose(), Some("login"));
    assert_eq!(challenge.to_string(), challenge.to_text());
    let json = serde_json::to_string(&challenge).expect("serializes");
    assert_eq!(
        json,
        serde_json::to_string(&challenge.to_text()).expect("string")
    );
    let back: Challenge = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, challenge);
    assert!(serde_json::from_str::<Challenge>("\"orangecheck-auth\\n\"").is_err());
}

#[test]
fn builder_rules() {
    for ttl in [0, MAX_CHALLENGE_TTL + 1] {
        assert_eq!(
            Challenge::new(ADDRESS, nonce(), T0, ttl),
            Err(Error::Lifetime {
                seconds: ttl,
                max: MAX_CHALLENGE_TTL
            })
        );
    }
    assert!(Challenge::new(ADDRESS, nonce(), T0, MAX_CHALLENGE_TTL).is_ok());
    assert_eq!(
        Challenge::new(ADDRESS, nonce(), MAX_TIMESTAMP, 1),
        Err(Error::TimestampRange {
            time: MAX_TIMESTAMP.plus(1)
        })
    );
    assert_eq!(
        Challenge::new("bc1q foo", nonce(), T0, 60),
        Err(Error::Character {
            field: "address".into(),
            found: ' '
        })
    );
    assert_eq!(
        Challenge::new(&"b".repeat(MAX_ADDRESS_LEN + 1), nonce(), T0, 60),
        Err(Error::ValueTooLong {
            field: "address".into(),
            len: MAX_ADDRESS_LEN + 1,
            max: MAX_ADDRESS_LEN
        })
    );
    let base = Challenge::new(ADDRESS, nonce(), T0, 60).expect("valid");
    assert_eq!(
        base.clone()
            .with_audience("https://example.com\nack: forged"),
        Err(Error::Newline {
            field: "audience".into()
        })
    );
    assert_eq!(
        base.clone().with_purpose("login\r"),
        Err(Error::Newline {
            field: "purpose".into()
        })
    );
    assert_eq!(
        base.clone().with_purpose(""),
        Err(Error::Empty {
            field: "purpose".into()
        })
    );
    assert!(base.with_purpose("sign in to the shop").is_ok());
}

#[test]
fn rejects_carriage_returns() {
    check(
        &challenge().to_text().replace('\n', "\r\n"),
        &Error::CarriageReturn { kind: KIND },
    );
    check(
        &edited("purpose: login", "purpose: lo\rgin"),
        &Error::CarriageReturn { kind: KIND },
    );
}

#[test]
fn rejects_missing_or_doubled_trailing_newline() {
    let text = challenge().to_text();
    let trailing = Error::TrailingNewline { kind: KIND };
    check(text.trim_end_matches('\n'), &trailing);
    check(&format!("{text}\n"), &trailing);
    check("", &trailing);
    check("\n", &trailing);
}

#[test]
fn rejects_another_header() {
    check(
        &edited("orangecheck-auth\n", "orangecheck\n"),
        &Error::Header {
            kind: KIND,
            expected: "orangecheck-auth",
            found: "orangecheck".into(),
        },
    );
}

#[test]
fn rejects_a_line_without_separator() {
    check(
        &edited("purpose: login", "purpose:login"),
        &Error::MissingSeparator {
            kind: KIND,
            line: 8,
        },
    );
    check(
        &edited("purpose: login\n", "purpose: login\n\n"),
        &Error::TrailingNewline { kind: KIND },
    );
    check(
        &edited("audience: ", "\naudience: "),
        &Error::MissingSeparator {
            kind: KIND,
            line: 7,
        },
    );
}

#[test]
fn rejects_unknown_keys() {
    check(
        &edited("purpose: login\n", "purpose: login\nscope: all\n"),
        &Error::UnknownKey {
            kind: KIND,
            key: "scope".into(),
        },
    );
    check(
        &edited("nonce: ", "Nonce: "),
        &Error::UnknownKey {
            kind: KIND,
            key: "Nonce".into(),
        },
    );
}

#[test]
fn rejects_repeated_keys() {
    check(
        &edited("purpose: login\n", "purpose: login\npurpose: admin\n"),
        &Error::DuplicateKey {
            kind: KIND,
            key: "purpose".into(),
        },
    );
    check(
        &edited(
            "purpose: login\n",
            "purpose: login\nnonce: ffffffffffffffffffffffffffffffff\n",
        ),
        &Error::DuplicateKey {
            kind: KIND,
            key: "nonce".into(),
        },
    );
    check(
        &edited("nonce: ", &format!("address: {ADDRESS}\nnonce: ")),
        &Error::DuplicateKey {
            kind: KIND,
            key: "address".into(),
        },
    );
}

#[test]
fn rejects_extensions_out_of_order() {
    check(
        &edited(
            "audience: https://example.com\npurpose: login\n",
            "purpose: login\naudience: https://example.com\n",
        ),
        &Error::ExtensionOrder {
            kind: KIND,
            key: "audience".into(),
            previous: "purpose".into(),
        },
    );
}

#[test]
fn rejects_core_lines_out_of_order() {
    let text = challenge().to_text();
    let issued = "issued_at: 2026-04-22T12:00:00Z\n";
    let expires = "expires_at: 2026-04-22T12:05:00Z\n";
    check(
        &text.replacen(
            &format!("{issued}{expires}"),
            &format!("{expires}{issued}"),
            1,
        ),
        &Error::LineOrder {
            kind: KIND,
            line: 4,
            expected: "issued_at",
            found: "expires_at".into(),
        },
    );
    check(
        &edited("nonce: ", "audience: https://example.com\nnonce: "),
        &Error::LineOrder {
            kind: KIND,
            line: 3,
            expected: "nonce",
            found: "audience".into(),
        },
    );
}

#[test]
fn rejects_a_missing_core_line() {
    let text = challenge().to_text();
    let end = text.find("ack:").expect("ack line");
    check(
        &text[..end],
        &Error::MissingLine {
            kind: KIND,
            key: "ack",
        },
    );
}

#[test]
fn rejects_another_ack() {
    check(
        &edited("under the OrangeCheck", "under an OrangeCheck"),
        &Error::Literal {
            kind: KIND,
            key: "ack",
            expected: CHALLENGE_ACK,
        },
    );
}

#[test]
fn rejects_a_non_canonical_nonce() {
    for nonce in [
        "0011223344556677889900AABBCCDDEE",
        "0011223344556677889900aabbccdd",
        "0011223344556677889900aabbccddeeff",
        "0011223344556677889900aabbccddeg",
    ] {
        check(
            &edited("0011223344556677889900aabbccddee", nonce),
            &Error::Nonce {
                found: nonce.into(),
            },
        );
    }
}

#[test]
fn rejects_non_canonical_timestamps() {
    for (from, to) in [
        ("12:00:00Z", "12:00:00.000Z"),
        ("12:00:00Z", "12:00:00+00:00"),
        ("2026-04-22T12:05", "2026-04-22t12:05"),
    ] {
        let text = edited(from, to);
        assert!(
            matches!(Challenge::parse(&text), Err(Error::Timestamp { .. })),
            "{to}"
        );
    }
}

#[test]
fn rejects_a_bad_lifetime() {
    check(
        &edited(
            "expires_at: 2026-04-22T12:05:00Z",
            "expires_at: 2026-04-22T12:00:00Z",
        ),
        &Error::Lifetime {
            seconds: 0,
            max: MAX_CHALLENGE_TTL,
        },
    );
    check(
        &edited(
            "expires_at: 2026-04-22T12:05:00Z",
            "expires_at: 2026-04-22T11:00:00Z",
        ),
        &Error::Lifetime {
            seconds: 0,
            max: MAX_CHALLENGE_TTL,
        },
    );
    check(
        &edited(
            "expires_at: 2026-04-22T12:05:00Z",
            "expires_at: 2026-04-23T12:00:00Z",
        ),
        &Error::Lifetime {
            seconds: 86_400,
            max: MAX_CHALLENGE_TTL,
        },
    );
}

#[test]
fn rejects_smuggled_commas() {
    check(
        &edited(
            "https://example.com",
            "https://example.com,https://evil.example",
        ),
        &Error::Comma {
            field: "audience".into(),
        },
    );
    check(
        &edited("purpose: login", "purpose: login,admin"),
        &Error::Comma {
            field: "purpose".into(),
        },
    );
    check(
        &edited(ADDRESS, &format!("{ADDRESS},bc1qevil")),
        &Error::Comma {
            field: "address".into(),
        },
    );
}

#[test]
fn rejects_values_that_hide_something() {
    check(
        &edited("purpose: login", "purpose: log\u{2028}in"),
        &Error::Character {
            field: "purpose".into(),
            found: '\u{2028}',
        },
    );
    check(
        &edited("purpose: login", "purpose: log\tin"),
        &Error::Character {
            field: "purpose".into(),
            found: '\t',
        },
    );
    check(
        &edited("purpose: login", "purpose:  login"),
        &Error::Space {
            field: "purpose".into(),
        },
    );
    check(
        &edited("purpose: login", "purpose: "),
        &Error::Empty {
            field: "purpose".into(),
        },
    );
    check(
        &edited(ADDRESS, ""),
        &Error::Empty {
            field: "address".into(),
        },
    );
}

#[test]
fn rejects_oversized_texts() {
    let long = edited(
        "purpose: login",
        &format!("purpose: {}", "a".repeat(MAX_CHALLENGE_LEN)),
    );
    check(
        &long,
        &Error::TooLong {
            kind: KIND,
            len: long.len(),
            max: MAX_CHALLENGE_LEN,
        },
    );
    check(
        &edited("purpose: login", &format!("purpose: {}", "a".repeat(257))),
        &Error::ValueTooLong {
            field: "purpose".into(),
            len: 257,
            max: 256,
        },
    );
}

#[test]
fn times_are_inclusive_of_issued_at() {
    let challenge = Challenge::new(ADDRESS, nonce(), UnixTime(0), 1).expect("valid");
    assert!(challenge
        .to_text()
        .contains("issued_at: 1970-01-01T00:00:00Z\n"));
    assert!(challenge
        .to_text()
        .contains("expires_at: 1970-01-01T00:00:01Z\n"));
}
