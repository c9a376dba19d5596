//! HOTP and TOTP parameters, windows, replay refusal and every rejection rule.

use watchword_otp::{
    Algorithm, Digits, Error, Hotp, Secret, Totp, UnixTime, Verified, Window, MAX_SECRET_LEN,
    MAX_STEP_SECS, MAX_WINDOW, MIN_SECRET_LEN,
};

use crate::support::{rfc_secret, TestRng};

fn totp() -> Totp {
    Totp::new(rfc_secret())
}

#[test]
fn digits_other_than_six_to_eight_are_refused() {
    for digits in [0u8, 1, 5, 9, 10, 255] {
        assert_eq!(Digits::new(digits), Err(Error::Digits { found: digits }));
        assert!(Digits::try_from(digits).is_err());
    }
    for digits in 6u8..=8 {
        assert_eq!(Digits::new(digits).map(Digits::get), Ok(digits));
    }
    assert_eq!(Digits::default(), Digits::SIX);
}

#[test]
fn secret_length_is_enforced() {
    assert_eq!(
        Secret::new(&[1; MIN_SECRET_LEN - 1]).map(|_| ()),
        Err(Error::SecretTooShort { min: 16, found: 15 })
    );
    assert!(Secret::new(&[1; MIN_SECRET_LEN]).is_ok());
    assert!(Secret::new(&[1; MAX_SECRET_LEN]).is_ok());
    assert_eq!(
        Secret::new(&[1; MAX_SECRET_LEN + 1]).map(|_| ()),
        Err(Error::SecretTooLong {
            max: 256,
            found: 257
        })
    );
    // 80-bit secrets, common in the wild, are below RFC 4226's minimum.
    assert!(matches!(
        Secret::from_base32("JBSWY3DPEHPK3PXP"),
        Err(Error::SecretTooShort { found: 10, .. })
    ));
}

#[test]
fn generated_secrets_are_160_bits_and_never_printed() {
    let secret = Secret::generate(&mut TestRng::new(1));
    assert_eq!(secret.as_bytes().len(), 20);
    assert_ne!(secret, Secret::generate(&mut TestRng::new(2)));
    let debug = format!("{secret:?}");
    assert!(debug.contains("redacted"), "{debug}");
    assert!(!debug.contains(&secret.to_base32()[..8]), "{debug}");
    assert_eq!(
        Secret::from_base32(&secret.to_base32()).expect("round trip"),
        secret
    );
    assert_eq!(
        Secret::from_base32(&secret.to_base32().to_ascii_lowercase()).expect("any case"),
        secret
    );
}

#[test]
fn algorithm_names() {
    for (name, algorithm) in [
        ("SHA1", Algorithm::Sha1),
        ("sha256", Algorithm::Sha256),
        ("Sha512", Algorithm::Sha512),
    ] {
        assert_eq!(Algorithm::from_name(name), Some(algorithm));
        assert!(algorithm.name().eq_ignore_ascii_case(name));
        assert_eq!(algorithm.to_string(), algorithm.name());
    }
    for name in ["SHA-1", "MD5", "SHA384", "", "SHA1 "] {
        assert_eq!(Algorithm::from_name(name), None, "{name:?}");
    }
}

#[test]
fn window_and_step_limits() {
    assert!(Window::new(MAX_WINDOW, MAX_WINDOW).is_ok());
    assert_eq!(
        Window::new(MAX_WINDOW + 1, 0),
        Err(Error::Window { found: 11, max: 10 })
    );
    assert_eq!(
        Window::new(0, 200),
        Err(Error::Window {
            found: 200,
            max: 10
        })
    );
    let default = Window::default();
    assert_eq!((default.before(), default.after()), (1, 1));
    for step in [0, MAX_STEP_SECS + 1] {
        assert_eq!(
            totp().with_step(step).map(|_| ()),
            Err(Error::TimeStep {
                found: step,
                max: 3600
            })
        );
    }
    assert_eq!(totp().with_step(60).map(|t| t.step_secs()), Ok(60));
}

#[test]
fn defaults_are_rfc_6238() {
    let totp = totp();
    assert_eq!(totp.algorithm(), Algorithm::Sha1);
    assert_eq!(totp.digits(), Digits::SIX);
    assert_eq!(totp.step_secs(), 30);
    assert_eq!(totp.t0(), UnixTime(0));
    assert_eq!(totp.window(), Window::default());
}

#[test]
fn step_boundaries() {
    let totp = totp();
    assert_eq!(totp.step_at(UnixTime(0)), Ok(0));
    assert_eq!(totp.step_at(UnixTime(29)), Ok(0));
    assert_eq!(totp.step_at(UnixTime(30)), Ok(1));
    assert_eq!(totp.step_at(UnixTime(59)), Ok(1));
    assert_eq!(totp.step_at(UnixTime(60)), Ok(2));
    assert_eq!(totp.generate(UnixTime(59)), Ok(totp.generate_step(1)));
    assert_eq!(totp.generate(UnixTime(30)), Ok(totp.generate_step(1)));
    let shifted = totp.clone().with_t0(UnixTime(100));
    assert_eq!(shifted.step_at(UnixTime(100)), Ok(0));
    assert_eq!(shifted.step_at(UnixTime(130)), Ok(1));
    assert_eq!(
        shifted.step_at(UnixTime(99)),
        Err(Error::BeforeT0 {
            now: UnixTime(99),
            t0: UnixTime(100)
        })
    );
    assert_eq!(
        shifted.verify("123456", UnixTime(99)),
        Err(Error::BeforeT0 {
            now: UnixTime(99),
            t0: UnixTime(100)
        })
    );
}

#[test]
fn window_accepts_one_step_each_side_by_default() {
    let totp = totp();
    let now = 1_700_000_000;
    let current = totp.step_at(UnixTime(now)).expect("after t0");
    for (offset, accepted) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
        let step = current.checked_add_signed(offset).expect("no overflow");
        let code = totp.generate_step(step);
        let result = totp.verify(&code, UnixTime(now));
        if accepted {
            assert_eq!(
                result,
                Ok(Verified {
                    step,
                    current_step: current
                }),
                "offset {offset}"
            );
        } else {
            assert_eq!(result, Err(Error::WrongCode), "offset {offset}");
        }
    }
    let strict = totp.with_window(Window::CURRENT);
    assert_eq!(
        strict.verify(&strict.generate_step(current - 1), UnixTime(now)),
        Err(Error::WrongCode)
    );
    let asymmetric = strict.with_window(Window::new(3, 0).expect("small"));
    assert!(asymmetric
        .verify(&asymmetric.generate_step(current - 3), UnixTime(now))
        .is_ok());
    assert_eq!(
        asymmetric.verify(&asymmetric.generate_step(current + 1), UnixTime(now)),
        Err(Error::WrongCode)
    );
}

#[test]
fn window_at_the_edges_of_time_does_not_overflow() {
    let totp = totp().with_window(Window::new(MAX_WINDOW, MAX_WINDOW).expect("max"));
    let code = totp.generate_step(0);
    assert_eq!(totp.verify(&code, UnixTime(5)).map(|v| v.step), Ok(0));
    let far = totp.clone().with_step(1).expect("1 s");
    let code = far.generate_step(u64::MAX);
    assert_eq!(
        far.verify(&code, UnixTime(u64::MAX)).map(|v| v.step),
        Ok(u64::MAX)
    );
    let hotp = Hotp::new(rfc_secret(), Algorithm::Sha1, Digits::SIX);
    assert_eq!(
        hotp.verify(&hotp.generate(u64::MAX), u64::MAX - 1, MAX_WINDOW),
        Ok(u64::MAX)
    );
}

#[test]
fn reuse_of_a_step_is_refused() {
    let totp = totp();
    let now = 1_700_000_000;
    let code = totp.generate(UnixTime(now)).expect("after t0");
    let first = totp
        .verify_unused(&code, UnixTime(now), None)
        .expect("fresh");
    assert_eq!(
        totp.verify_unused(&code, UnixTime(now), Some(first.step)),
        Err(Error::ReusedStep {
            step: first.step,
            last_used: first.step
        })
    );
    // A later step used: the older code is refused as a replay too.
    assert_eq!(
        totp.verify_unused(&code, UnixTime(now), Some(first.step + 1)),
        Err(Error::ReusedStep {
            step: first.step,
            last_used: first.step + 1
        })
    );
    // The previous step used: this step's code is still fresh.
    assert_eq!(
        totp.verify_unused(&code, UnixTime(now), Some(first.step - 1)),
        Ok(first)
    );
    // The next step's code after this one was used.
    let next = totp.generate_step(first.step + 1);
    assert_eq!(
        totp.verify_unused(&next, UnixTime(now), Some(first.step))
            .map(|v| v.step),
        Ok(first.step + 1)
    );
    // A wrong code is wrong, whatever was used before.
    let wrong = if code == "000000" { "000001" } else { "000000" };
    assert_eq!(
        totp.verify_unused(wrong, UnixTime(now), Some(first.step)),
        Err(Error::WrongCode)
    );
}

#[test]
fn malformed_codes_are_refused_before_any_comparison() {
    let totp = totp();
    let now = 1_700_000_000;
    let code = totp.generate(UnixTime(now)).expect("after t0");
    let refused = Error::CodeFormat { expected: 6 };
    for bad in [
        String::new(),
        code[..5].to_owned(),
        format!("{code}0"),
        format!(" {code}"),
        format!("{code}\n"),
        format!("{}a", &code[..5]),
        "١٢٣٤٥٦".to_owned(),
        "+12345".to_owned(),
    ] {
        assert_eq!(
            totp.verify(&bad, UnixTime(now)),
            Err(refused.clone()),
            "{bad:?}"
        );
    }
    let eight_digits = totp.with_digits(Digits::EIGHT);
    assert_eq!(
        eight_digits.verify(&code, UnixTime(now)),
        Err(Error::CodeFormat { expected: 8 })
    );
}

#[test]
fn hotp_look_ahead_and_limits() {
    let hotp = Hotp::new(rfc_secret(), Algorithm::Sha1, Digits::SIX);
    // RFC 4226 Appendix D, counter 5.
    assert_eq!(hotp.verify("254676", 5, 0), Ok(5));
    assert_eq!(hotp.verify("254676", 2, 3), Ok(5));
    assert_eq!(hotp.verify("254676", 2, 2), Err(Error::WrongCode));
    assert_eq!(hotp.verify("254676", 6, 3), Err(Error::WrongCode));
    assert_eq!(
        hotp.verify("254676", 0, MAX_WINDOW + 1),
        Err(Error::Window { found: 11, max: 10 })
    );
    assert_eq!(
        hotp.verify("25467", 5, 0),
        Err(Error::CodeFormat { expected: 6 })
    );
    assert_eq!(hotp.secret(), &rfc_secret());
    assert_eq!(hotp.algorithm(), Algorithm::Sha1);
    assert_eq!(hotp.digits(), Digits::SIX);
}

#[test]
fn seven_and_eight_digits_keep_leading_zeros() {
    let secret = rfc_secret();
    for digits in [Digits::SEVEN, Digits::EIGHT] {
        let hotp = Hotp::new(secret.clone(), Algorithm::Sha256, digits);
        for counter in 0..200 {
            let code = hotp.generate(counter);
            assert_eq!(code.len(), usize::from(digits.get()));
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(hotp.verify(&code, counter, 0), Ok(counter));
        }
    }
}

#[test]
fn every_algorithm_works_with_the_minimum_secret() {
    let secret = Secret::new(&[0x42; MIN_SECRET_LEN]).expect("16 bytes");
    for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
        let totp = Totp::new(secret.clone()).with_algorithm(algorithm);
        let code = totp.generate(UnixTime(1_000)).expect("after t0");
        assert!(totp.verify(&code, UnixTime(1_000)).is_ok(), "{algorithm}");
    }
    let sha1 = Totp::new(secret.clone()).generate(UnixTime(1_000));
    let sha512 = Totp::new(secret)
        .with_algorithm(Algorithm::Sha512)
        .generate(UnixTime(1_000));
    assert_ne!(sha1, sha512, "the algorithm changes the code");
}
