//! The harness shared by the `otp_pairing` fuzz target and the seed-corpus replay test. Not
//! part of the stable API.
//!
//! [`run`] reads the input twice: as a script of pairing operations ([`pairing`]) and as text
//! for the key-URI and base32 parsers ([`key_uri`]).
//!
//! # Script format
//!
//! Byte 0 configures the pairing: `max_attempts = (b & 0x0f) % 10 + 1`, response digits
//! `6 + ((b >> 4) & 3) % 3`, bit `0x40` numeric 6-digit client codes (else 8 unambiguous
//! symbols), bit `0x80` a 30-second lifetime (else 300). A pairing starts at once; then each
//! byte `op % 10` is one operation, some followed by argument bytes (missing bytes read as 0):
//!
//! | op | operation |
//! |---|---|
//! | 0 | `init` again (a new pairing replaces the old) |
//! | 1 `u` | portal: the right client code, user `u % 3` |
//! | 2 `u` | portal: a wrong client code, user `u % 3` |
//! | 3 | complete: right transaction id, the issued response code (or zeros before any) |
//! | 4 `d…` | complete: right transaction id, one digit `d % 10` per response digit |
//! | 5 | complete: a wrong transaction id, the issued response code |
//! | 6 `t` | time passes: `t` seconds if `t < 128`, else `(t - 127) * 30` |
//! | 7 | time jumps to the expiry instant |
//! | 8 | time jumps to one second before the expiry instant |
//! | 9 `u` | portal: the right client code in lower case with spaces around, user `u % 3` |

use rand_core::{CryptoRng, RngCore};
use sha2::{Digest as _, Sha256};

use crate::code::Alphabet;
use crate::pairing::{Completion, Init, Pairing, PairingConfig, ResponseCode, Unrecoverable};
use crate::{base32, Digits, Error, KeyUri, UnixTime};

/// The time the harness starts at.
pub const START: u64 = 1_700_000_000;

const USERS: [&str; 3] = ["alice", "bob", "carol"];

/// A deterministic RNG (SHA-256 in counter mode over a fixed label), so that a fuzz input
/// always replays the same way. Only for the harness and tests.
#[derive(Debug, Default)]
pub struct DeterministicRng {
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl DeterministicRng {
    /// Starts the stream for `seed`.
    pub fn new(seed: u64) -> Self {
        DeterministicRng {
            counter: seed.wrapping_mul(1 << 32),
            block: [0; 32],
            used: 32,
        }
    }
}

impl RngCore for DeterministicRng {
    fn next_u32(&mut self) -> u32 {
        let mut bytes = [0; 4];
        self.fill_bytes(&mut bytes);
        u32::from_le_bytes(bytes)
    }

    fn next_u64(&mut self) -> u64 {
        let mut bytes = [0; 8];
        self.fill_bytes(&mut bytes);
        u64::from_le_bytes(bytes)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for byte in dest {
            if self.used == self.block.len() {
                self.block = Sha256::new()
                    .chain_update(b"watchword-otp fuzzing rng")
                    .chain_update(self.counter.to_le_bytes())
                    .finalize()
                    .into();
                self.counter = self.counter.wrapping_add(1);
                self.used = 0;
            }
            *byte = self.block[self.used];
            self.used += 1;
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for DeterministicRng {}

/// What a script did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Number of status-2000 completions, over all pairings of the script.
    pub successes: usize,
    /// The status of every `complete`, in order.
    pub statuses: Vec<u16>,
    /// Response codes the portal handed out (first entries and repeats).
    pub portal_codes: usize,
    /// Portal entries refused.
    pub portal_errors: usize,
    /// Pairings that ended burned.
    pub burned: usize,
}

/// Stores a state and reads it back, the way a server does between two requests (the fuzz
/// target and the replay test pass a `serde_json` round trip; the crate itself has no JSON
/// dependency).
pub type Reload = fn(&Pairing) -> Pairing;

/// Runs both halves of the harness on `data`.
pub fn run(data: &[u8], reload: Reload) -> Report {
    let _ = key_uri(data);
    pairing(data, reload)
}

/// What the model knows about the pairing under test.
#[derive(Debug)]
struct Model {
    init: Init,
    max_attempts: u8,
    digits: Digits,
    alphabet: Alphabet,
    expires_at: u64,
    issued: Option<(usize, ResponseCode)>,
    wrong_attempts: u8,
    succeeded: bool,
    terminal: bool,
}

struct Bytes<'a>(core::slice::Iter<'a, u8>);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        self.0.next().copied().unwrap_or(0)
    }
}

/// Drives pairings through the script in `data` and checks the invariants: at most one 2000
/// per pairing, 2000 only with the right transaction id and the response code the portal
/// issued to the user it reports, never at or after expiry; wrong response codes never more
/// than the limit; a terminal pairing stays terminal; an input that is not the pairing's
/// changes nothing; the `changed` flag is truthful; every state survives `reload` unchanged.
///
/// # Panics
///
/// When an invariant breaks.
pub fn pairing(data: &[u8], reload: Reload) -> Report {
    let mut bytes = Bytes(data.iter());
    let setup = bytes.next();
    let alphabet = if setup & 0x40 == 0 {
        Alphabet::Unambiguous
    } else {
        Alphabet::Numeric
    };
    let config = PairingConfig::new()
        .with_max_attempts((setup & 0x0f) % 10 + 1)
        .and_then(|config| config.with_lifetime_secs(if setup & 0x80 == 0 { 300 } else { 30 }))
        .and_then(|config| config.with_client_code(alphabet, if setup & 0x40 == 0 { 8 } else { 6 }))
        .expect("valid harness config")
        .with_response_digits(Digits::new(6 + ((setup >> 4) & 3) % 3).expect("6 to 8"));
    let mut rng = DeterministicRng::new(u64::from(setup));
    let mut now = START;
    let mut report = Report::default();
    let mut model = start(&config, &mut rng, now);
    let mut state = model.init.state.clone();

    while let Some(&op) = bytes.0.next() {
        match op % 10 {
            0 => {
                report.burned += usize::from(matches!(state, Pairing::Burned(_)));
                model = start(&config, &mut rng, now);
                state = model.init.state.clone();
            }
            1 | 2 | 9 => {
                let user = usize::from(bytes.next()) % USERS.len();
                let right = model.init.client_code.as_str();
                let typed = match op % 10 {
                    1 => right.to_owned(),
                    2 => wrong_client_code(right, model.alphabet),
                    _ => format!("  {} ", right.to_ascii_lowercase()),
                };
                state = portal(&mut model, &mut report, state, &typed, user, now, &mut rng);
            }
            3..=5 => {
                let code = match (op % 10, &model.issued) {
                    (3 | 5, Some((_, code))) => code.as_str().to_owned(),
                    (3 | 5, None) => "0".repeat(model.digits.len()),
                    _ => (0..model.digits.len())
                        .map(|_| char::from(b'0' + bytes.next() % 10))
                        .collect(),
                };
                let right_id = op % 10 != 5;
                state = complete(&mut model, &mut report, state, right_id, &code, now);
            }
            6 => {
                let t = u64::from(bytes.next());
                now += if t < 128 { t } else { (t - 127) * 30 };
            }
            7 => now = model.expires_at,
            _ => now = model.expires_at - 1,
        }
        let reloaded = reload(&state);
        assert_eq!(reloaded, state, "the state does not survive storage");
        state = reloaded;
    }
    report.burned += usize::from(matches!(state, Pairing::Burned(_)));
    report
}

fn start(config: &PairingConfig, rng: &mut DeterministicRng, now: u64) -> Model {
    let init = Pairing::init(config, rng, UnixTime(now));
    assert_eq!(init.state.expires_at().0, now + config.lifetime_secs());
    assert_eq!(init.state.transaction_key(), init.transaction_id.key());
    assert_eq!(
        init.state.client_code_key(),
        Some(config.client_code_key(init.client_code.as_str()))
    );
    assert!(config
        .client_code_alphabet()
        .contains_all(init.client_code.as_str()));
    Model {
        max_attempts: config.max_attempts(),
        digits: config.response_digits(),
        alphabet: config.client_code_alphabet(),
        expires_at: init.state.expires_at().0,
        init,
        issued: None,
        wrong_attempts: 0,
        succeeded: false,
        terminal: false,
    }
}

/// A different code of the same alphabet and length.
fn wrong_client_code(right: &str, alphabet: Alphabet) -> String {
    let symbols = alphabet.symbols();
    let mut wrong = right.as_bytes().to_vec();
    let position = symbols
        .iter()
        .position(|s| *s == wrong[0])
        .expect("code symbol");
    wrong[0] = symbols[(position + 1) % symbols.len()];
    String::from_utf8(wrong).expect("ascii")
}

fn portal(
    model: &mut Model,
    report: &mut Report,
    state: Pairing,
    typed: &str,
    user: usize,
    now: u64,
    rng: &mut DeterministicRng,
) -> Pairing {
    let before = state.clone();
    let transition = state.enter_on_portal(typed, USERS[user], rng, UnixTime(now));
    assert_eq!(
        transition.changed,
        transition.state != before,
        "changed flag is wrong"
    );
    let right_code = model.alphabet.normalize(typed).as_str() == model.init.client_code.as_str();
    match transition.outcome {
        Ok(code) => {
            report.portal_codes += 1;
            assert!(!model.terminal, "a terminal pairing issued a response code");
            assert!(right_code, "a wrong client code was accepted");
            assert!(now < model.expires_at, "an expired pairing issued a code");
            assert!(model.digits.len() == code.as_str().len());
            match &model.issued {
                Some((owner, issued)) => {
                    assert_eq!(*owner, user, "a second user got a response code");
                    assert_eq!(issued, &code, "a repeated entry got a different code");
                    assert!(!transition.changed);
                }
                None => model.issued = Some((user, code)),
            }
        }
        Err(error) => {
            report.portal_errors += 1;
            match error {
                Error::ClientCodeMismatch => {
                    assert!(!right_code, "the right client code was refused");
                    assert!(!transition.changed, "a wrong client code changed the state");
                }
                Error::ClientCodeClaimed => {
                    let (owner, _) = model.issued.as_ref().expect("claimed before issued");
                    assert_ne!(*owner, user, "the owner was refused as a second user");
                    model.terminal = true;
                }
                Error::PairingExpired => {
                    assert!(now >= model.expires_at, "refused as expired too early");
                    model.terminal = true;
                }
                Error::PairingCompleted => assert!(model.succeeded),
                Error::PairingBurned { .. } => assert!(model.terminal && !model.succeeded),
                other => panic!("unexpected portal error {other:?}"),
            }
        }
    }
    if model.terminal {
        assert!(transition.state.is_terminal(), "a burned pairing came back");
    }
    transition.state
}

fn complete(
    model: &mut Model,
    report: &mut Report,
    state: Pairing,
    right_id: bool,
    code: &str,
    now: u64,
) -> Pairing {
    let before = state.clone();
    let id = if right_id {
        model.init.transaction_id.as_str().to_owned()
    } else {
        format!("{}x", model.init.transaction_id.as_str())
    };
    let transition = state.complete(&id, code, UnixTime(now));
    assert_eq!(
        transition.changed,
        transition.state != before,
        "changed flag is wrong"
    );
    report.statuses.push(transition.outcome.status().code());
    if !right_id {
        assert!(
            !transition.changed,
            "a wrong transaction id changed the state"
        );
        assert!(matches!(transition.outcome, Completion::Unrecoverable(_)));
    }
    match &transition.outcome {
        Completion::Paired { user } => {
            report.successes += 1;
            assert!(!model.succeeded, "a second success");
            assert!(!model.terminal, "success after the pairing ended");
            assert!(right_id);
            assert!(now < model.expires_at, "success at or after expiry");
            let (owner, issued) = model.issued.as_ref().expect("success before the portal");
            assert_eq!(issued.as_str(), code, "success without the issued code");
            assert_eq!(user, USERS[*owner], "paired with the wrong user");
            model.succeeded = true;
            model.terminal = true;
        }
        Completion::WrongResponseCode { attempts_left } => {
            model.wrong_attempts += 1;
            assert!(model.wrong_attempts < model.max_attempts);
            assert_eq!(*attempts_left, model.max_attempts - model.wrong_attempts);
            let (_, issued) = model.issued.as_ref().expect("4001 before the portal");
            assert_ne!(issued.as_str(), code, "the issued code was refused");
        }
        Completion::NotEnteredOnPortal => {
            assert!(model.issued.is_none() && !model.terminal);
            assert!(!transition.changed, "4002 changed the state");
        }
        Completion::Unrecoverable(reason) => {
            if right_id && !model.terminal {
                match reason {
                    Unrecoverable::TooManyAttempts => {
                        model.wrong_attempts += 1;
                        assert_eq!(model.wrong_attempts, model.max_attempts);
                    }
                    Unrecoverable::Expired => assert!(now >= model.expires_at),
                    other => panic!("live pairing refused as {other:?}"),
                }
                model.terminal = true;
            }
        }
    }
    assert!(model.wrong_attempts <= model.max_attempts);
    if model.terminal {
        assert!(
            transition.state.is_terminal(),
            "a finished pairing came back"
        );
    }
    transition.state
}

/// Parses `data` as a key URI and as base32, checking that whatever parses writes back to an
/// equal value, and base32 to its canonical spelling. Returns whether the URI parsed.
///
/// # Panics
///
/// When a round trip breaks.
pub fn key_uri(data: &[u8]) -> bool {
    let Ok(text) = core::str::from_utf8(data) else {
        return false;
    };
    if let Ok(bytes) = base32::decode(text) {
        let canonical = text.trim_end_matches('=').to_ascii_uppercase();
        assert_eq!(base32::encode(&bytes), canonical, "base32 is not canonical");
    }
    let Ok(uri) = KeyUri::parse(text) else {
        return false;
    };
    let written = uri.to_uri();
    let again = KeyUri::parse(&written).expect("a written uri parses");
    assert_eq!(again, uri, "key uri does not round-trip");
    assert_eq!(again.to_uri(), written, "key uri writing is not stable");
    true
}
