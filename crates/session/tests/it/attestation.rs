//! The attestation message: building, and one test per rule the strict parser enforces.

use watchword_session::attestation::{format_identities, ATTESTATION_ACK, MAX_IDENTITIES_LEN};
use watchword_session::{Attestation, Error, Identity, TextKind};

use crate::support::{nonce, ADDRESS};

const KIND: TextKind = TextKind::Attestation;

fn base() -> Attestation {
    let identities = vec![
        Identity::new("nostr", "npub1alice").expect("valid"),
        Identity::new("github", "alice").expect("valid"),
    ];
    Attestation::new(ADDRESS, identities, nonce(), "2026-04-22T12:00:00Z")
        .and_then(|a| a.with_extension("bond", "100000"))
        .and_then(|a| a.with_extension("aud", "https://example.com"))
        .expect("valid attestation")
}

/// The message of [`base`] with `from` replaced by `to` (which must occur).
fn edited(from: &str, to: &str) -> String {
    let message = base().message();
    assert!(message.contains(from), "{from:?} not in the message");
    message.replacen(from, to, 1)
}

fn check(message: &str, expect: &Error) {
    assert_eq!(
        Attestation::parse(message).as_ref(),
        Err(expect),
        "{message:?}"
    );
}

#[test]
fn builds_the_canonical_layout() {
    let message = base().message();
    assert_eq!(
        message,
        format!(
            "orangecheck\nidentities: github:alice,nostr:npub1alice\naddress: {ADDRESS}\n\
             purpose: portable reputation attestation (non-custodial)\n\
             nonce: 0011223344556677889900aabbccddee\nissued_at: 2026-04-22T12:00:00Z\n\
             ack: {ATTESTATION_ACK}\naud: https://example.com\nbond: 100000\n"
        )
    );
    assert_eq!(Attestation::parse(&message), Ok(base()));
    assert_eq!(base().id().len(), 64);
}

#[test]
fn extensions_build_rules() {
    let attestation = base()
        .with_extension("relay_hints", "wss://a.example,wss://b.example")
        .expect("lists are allowed");
    assert_eq!(
        attestation.extension("relay_hints"),
        Some("wss://a.example,wss://b.example")
    );
    let removed = attestation
        .with_extension("bond", "")
        .expect("empty removes");
    assert_eq!(removed.extension("bond"), None);
    assert_eq!(
        base().with_extension("Bond", "1"),
        Err(Error::ExtensionKey {
            found: "Bond".into()
        })
    );
    assert_eq!(
        base().with_extension("1x", "1"),
        Err(Error::ExtensionKey { found: "1x".into() })
    );
    assert_eq!(
        base().with_extension("address", "bc1qevil"),
        Err(Error::DuplicateKey {
            kind: KIND,
            key: "address".into()
        })
    );
    assert_eq!(
        base().with_extension("scope", "x\nack: forged"),
        Err(Error::Newline {
            field: "extension scope".into()
        })
    );
    assert_eq!(
        base().with_extension("scope", " padded"),
        Err(Error::Space {
            field: "extension scope".into()
        })
    );
    assert!(matches!(
        base().with_extension("scope", "caf\u{e9}"),
        Err(Error::Character {
            found: '\u{e9}',
            ..
        })
    ));
}

#[test]
fn identity_rules() {
    assert!(Identity::new("x", "@alice").is_ok());
    assert!(Identity::new("my-proto_2", "did:example:1").is_ok());
    for protocol in ["", "GitHub", "2fa", "git hub", "git:hub", "-x"] {
        assert_eq!(
            Identity::new(protocol, "alice"),
            Err(Error::Protocol {
                found: protocol.into()
            }),
            "{protocol:?}"
        );
    }
    let field = || "identity identifier".to_owned();
    assert_eq!(
        Identity::new("github", ""),
        Err(Error::Empty { field: field() })
    );
    assert_eq!(
        Identity::new("github", "alice smith"),
        Err(Error::Character {
            field: field(),
            found: ' '
        })
    );
    assert_eq!(
        Identity::new("github", "a,b\nc"),
        Err(Error::Newline { field: field() }),
        "a line break is reported before a comma"
    );
    let identities = [
        Identity::new("github", "alice").expect("valid"),
        Identity::new("github", "alice").expect("valid"),
    ];
    assert_eq!(
        format_identities(&identities),
        "github:alice,github:alice",
        "duplicates are kept, as the reference issuer does"
    );
}

#[test]
fn identities_are_limited() {
    let identities: Vec<Identity> = (0..40)
        .map(|n| Identity::new("github", &format!("user-{n:08}")).expect("valid"))
        .collect();
    assert!(matches!(
        Attestation::new(ADDRESS, identities, nonce(), "2026-04-22T12:00:00Z"),
        Err(Error::ValueTooLong {
            max: MAX_IDENTITIES_LEN,
            ..
        })
    ));
}

#[test]
fn issued_at_keeps_fractions_verbatim() {
    let attestation = Attestation::new(ADDRESS, Vec::new(), nonce(), "2026-04-22T12:00:00.123Z")
        .expect("fraction allowed");
    let message = attestation.message();
    assert!(message.contains("issued_at: 2026-04-22T12:00:00.123Z\n"));
    assert_eq!(Attestation::parse(&message), Ok(attestation));
    assert!(matches!(
        Attestation::new(ADDRESS, Vec::new(), nonce(), "2026-04-22 12:00:00Z"),
        Err(Error::Timestamp { .. })
    ));
}

#[test]
fn rejects_carriage_returns() {
    check(
        &base().message().replace('\n', "\r\n"),
        &Error::CarriageReturn { kind: KIND },
    );
}

#[test]
fn rejects_missing_or_doubled_trailing_newline() {
    let message = base().message();
    let trailing = Error::TrailingNewline { kind: KIND };
    check(message.trim_end_matches('\n'), &trailing);
    check(&format!("{message}\n"), &trailing);
}

#[test]
fn rejects_another_header() {
    check(
        &edited("orangecheck\n", "orangecheck-auth\n"),
        &Error::Header {
            kind: KIND,
            expected: "orangecheck",
            found: "orangecheck-auth".into(),
        },
    );
    check(
        &edited("orangecheck\n", "orangecheck v0\n"),
        &Error::Header {
            kind: KIND,
            expected: "orangecheck",
            found: "orangecheck v0".into(),
        },
    );
}

#[test]
fn rejects_a_line_without_separator() {
    check(
        &edited("bond: 100000", "bond:100000"),
        &Error::MissingSeparator {
            kind: KIND,
            line: 9,
        },
    );
    check(
        &edited("identities: ", "identities:"),
        &Error::MissingSeparator {
            kind: KIND,
            line: 2,
        },
    );
}

#[test]
fn rejects_core_lines_out_of_order() {
    let message = base().message();
    let swapped = message.replacen(&format!("address: {ADDRESS}\npurpose"), "purpose", 1);
    let swapped = swapped.replacen("nonce:", &format!("address: {ADDRESS}\nnonce:"), 1);
    check(
        &swapped,
        &Error::LineOrder {
            kind: KIND,
            line: 3,
            expected: "address",
            found: "purpose".into(),
        },
    );
}

#[test]
fn rejects_a_missing_core_line() {
    let message = base().message();
    let end = message.find("ack:").expect("ack line");
    check(
        &message[..end],
        &Error::MissingLine {
            kind: KIND,
            key: "ack",
        },
    );
}

#[test]
fn rejects_wrong_literals() {
    check(
        &edited("(non-custodial)", "(custodial)"),
        &Error::Literal {
            kind: KIND,
            key: "purpose",
            expected: "portable reputation attestation (non-custodial)",
        },
    );
    check(
        &edited("my identities.", "my identity."),
        &Error::Literal {
            kind: KIND,
            key: "ack",
            expected: ATTESTATION_ACK,
        },
    );
}

#[test]
fn rejects_a_non_canonical_nonce() {
    check(
        &edited("aabbccddee", "AABBCCDDEE"),
        &Error::Nonce {
            found: "0011223344556677889900AABBCCDDEE".into(),
        },
    );
}

#[test]
fn rejects_a_bad_issued_at() {
    check(
        &edited("2026-04-22T12:00:00Z", "2026-04-22T12:00:00+00:00"),
        &Error::Timestamp {
            value: "2026-04-22T12:00:00+00:00".into(),
        },
    );
}

#[test]
fn rejects_identities_out_of_order() {
    check(
        &edited(
            "github:alice,nostr:npub1alice",
            "nostr:npub1alice,github:alice",
        ),
        &Error::IdentityOrder {
            found: "github:alice".into(),
        },
    );
}

#[test]
fn rejects_an_identity_without_colon() {
    check(
        &edited("github:alice,", "githubalice,"),
        &Error::IdentityBinding {
            found: "githubalice".into(),
        },
    );
}

#[test]
fn rejects_smuggled_identities() {
    check(
        &edited("github:alice,", "github:,"),
        &Error::Empty {
            field: "identity identifier".into(),
        },
    );
    check(
        &edited("github:alice,", "GitHub:alice,"),
        &Error::Protocol {
            found: "GitHub".into(),
        },
    );
}

#[test]
fn rejects_extensions_out_of_order() {
    let message = base().message();
    let swapped = message.replacen(
        "aud: https://example.com\nbond: 100000\n",
        "bond: 100000\naud: https://example.com\n",
        1,
    );
    check(
        &swapped,
        &Error::ExtensionOrder {
            kind: KIND,
            key: "aud".into(),
            previous: "bond".into(),
        },
    );
}

#[test]
fn rejects_repeated_keys() {
    check(
        &edited("bond: 100000\n", "bond: 100000\nbond: 200000\n"),
        &Error::DuplicateKey {
            kind: KIND,
            key: "bond".into(),
        },
    );
    check(
        &edited(
            "bond: 100000\n",
            "bond: 100000\nnonce: ffffffffffffffffffffffffffffffff\n",
        ),
        &Error::DuplicateKey {
            kind: KIND,
            key: "nonce".into(),
        },
    );
}

#[test]
fn rejects_bad_extension_lines() {
    check(
        &edited("bond: 100000\n", "bond: 100000\nZed: 1\n"),
        &Error::ExtensionKey {
            found: "Zed".into(),
        },
    );
    check(
        &edited("bond: 100000\n", "bond: 100000\nzed: \n"),
        &Error::Empty {
            field: "extension zed".into(),
        },
    );
    let unknown = edited("bond: 100000\n", "bond: 100000\nzed: 1\n");
    let parsed = Attestation::parse(&unknown).expect("unknown extensions are allowed");
    assert_eq!(parsed.extension("zed"), Some("1"));
    assert_eq!(parsed.message(), unknown);
}

#[test]
fn rejects_oversized_messages() {
    let long = edited(
        "bond: 100000\n",
        &format!("bond: 100000\nzzz: {}\n", "a".repeat(4096)),
    );
    assert!(matches!(
        Attestation::parse(&long),
        Err(Error::TooLong { kind: KIND, .. })
    ));
}
