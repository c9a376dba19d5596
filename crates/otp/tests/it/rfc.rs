//! The published vectors: RFC 4226 Appendix D (HOTP) and RFC 6238 Appendix B (TOTP), read from
//! `../shared/vectors/rfc/`, and the same tables inlined so they run on a fresh clone too.

use watchword_otp::{Algorithm, Digits, Hotp, Secret, Totp, UnixTime, Window};

use crate::support::{load_vectors, text};

/// RFC 4226 Appendix D: secret `12345678901234567890`, SHA-1, 6 digits, counters 0–9.
const RFC4226_HOTP: [&str; 10] = [
    "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
    "520489",
];

/// RFC 6238 Appendix B: (time, SHA-1, SHA-256, SHA-512), 8 digits, X = 30, T0 = 0.
const RFC6238_TOTP: [(u64, &str, &str, &str); 6] = [
    (59, "94287082", "46119246", "90693936"),
    (1_111_111_109, "07081804", "68084774", "25091201"),
    (1_111_111_111, "14050471", "67062674", "99943326"),
    (1_234_567_890, "89005924", "91819424", "93441116"),
    (2_000_000_000, "69279037", "90698825", "38618901"),
    (20_000_000_000, "65353130", "77737706", "47863826"),
];

fn rfc6238_secret(algorithm: Algorithm) -> Secret {
    // RFC 6238 Appendix A's reference code uses a seed of the hash's output length.
    let seed: &[u8] = match algorithm {
        Algorithm::Sha1 => b"12345678901234567890",
        Algorithm::Sha256 => b"12345678901234567890123456789012",
        _ => b"1234567890123456789012345678901234567890123456789012345678901234",
    };
    Secret::new(seed).expect("rfc seed is long enough")
}

fn rfc6238(algorithm: Algorithm) -> Totp {
    Totp::new(rfc6238_secret(algorithm))
        .with_algorithm(algorithm)
        .with_digits(Digits::EIGHT)
        .with_window(Window::CURRENT)
}

fn check_totp(algorithm: Algorithm, time: u64, expected: &str, step_hex: Option<&str>) {
    let totp = rfc6238(algorithm);
    let step = totp.step_at(UnixTime(time)).expect("after t0");
    if let Some(step_hex) = step_hex {
        assert_eq!(format!("{step:016X}"), step_hex, "T at {time}");
    }
    assert_eq!(
        totp.generate(UnixTime(time)).expect("after t0"),
        expected,
        "{algorithm} at {time}"
    );
    let verified = totp
        .verify(expected, UnixTime(time))
        .expect("vector verifies");
    assert_eq!(verified.step, step);
    assert_eq!(verified.current_step, step);
}

#[test]
fn rfc4226_appendix_d_inline() {
    let hotp = Hotp::new(crate::support::rfc_secret(), Algorithm::Sha1, Digits::SIX);
    for (counter, expected) in (0u64..).zip(RFC4226_HOTP) {
        assert_eq!(hotp.generate(counter), expected, "counter {counter}");
        assert_eq!(hotp.verify(expected, counter, 0), Ok(counter));
    }
}

#[test]
fn rfc6238_appendix_b_inline() {
    for (time, sha1, sha256, sha512) in RFC6238_TOTP {
        check_totp(Algorithm::Sha1, time, sha1, None);
        check_totp(Algorithm::Sha256, time, sha256, None);
        check_totp(Algorithm::Sha512, time, sha512, None);
    }
}

#[test]
fn rfc4226_appendix_d_published() {
    let Some(vectors) = load_vectors("rfc/rfc4226_hotp.json") else {
        return;
    };
    let secret = Secret::new(text(&vectors, "secret_ascii").as_bytes()).expect("20 bytes");
    let digits = u8::try_from(vectors["digits"].as_u64().expect("digits")).expect("small");
    let hotp = Hotp::new(secret, Algorithm::Sha1, Digits::new(digits).expect("6"));
    let values = vectors["values"].as_array().expect("values");
    assert_eq!(values.len(), 10);
    for value in values {
        let counter = value["counter"].as_u64().expect("counter");
        let expected = text(value, "hotp");
        assert_eq!(hotp.generate(counter), expected, "counter {counter}");
        // From the counter before, the look-ahead window finds it.
        let from = counter.saturating_sub(1);
        assert_eq!(hotp.verify(expected, from, 1), Ok(counter));
    }
}

#[test]
fn rfc6238_appendix_b_published() {
    let Some(vectors) = load_vectors("rfc/rfc6238_totp.json") else {
        return;
    };
    assert_eq!(vectors["step_seconds"], 30);
    assert_eq!(vectors["t0"], 0);
    assert_eq!(vectors["digits"], 8);
    for (mode, algorithm) in [
        ("SHA1", Algorithm::Sha1),
        ("SHA256", Algorithm::Sha256),
        ("SHA512", Algorithm::Sha512),
    ] {
        let seed = text(&vectors["secrets_ascii"], mode);
        assert_eq!(rfc6238_secret(algorithm).as_bytes(), seed.as_bytes());
    }
    let values = vectors["values"].as_array().expect("values");
    assert_eq!(values.len(), 18);
    for value in values {
        let algorithm = Algorithm::from_name(text(value, "mode")).expect("known mode");
        let time = value["unix_time"].as_u64().expect("time");
        check_totp(
            algorithm,
            time,
            text(value, "totp"),
            Some(text(value, "T_hex")),
        );
    }
}
