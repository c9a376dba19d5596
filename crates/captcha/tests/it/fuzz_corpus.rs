//! Replays the committed seed corpora of the `captcha_pow` and `captcha_normalize` fuzz
//! targets through the same harness (`watchword_captcha::fuzzing`): no panic, and each named
//! seed does what its name says.
//!
//! The seeds are generated here; after changing the harness's input format, rewrite them with
//! `cargo test -p watchword-captcha --test it -- --ignored write_fuzz_seeds`.

use watchword_captcha::fuzzing::{self, KEY, SITE, START};
use watchword_captcha::{pow, PowChallenge, PowKey, UnixTime};

const POW: &str = "captcha_pow";
const NORMALIZE: &str = "captcha_normalize";

/// An arbitrary-mode input: mode 0, the solution, the token text.
fn arbitrary(solution: u64, token: &str) -> Vec<u8> {
    let mut data = vec![0];
    data.extend_from_slice(&solution.to_le_bytes());
    data.extend_from_slice(token.as_bytes());
    data
}

/// A token the harness key issued, with a solution, for `site` expiring at `expires_at`.
fn solved(site: &str, difficulty: u8, expires_at: UnixTime) -> (String, u64) {
    let key = PowKey::new(&KEY).expect("valid");
    let challenge = PowChallenge::from_parts(site, [9; 16], difficulty, expires_at).expect("valid");
    let solution = pow::solve(&challenge, 1 << 20).expect("solved");
    (key.issue(&challenge), solution)
}

/// Every `captcha_pow` seed: name, bytes, whether verification accepts.
fn pow_seeds() -> Vec<(&'static str, Vec<u8>, bool)> {
    let (good, solution) = solved(SITE, 6, START.plus(60));
    let (other_site, other_solution) = solved("other.example", 6, START.plus(60));
    let (expired, expired_solution) = solved(SITE, 6, START);
    let unsolved = (0..u64::MAX)
        .find(|s| {
            PowChallenge::from_parts(SITE, [9; 16], 6, START.plus(60))
                .expect("valid")
                .check_work(*s)
                .is_err()
        })
        .expect("some");
    vec![
        ("accept-issued-token", arbitrary(solution, &good), true),
        (
            "refuse-other-site",
            arbitrary(other_solution, &other_site),
            false,
        ),
        (
            "refuse-expired",
            arbitrary(expired_solution, &expired),
            false,
        ),
        (
            "refuse-insufficient-work",
            arbitrary(unsolved, &good),
            false,
        ),
        (
            "refuse-padded",
            arbitrary(solution, &format!("{good}=")),
            false,
        ),
        ("refuse-garbage", arbitrary(0, "not a token!"), false),
        ("issued-easy", vec![1, 0, 10, 3, 5], true),
        (
            "issued-eight-bits-tamper-mac",
            vec![1, 8, 200, 95, 0, 1, 2, 3],
            true,
        ),
    ]
}

/// Every `captcha_normalize` seed: name, text, its stripped normalisation.
fn normalize_seeds() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("ascii-case", "Hello WORLD", "hello world"),
        (
            "french-accents",
            "« Crème brûlée, s'il vous plaît ! »",
            "creme brulee sil vous plait",
        ),
        ("german-sharp-s", "STRAßE ẞ", "strasse ss"),
        ("decomposed-marks", "e\u{301}te\u{301}", "ete"),
        ("whitespace-runs", " \t a \u{a0}\u{3000} b \n", "a b"),
        ("dotted-capital-i", "İSTANBUL", "istanbul"),
        ("ligatures", "Æsop œuvre ĳ þorn", "aesop oeuvre ij thorn"),
        (
            "zero-width-and-controls",
            "a\u{200b}b\u{0}c\u{feff}",
            "ab c",
        ),
        ("greek-keeps-tonos", "Ἀθῆναι ΆΓΙΟΣ", "ἀθῆναι άγιοσ"),
    ]
}

#[test]
fn replay_pow_seed_corpus() {
    let seeds = pow_seeds();
    let mut checked = 0;
    for (name, data) in watchword_testkit::fuzz_seeds(POW) {
        let report = fuzzing::pow(&data);
        let Some((_, _, accepted)) = seeds.iter().find(|(seed, _, _)| *seed == name) else {
            continue;
        };
        assert_eq!(report.accepted, *accepted, "{name}: {report:?}");
        checked += 1;
    }
    assert_eq!(checked, seeds.len(), "every named seed is on disk");
}

#[test]
fn replay_normalize_seed_corpus() {
    let seeds = normalize_seeds();
    let mut checked = 0;
    for (name, data) in watchword_testkit::fuzz_seeds(NORMALIZE) {
        let stripped = fuzzing::normalize(&data);
        let Some((_, _, expect)) = seeds.iter().find(|(seed, _, _)| *seed == name) else {
            continue;
        };
        assert_eq!(stripped, *expect, "{name}");
        checked += 1;
    }
    assert_eq!(checked, seeds.len(), "every named seed is on disk");
}

fn all_seeds() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let mut all: Vec<_> = pow_seeds()
        .into_iter()
        .map(|(name, bytes, _)| (POW, name, bytes))
        .collect();
    all.extend(
        normalize_seeds()
            .into_iter()
            .map(|(name, text, _)| (NORMALIZE, name, text.as_bytes().to_vec())),
    );
    all
}

#[test]
fn seed_corpus_is_current() {
    for (target, name, bytes) in all_seeds() {
        let path = watchword_testkit::seed_dir(target).join(name);
        let on_disk = std::fs::read(&path).unwrap_or_default();
        assert_eq!(
            on_disk,
            bytes,
            "{} is stale: run the ignored write_fuzz_seeds test",
            path.display()
        );
    }
}

#[test]
#[ignore = "rewrites fuzz/seeds/captcha_pow and fuzz/seeds/captcha_normalize"]
fn write_fuzz_seeds() {
    for (target, name, bytes) in all_seeds() {
        let dir = watchword_testkit::seed_dir(target);
        std::fs::create_dir_all(&dir).expect("seed directory");
        std::fs::write(dir.join(name), bytes).expect("seed written");
    }
}
