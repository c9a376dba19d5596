//! `otpauth://` key URIs: the exact text written, round trips, and one test per rejection rule.

use proptest::prelude::*;
use watchword_otp::{
    Algorithm, Digits, Error, Hotp, KeyUri, OtpKind, Secret, Totp, UnixTime, MAX_URI_LEN,
};

use crate::support::rfc_secret;

/// `12345678901234567890` in base32.
const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn uri(rest: &str) -> String {
    format!("otpauth://totp/ACME:alice?secret={SECRET}{rest}")
}

fn parse(text: &str) -> Result<KeyUri, Error> {
    KeyUri::parse(text)
}

#[test]
fn writes_the_key_uri_format() {
    let totp = Totp::new(rfc_secret()).with_algorithm(Algorithm::Sha256);
    let key = KeyUri::totp(&totp, Some("ACME Co"), "alice@example.com").expect("valid label");
    assert_eq!(
        key.to_uri(),
        format!(
            "otpauth://totp/ACME%20Co:alice%40example.com?secret={SECRET}&issuer=ACME%20Co\
             &algorithm=SHA256&digits=6&period=30"
        )
    );
    let hotp = Hotp::new(rfc_secret(), Algorithm::Sha1, Digits::EIGHT);
    let key = KeyUri::hotp(&hotp, 42, None, "bob+otp/1").expect("valid label");
    assert_eq!(
        key.to_uri(),
        format!("otpauth://hotp/bob%2Botp%2F1?secret={SECRET}&algorithm=SHA1&digits=8&counter=42")
    );
    let unicode = KeyUri::totp(&Totp::new(rfc_secret()), Some("Café"), "zoë").expect("valid");
    assert!(unicode
        .to_uri()
        .starts_with("otpauth://totp/Caf%C3%A9:zo%C3%AB?"));
}

#[test]
fn reads_a_full_uri() {
    let key = parse(&format!(
        "otpauth://totp/ACME%20Co:alice%40example.com?secret={SECRET}&issuer=ACME+Co\
         &algorithm=SHA512&digits=8&period=60"
    ))
    .expect("valid");
    assert_eq!(key.kind(), OtpKind::Totp { period: 60 });
    assert_eq!(key.issuer(), Some("ACME Co"));
    assert_eq!(key.account(), "alice@example.com");
    assert_eq!(key.secret(), &rfc_secret());
    assert_eq!(key.algorithm(), Algorithm::Sha512);
    assert_eq!(key.digits(), Digits::EIGHT);
    let totp = key.to_totp().expect("totp");
    assert_eq!(totp.step_secs(), 60);
    assert_eq!(totp.algorithm(), Algorithm::Sha512);
    assert_eq!(
        key.to_hotp().map(|_| ()),
        Err(Error::UriKind {
            expected: "hotp",
            found: "totp"
        })
    );
}

#[test]
fn reads_defaults_and_lenient_spellings() {
    let minimal = parse(&format!("otpauth://totp/alice?secret={SECRET}")).expect("minimal");
    assert_eq!(minimal.kind(), OtpKind::Totp { period: 30 });
    assert_eq!(minimal.issuer(), None);
    assert_eq!(minimal.algorithm(), Algorithm::Sha1);
    assert_eq!(minimal.digits(), Digits::SIX);
    for text in [
        // Scheme and type in any case; secret in lower case and padded.
        format!("OTPAUTH://TOTP/ACME:alice?secret={SECRET}"),
        format!("otpauth://totp/ACME:alice?secret={}", SECRET.to_lowercase()),
        format!("otpauth://totp/ACME:alice?secret={SECRET}&issuer=ACME"),
        // Spaces after the colon, and the colon percent-encoded.
        format!("otpauth://totp/ACME:%20%20alice?secret={SECRET}"),
        format!("otpauth://totp/ACME%3Aalice?secret={SECRET}"),
        // Parameters in any order, unknown ones ignored.
        format!("otpauth://totp/ACME:alice?image=https%3A%2F%2Fx.example%2Fa.png&issuer=ACME&secret={SECRET}"),
    ] {
        let key = parse(&text).unwrap_or_else(|err| panic!("{text}: {err}"));
        assert_eq!(key.issuer(), Some("ACME"), "{text}");
        assert_eq!(key.account(), "alice", "{text}");
    }
    let issuer_only = parse(&format!("otpauth://totp/alice?secret={SECRET}&issuer=ACME"))
        .expect("issuer parameter without prefix");
    assert_eq!(issuer_only.issuer(), Some("ACME"));
    let padded = parse("otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGE======")
        .expect("padded secret");
    assert_eq!(padded.secret().as_bytes().len(), 21);
    let hotp = parse(&format!(
        "otpauth://hotp/a?secret={SECRET}&counter=18446744073709551615"
    ))
    .expect("hotp");
    let (hotp, counter) = hotp.to_hotp().expect("hotp");
    assert_eq!(counter, u64::MAX);
    assert_eq!(hotp.digits(), Digits::SIX);
}

#[test]
fn round_trips() {
    let totp = Totp::new(rfc_secret())
        .with_digits(Digits::SEVEN)
        .with_step(45)
        .expect("45 s");
    let hotp = Hotp::new(rfc_secret(), Algorithm::Sha512, Digits::SIX);
    for key in [
        KeyUri::totp(&totp, Some("A & B?"), "x=y#z").expect("valid"),
        KeyUri::totp(&totp, None, "percent%20sign").expect("valid"),
        KeyUri::hotp(&hotp, 7, Some("Ünïcode"), "ユーザー").expect("valid"),
    ] {
        let text = key.to_uri();
        assert_eq!(parse(&text).as_ref(), Ok(&key), "{text}");
    }
}

#[test]
fn debug_does_not_print_the_secret() {
    let key = parse(&uri("")).expect("valid");
    let debug = format!("{key:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(!debug.contains("GEZDGNBV"), "{debug}");
}

#[test]
fn building_refuses_unusable_labels() {
    let totp = Totp::new(rfc_secret());
    for (issuer, account) in [
        (None, ""),
        (Some(""), "alice"),
        (Some("a:b"), "alice"),
        (None, "a:b"),
        (None, " alice"),
        (Some("ACME"), "\u{7}bell"),
    ] {
        assert!(
            matches!(
                KeyUri::totp(&totp, issuer, account),
                Err(Error::UriLabel { .. })
            ),
            "{issuer:?} {account:?}"
        );
    }
    let long = "a".repeat(257);
    assert!(matches!(
        KeyUri::totp(&totp, None, &long),
        Err(Error::UriLabel { .. })
    ));
    assert_eq!(
        KeyUri::totp(&totp.clone().with_t0(UnixTime(5)), None, "alice"),
        Err(Error::UriT0 { t0: UnixTime(5) })
    );
}

fn check(text: &str, expected: &Error) {
    assert_eq!(parse(text).as_ref(), Err(expected), "{text}");
}

fn syntax(reason: &'static str) -> Error {
    Error::UriSyntax { reason }
}

fn label(reason: &'static str) -> Error {
    Error::UriLabel { reason }
}

fn param(name: &'static str, reason: &'static str) -> Error {
    Error::UriParam { name, reason }
}

#[test]
fn rejects_the_envelope() {
    let too_long = uri(&"&x=y".repeat(MAX_URI_LEN / 4));
    check(
        &too_long,
        &Error::UriTooLong {
            len: too_long.len(),
            max: MAX_URI_LEN,
        },
    );
    check(&format!("http://totp/a?secret={SECRET}"), &Error::UriScheme);
    check(
        &format!("otpauth:/totp/a?secret={SECRET}"),
        &Error::UriScheme,
    );
    check("otpauth", &Error::UriScheme);
    for kind in ["motp", "steam", "", "totp2", "yubikey"] {
        check(
            &format!("otpauth://{kind}/a?secret={SECRET}"),
            &Error::UriType {
                found: kind.to_owned(),
            },
        );
    }
    check(
        &format!("otpauth://totp?secret={SECRET}"),
        &syntax("no label"),
    );
    check(&uri("#frag"), &syntax("a key uri has no fragment"));
    let raw = syntax("character that must be percent-encoded");
    check(&format!("otpauth://totp/ACME Co:a?secret={SECRET}"), &raw);
    check(&format!("otpauth://totp/Café?secret={SECRET}"), &raw);
    check(&uri("&issuer=\"ACME\""), &raw);
    check(&uri("\n"), &raw);
    let escape = syntax("malformed percent escape");
    check(&format!("otpauth://totp/a%4?secret={SECRET}"), &escape);
    check(&format!("otpauth://totp/a%ZZb?secret={SECRET}"), &escape);
    check(&uri("&issuer=%"), &escape);
    check(
        &format!("otpauth://totp/a%FF?secret={SECRET}"),
        &syntax("percent-decoded text is not utf-8"),
    );
}

#[test]
fn rejects_bad_labels() {
    let totp = |label: &str| format!("otpauth://totp/{label}?secret={SECRET}");
    check(&totp("a:b:c"), &label("more than one ':'"));
    check(&totp("a%3Ab:c"), &label("more than one ':'"));
    check(&totp("ACME:"), &label("empty account name"));
    check(&totp("ACME:%20%20"), &label("empty account name"));
    check(&totp(""), &label("empty account name"));
    check(&totp(":alice"), &label("empty issuer prefix"));
    check(&totp("ACME/alice"), &label("label contains '/'"));
    check(&totp("al%0Aice"), &label("control character"));
    check(
        &totp("%20alice"),
        &label("account name starts with a space"),
    );
    check(
        &totp(&"a".repeat(257)),
        &label("issuer or account name too long"),
    );
}

#[test]
fn rejects_bad_parameters() {
    check(&uri("&digits"), &syntax("parameter without '='"));
    check(&uri("&"), &syntax("parameter without '='"));
    check(
        &uri(&format!("&secret={SECRET}")),
        &Error::UriDuplicateParam {
            name: "secret".to_owned(),
        },
    );
    check(
        &uri("&image=a&image=b"),
        &Error::UriDuplicateParam {
            name: "image".to_owned(),
        },
    );
    check(
        "otpauth://totp/a",
        &Error::UriMissingParam { name: "secret" },
    );
    check(
        "otpauth://totp/a?issuer=ACME",
        &Error::UriMissingParam { name: "secret" },
    );
    check(
        "otpauth://totp/a?secret=",
        &Error::SecretTooShort { min: 16, found: 0 },
    );
    check(
        "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP",
        &Error::SecretTooShort { min: 16, found: 10 },
    );
    for bad in [
        "GEZDGNBVGY3TQOJ1",
        "GEZDGNBV GY3TQOJQ",
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQG",
    ] {
        assert!(
            matches!(
                parse(&format!(
                    "otpauth://totp/a?secret={}",
                    bad.replace(' ', "%20")
                )),
                Err(Error::Base32 { .. })
            ),
            "{bad}"
        );
    }
    for algorithm in ["MD5", "SHA384", "SHA-1", ""] {
        check(
            &uri(&format!("&algorithm={algorithm}")),
            &param("algorithm", "not SHA1, SHA256 or SHA512"),
        );
    }
    for digits in ["5", "9", "10", "0", "", "+6", "six", "256", "-6"] {
        check(
            &uri(&format!("&digits={digits}")),
            &param("digits", "not 6, 7 or 8"),
        );
    }
    for period in ["0", "3601", "-30", "30s", "", "99999999999999999999"] {
        check(
            &uri(&format!("&period={period}")),
            &param("period", "not a number of seconds in the accepted range"),
        );
    }
    check(&uri("&counter=1"), &param("counter", "not allowed on totp"));
    let hotp = |rest: &str| format!("otpauth://hotp/a?secret={SECRET}{rest}");
    check(&hotp(""), &Error::UriMissingParam { name: "counter" });
    check(
        &hotp("&counter=1&period=30"),
        &param("period", "not allowed on hotp"),
    );
    for counter in ["18446744073709551616", "-1", "", "0x10"] {
        check(
            &hotp(&format!("&counter={counter}")),
            &param("counter", "not an unsigned 64-bit number"),
        );
    }
}

#[test]
fn rejects_issuer_mismatch() {
    for (label_issuer, param_issuer) in [("ACME", "Evil"), ("ACME", "acme"), ("ACME", "ACME ")] {
        check(
            &format!(
                "otpauth://totp/{label_issuer}:alice?secret={SECRET}&issuer={}",
                param_issuer.replace(' ', "%20")
            ),
            &Error::IssuerMismatch {
                label: label_issuer.to_owned(),
                param: param_issuer.to_owned(),
            },
        );
    }
    let bad_issuer = param(
        "issuer",
        "empty, too long, or holds ':' or a control character",
    );
    check(
        &format!("otpauth://totp/alice?secret={SECRET}&issuer=a%3Ab"),
        &bad_issuer,
    );
    check(
        &format!("otpauth://totp/alice?secret={SECRET}&issuer="),
        &bad_issuer,
    );
}

fn label_part() -> impl Strategy<Value = String> {
    "[^:\\p{Cc}]{1,24}".prop_filter("no leading space", |s| !s.starts_with(' '))
}

proptest! {
    #[test]
    fn any_valid_key_round_trips(
        issuer in prop::option::of(label_part()),
        account in label_part(),
        secret in prop::collection::vec(any::<u8>(), 16..40),
        algorithm in prop::sample::select(vec![Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512]),
        digits in 6u8..=8,
        period in 1u64..=3600,
        counter in prop::option::of(any::<u64>()),
    ) {
        let secret = Secret::new(&secret).expect("16 bytes or more");
        let digits = Digits::new(digits).expect("6 to 8");
        let key = match counter {
            Some(counter) => KeyUri::hotp(&Hotp::new(secret, algorithm, digits), counter, issuer.as_deref(), &account),
            None => KeyUri::totp(
                &Totp::new(secret).with_algorithm(algorithm).with_digits(digits).with_step(period).expect("in range"),
                issuer.as_deref(),
                &account,
            ),
        };
        let key = key.expect("valid label");
        let text = key.to_uri();
        prop_assert!(text.len() < MAX_URI_LEN);
        prop_assert_eq!(parse(&text), Ok(key));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "otpauth://[a-z]{0,5}/[ -~]{0,40}") {
        let _ = parse(&text);
    }
}
