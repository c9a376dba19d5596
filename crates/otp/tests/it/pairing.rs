//! The two-way pairing state machine: every transition, every forbidden transition, the
//! boundaries, and the stored form.

use serde_json::{json, Value};
use watchword_otp::pairing::{
    transaction_key, Init, ResponseCode, MAX_ATTEMPTS_LIMIT, MAX_CLIENT_CODE_LEN,
    MAX_LIFETIME_SECS, MIN_CLIENT_CODE_LEN, MIN_LIFETIME_SECS,
};
use watchword_otp::{
    Alphabet, Completion, Digits, Error, Pairing, PairingConfig, Status, UnixTime, Unrecoverable,
};

use crate::support::{reload, TestRng};

const NOW: u64 = 1_700_000_000;
const LIFETIME: u64 = 300;

fn start_with(config: &PairingConfig, seed: u64) -> (Init, TestRng) {
    let mut rng = TestRng::new(seed);
    let init = Pairing::init(config, &mut rng, UnixTime(NOW));
    (init, rng)
}

fn start() -> (Init, TestRng) {
    start_with(&PairingConfig::new(), 1)
}

/// A pairing whose client code `alice` entered at `NOW + 10`.
fn entered() -> (Init, Pairing, ResponseCode, TestRng) {
    let (init, mut rng) = start();
    let t = init.state.clone().enter_on_portal(
        init.client_code.as_str(),
        "alice",
        &mut rng,
        UnixTime(NOW + 10),
    );
    assert!(t.changed);
    let code = t.outcome.expect("first entry issues a code");
    (init, t.state, code, rng)
}

/// A well-formed code that is not `code`.
fn wrong(code: &ResponseCode) -> String {
    let digits: String = code
        .as_str()
        .bytes()
        .map(|b| char::from(b'0' + (b - b'0' + 1) % 10))
        .collect();
    assert_ne!(digits, code.as_str());
    digits
}

fn live(state: &Pairing) -> bool {
    !state.is_terminal()
}

#[test]
fn init_issues_a_transaction_id_and_a_client_code() {
    let (init, _) = start();
    let id = init.transaction_id.as_str();
    assert_eq!(id.len(), 43, "256 bits of unpadded base64url");
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(init.client_code.as_str().len(), 8);
    assert!(Alphabet::Unambiguous.contains_all(init.client_code.as_str()));
    let state = &init.state;
    assert!(matches!(state, Pairing::AwaitingPortal(_)));
    assert_eq!(state.expires_at(), UnixTime(NOW + LIFETIME));
    assert_eq!(state.attempts_left(), Some(5));
    assert_eq!(state.user(), None);
    assert!(live(state));
    assert_eq!(state.transaction_key(), init.transaction_id.key());
    assert_eq!(state.transaction_key(), transaction_key(id));
    assert_eq!(state.transaction_key().len(), 64);
    let config = PairingConfig::new();
    let lower = format!(" {} ", init.client_code.as_str().to_lowercase());
    assert_eq!(
        state.client_code_key(),
        Some(config.client_code_key(&lower))
    );

    let (other, _) = start_with(&PairingConfig::new(), 2);
    assert_ne!(other.transaction_id, init.transaction_id);
    assert_ne!(other.client_code.as_str(), init.client_code.as_str());
}

#[test]
fn secrets_are_not_stored_in_the_clear() {
    let (init, state, code, _) = entered();
    for stored in [&init.state, &state] {
        let json = serde_json::to_string(stored).expect("serializes");
        assert!(!json.contains(init.transaction_id.as_str()), "{json}");
        assert!(!json.contains(init.client_code.as_str()), "{json}");
    }
    for text in [
        format!("{:?}", init.transaction_id),
        format!("{:?}", init.client_code),
        format!("{code:?}"),
        format!("{state:?}"),
    ] {
        assert!(!text.contains(init.transaction_id.as_str()), "{text}");
        assert!(!text.contains(init.client_code.as_str()), "{text}");
    }
    assert!(!format!("{code:?}").contains(code.as_str()));
}

#[test]
fn portal_entry_issues_a_response_code() {
    let (init, state, code, _) = entered();
    assert_eq!(code.as_str().len(), 6);
    assert!(code.as_str().bytes().all(|b| b.is_ascii_digit()));
    assert!(matches!(state, Pairing::AwaitingResponse(_)));
    assert_eq!(state.user(), Some("alice"));
    assert_eq!(state.attempts_left(), Some(5));
    assert_eq!(
        state.expires_at(),
        UnixTime(NOW + LIFETIME),
        "the entry does not extend the lifetime"
    );
    assert_eq!(state.transaction_key(), init.transaction_id.key());
    assert_eq!(state.client_code_key(), init.state.client_code_key());
}

#[test]
fn portal_entry_normalizes_the_typed_client_code() {
    let (init, mut rng) = start();
    let typed = format!("  {}\t", init.client_code.as_str().to_lowercase());
    let t = init
        .state
        .enter_on_portal(&typed, "alice", &mut rng, UnixTime(NOW));
    assert!(t.outcome.is_ok());
}

#[test]
fn portal_entry_is_idempotent_for_the_same_user() {
    let (init, state, code, mut rng) = entered();
    let t = state.clone().enter_on_portal(
        init.client_code.as_str(),
        "alice",
        &mut rng,
        UnixTime(NOW + 20),
    );
    assert_eq!(t.outcome.as_ref(), Ok(&code));
    assert!(!t.changed);
    assert_eq!(t.state, state);
    // Also after a wrong attempt: the same code, attempts not reset.
    let after_wrong = state.complete(
        init.transaction_id.as_str(),
        &wrong(&code),
        UnixTime(NOW + 30),
    );
    let t = after_wrong.state.enter_on_portal(
        init.client_code.as_str(),
        "alice",
        &mut rng,
        UnixTime(NOW + 40),
    );
    assert_eq!(t.outcome, Ok(code));
    assert_eq!(t.state.attempts_left(), Some(4));
}

#[test]
fn a_second_user_burns_the_pairing() {
    let (init, state, code, mut rng) = entered();
    let t = state.enter_on_portal(
        init.client_code.as_str(),
        "mallory",
        &mut rng,
        UnixTime(NOW + 20),
    );
    assert_eq!(t.outcome, Err(Error::ClientCodeClaimed));
    assert!(t.changed);
    assert!(
        matches!(&t.state, Pairing::Burned(b) if b.reason() == Unrecoverable::ClientCodeConflict)
    );
    assert_eq!(t.state.client_code_key(), None);
    // The device, even with the right code, must start over.
    let done = t.state.clone().complete(
        init.transaction_id.as_str(),
        code.as_str(),
        UnixTime(NOW + 30),
    );
    assert_eq!(
        done.outcome,
        Completion::Unrecoverable(Unrecoverable::ClientCodeConflict)
    );
    assert_eq!(done.outcome.status().code(), 5000);
    assert!(!done.changed);
    // And the first user gets nothing more either.
    let again = t.state.enter_on_portal(
        init.client_code.as_str(),
        "alice",
        &mut rng,
        UnixTime(NOW + 40),
    );
    assert_eq!(
        again.outcome,
        Err(Error::PairingBurned {
            reason: Unrecoverable::ClientCodeConflict
        })
    );
    assert!(!again.changed);
}

#[test]
fn a_wrong_client_code_changes_nothing() {
    let (init, mut rng) = start();
    let (other, _) = start_with(&PairingConfig::new(), 9);
    let t = init.state.clone().enter_on_portal(
        other.client_code.as_str(),
        "alice",
        &mut rng,
        UnixTime(NOW),
    );
    assert_eq!(t.outcome, Err(Error::ClientCodeMismatch));
    assert!(!t.changed);
    assert_eq!(t.state, init.state);

    let (init, state, _, mut rng) = entered();
    for user in ["alice", "mallory"] {
        let t = state.clone().enter_on_portal(
            other.client_code.as_str(),
            user,
            &mut rng,
            UnixTime(NOW + 20),
        );
        assert_eq!(t.outcome, Err(Error::ClientCodeMismatch), "{user}");
        assert_eq!(t.state, state);
        // Even after expiry, a stranger's code does not touch the pairing.
        let t = state.clone().enter_on_portal(
            other.client_code.as_str(),
            user,
            &mut rng,
            UnixTime(NOW + LIFETIME + 1),
        );
        assert_eq!(t.outcome, Err(Error::ClientCodeMismatch), "{user}");
        assert_eq!(t.state, state);
    }
    assert!(live(&state));
    drop(init);
}

#[test]
fn invalid_user_identifiers_change_nothing() {
    let (init, mut rng) = start();
    let long = "u".repeat(257);
    for (user, reason) in [
        ("", "empty"),
        (long.as_str(), "longer than 256 bytes"),
        ("ali\nce", "control character"),
    ] {
        let t = init.state.clone().enter_on_portal(
            init.client_code.as_str(),
            user,
            &mut rng,
            UnixTime(NOW),
        );
        assert_eq!(t.outcome, Err(Error::InvalidUser { reason }));
        assert_eq!(t.state, init.state);
    }
    let ok = "u".repeat(256);
    let t = init
        .state
        .enter_on_portal(init.client_code.as_str(), &ok, &mut rng, UnixTime(NOW));
    assert!(t.outcome.is_ok());
}

#[test]
fn complete_before_the_portal_is_4002_and_uses_no_attempt() {
    let (init, mut rng) = start();
    let mut state = init.state.clone();
    for second in 0..20 {
        let t = state.complete(
            init.transaction_id.as_str(),
            "123456",
            UnixTime(NOW + second),
        );
        assert_eq!(t.outcome, Completion::NotEnteredOnPortal);
        assert_eq!(t.outcome.status().code(), 4002);
        assert!(!t.changed);
        state = t.state;
    }
    assert_eq!(state, init.state);
    assert_eq!(state.attempts_left(), Some(5));
    // The portal entry still works and all attempts remain.
    let t = state.enter_on_portal(
        init.client_code.as_str(),
        "alice",
        &mut rng,
        UnixTime(NOW + 30),
    );
    assert_eq!(t.state.attempts_left(), Some(5));
    let code = t.outcome.expect("issued");
    let done = t.state.complete(
        init.transaction_id.as_str(),
        code.as_str(),
        UnixTime(NOW + 40),
    );
    assert_eq!(done.outcome.status(), Status::Valid);
}

#[test]
fn the_right_response_code_completes() {
    let (init, state, code, _) = entered();
    let t = state.complete(
        init.transaction_id.as_str(),
        code.as_str(),
        UnixTime(NOW + 30),
    );
    assert_eq!(
        t.outcome,
        Completion::Paired {
            user: "alice".to_owned()
        }
    );
    assert_eq!(t.outcome.status(), Status::Valid);
    assert_eq!(t.outcome.status().code(), 2000);
    assert!(t.changed);
    let Pairing::Completed(completed) = &t.state else {
        panic!("not completed: {:?}", t.state);
    };
    assert_eq!(completed.user(), "alice");
    assert_eq!(completed.paired_at(), UnixTime(NOW + 30));
    assert_eq!(t.state.user(), Some("alice"));
    assert_eq!(t.state.attempts_left(), None);
    assert_eq!(t.state.client_code_key(), None);
    assert!(t.state.is_terminal());
}

#[test]
fn the_response_code_may_carry_surrounding_whitespace() {
    let (init, state, code, _) = entered();
    let typed = format!(" {}\n", code.as_str());
    let t = state.complete(init.transaction_id.as_str(), &typed, UnixTime(NOW + 30));
    assert_eq!(t.outcome.status(), Status::Valid);
}

#[test]
fn completion_is_single_use() {
    let (init, state, code, mut rng) = entered();
    let done = state.complete(
        init.transaction_id.as_str(),
        code.as_str(),
        UnixTime(NOW + 30),
    );
    let again = done.state.clone().complete(
        init.transaction_id.as_str(),
        code.as_str(),
        UnixTime(NOW + 31),
    );
    assert_eq!(
        again.outcome,
        Completion::Unrecoverable(Unrecoverable::AlreadyCompleted)
    );
    assert_eq!(again.outcome.status().code(), 5000);
    assert!(!again.changed);
    assert_eq!(again.state, done.state);
    let portal = done.state.enter_on_portal(
        init.client_code.as_str(),
        "alice",
        &mut rng,
        UnixTime(NOW + 32),
    );
    assert_eq!(portal.outcome, Err(Error::PairingCompleted));
    assert!(!portal.changed);
}

#[test]
fn wrong_response_codes_use_attempts_then_burn() {
    let (init, mut state, code, _) = entered();
    let wrong = wrong(&code);
    for attempts_left in (1..=4).rev() {
        let t = state.complete(init.transaction_id.as_str(), &wrong, UnixTime(NOW + 30));
        assert_eq!(t.outcome, Completion::WrongResponseCode { attempts_left });
        assert_eq!(t.outcome.status().code(), 4001);
        assert!(t.changed);
        assert_eq!(t.state.attempts_left(), Some(attempts_left));
        state = reload(&t.state);
    }
    // The fifth wrong code burns the pairing and says so at once.
    let t = state.complete(init.transaction_id.as_str(), &wrong, UnixTime(NOW + 30));
    assert_eq!(
        t.outcome,
        Completion::Unrecoverable(Unrecoverable::TooManyAttempts)
    );
    assert!(t.changed);
    assert!(matches!(&t.state, Pairing::Burned(b) if b.reason() == Unrecoverable::TooManyAttempts));
    // The right code afterwards is too late.
    let late = t.state.complete(
        init.transaction_id.as_str(),
        code.as_str(),
        UnixTime(NOW + 31),
    );
    assert_eq!(
        late.outcome,
        Completion::Unrecoverable(Unrecoverable::TooManyAttempts)
    );
    assert!(!late.changed);
}

#[test]
fn a_typo_then_the_right_code_completes() {
    let (init, state, code, _) = entered();
    let t = state.complete(
        init.transaction_id.as_str(),
        &wrong(&code),
        UnixTime(NOW + 30),
    );
    assert_eq!(
        t.outcome,
        Completion::WrongResponseCode { attempts_left: 4 }
    );
    let t = t.state.complete(
        init.transaction_id.as_str(),
        code.as_str(),
        UnixTime(NOW + 40),
    );
    assert_eq!(t.outcome.status(), Status::Valid);
}

#[test]
fn malformed_response_codes_use_an_attempt_too() {
    let (init, mut state, code, _) = entered();
    let truncated = &code.as_str()[..5];
    let extended = format!("{}0", code.as_str());
    for (typed, attempts_left) in [
        ("", 4),
        ("abcdef", 3),
        (truncated, 2),
        (extended.as_str(), 1),
    ] {
        let t = state.complete(init.transaction_id.as_str(), typed, UnixTime(NOW + 30));
        assert_eq!(
            t.outcome,
            Completion::WrongResponseCode { attempts_left },
            "{typed:?}"
        );
        state = t.state;
    }
}

#[test]
fn a_wrong_transaction_id_changes_nothing() {
    let (init, mut rng) = start();
    let (other, _) = start_with(&PairingConfig::new(), 5);
    let t = init
        .state
        .clone()
        .complete(other.transaction_id.as_str(), "123456", UnixTime(NOW));
    assert_eq!(t.outcome, Completion::transaction_gone());
    assert_eq!(t.outcome.status().code(), 5000);
    assert!(!t.changed);

    let t = init
        .state
        .enter_on_portal(init.client_code.as_str(), "alice", &mut rng, UnixTime(NOW));
    let code = t.outcome.expect("issued");
    let state = t.state;
    for id in [other.transaction_id.as_str(), "", "x"] {
        for now in [NOW + 10, NOW + LIFETIME + 10] {
            let t = state.clone().complete(id, code.as_str(), UnixTime(now));
            assert_eq!(
                t.outcome,
                Completion::Unrecoverable(Unrecoverable::UnknownTransaction)
            );
            assert_eq!(t.state, state, "no attempt used, not burned");
        }
    }
    assert_eq!(state.attempts_left(), Some(5));
}

#[test]
fn the_expiry_instant_is_already_expired() {
    let (init, state, code, _) = entered();
    let expires_at = state.expires_at();
    assert_eq!(expires_at, UnixTime(NOW + LIFETIME));
    // One second before: still live.
    let t = state.clone().complete(
        init.transaction_id.as_str(),
        code.as_str(),
        UnixTime(expires_at.0 - 1),
    );
    assert_eq!(t.outcome.status(), Status::Valid);
    // At the instant: expired, burned.
    let t = state
        .clone()
        .complete(init.transaction_id.as_str(), code.as_str(), expires_at);
    assert_eq!(t.outcome, Completion::Unrecoverable(Unrecoverable::Expired));
    assert!(t.changed);
    assert!(matches!(&t.state, Pairing::Burned(b) if b.reason() == Unrecoverable::Expired));
    // Later: still expired, nothing more to change.
    let later = t.state.complete(
        init.transaction_id.as_str(),
        code.as_str(),
        expires_at.plus(1000),
    );
    assert_eq!(
        later.outcome,
        Completion::Unrecoverable(Unrecoverable::Expired)
    );
    assert!(!later.changed);
    // A wrong code at the instant does not count as an attempt: it is simply expired.
    let t = state.complete(init.transaction_id.as_str(), &wrong(&code), expires_at);
    assert_eq!(t.outcome, Completion::Unrecoverable(Unrecoverable::Expired));
}

#[test]
fn complete_before_the_portal_after_expiry_is_5000() {
    let (init, _) = start();
    let t = init.state.complete(
        init.transaction_id.as_str(),
        "123456",
        UnixTime(NOW + LIFETIME),
    );
    assert_eq!(t.outcome, Completion::Unrecoverable(Unrecoverable::Expired));
    assert!(t.state.is_terminal());
}

#[test]
fn portal_entry_after_expiry_is_refused_and_burns() {
    let (init, mut rng) = start();
    let t = init.state.clone().enter_on_portal(
        init.client_code.as_str(),
        "alice",
        &mut rng,
        UnixTime(NOW + LIFETIME - 1),
    );
    assert!(t.outcome.is_ok(), "one second before expiry");
    let t = init.state.clone().enter_on_portal(
        init.client_code.as_str(),
        "alice",
        &mut rng,
        UnixTime(NOW + LIFETIME),
    );
    assert_eq!(t.outcome, Err(Error::PairingExpired));
    assert!(t.changed);
    assert!(matches!(&t.state, Pairing::Burned(b) if b.reason() == Unrecoverable::Expired));
    let again = t.state.enter_on_portal(
        init.client_code.as_str(),
        "alice",
        &mut rng,
        UnixTime(NOW + LIFETIME + 1),
    );
    assert_eq!(
        again.outcome,
        Err(Error::PairingBurned {
            reason: Unrecoverable::Expired
        })
    );

    // A repeated entry by the owner after expiry gets no code either.
    let (init, state, _, mut rng) = entered();
    let t = state.enter_on_portal(
        init.client_code.as_str(),
        "alice",
        &mut rng,
        UnixTime(NOW + LIFETIME),
    );
    assert_eq!(t.outcome, Err(Error::PairingExpired));
    assert!(t.state.is_terminal());
}

#[test]
fn the_portal_entry_does_not_extend_the_lifetime() {
    let (init, mut rng) = start();
    let t = init.state.enter_on_portal(
        init.client_code.as_str(),
        "alice",
        &mut rng,
        UnixTime(NOW + LIFETIME - 1),
    );
    let code = t.outcome.expect("issued just in time");
    let done = t.state.complete(
        init.transaction_id.as_str(),
        code.as_str(),
        UnixTime(NOW + LIFETIME),
    );
    assert_eq!(
        done.outcome,
        Completion::Unrecoverable(Unrecoverable::Expired)
    );
}

#[test]
fn configuration_limits() {
    let config = PairingConfig::new();
    assert_eq!(config.lifetime_secs(), 300);
    assert_eq!(config.max_attempts(), 5);
    assert_eq!(config.client_code_alphabet(), Alphabet::Unambiguous);
    assert_eq!(config.client_code_len(), 8);
    assert_eq!(config.response_digits(), Digits::SIX);
    for seconds in [0, MIN_LIFETIME_SECS - 1, MAX_LIFETIME_SECS + 1] {
        assert_eq!(
            config.with_lifetime_secs(seconds),
            Err(Error::Lifetime {
                found: seconds,
                min: 30,
                max: 3600
            })
        );
    }
    for attempts in [0, MAX_ATTEMPTS_LIMIT + 1] {
        assert_eq!(
            config.with_max_attempts(attempts),
            Err(Error::MaxAttempts {
                found: attempts,
                max: 10
            })
        );
    }
    for len in [MIN_CLIENT_CODE_LEN - 1, MAX_CLIENT_CODE_LEN + 1] {
        assert_eq!(
            config.with_client_code(Alphabet::Numeric, len),
            Err(Error::CodeLength {
                found: len,
                min: 6,
                max: 16
            })
        );
    }
}

#[test]
fn a_seed_style_configuration() {
    // The seed's example: a 6-digit numeric client code; here with 8-digit response codes, a
    // one-minute lifetime and a single attempt.
    let config = PairingConfig::new()
        .with_client_code(Alphabet::Numeric, 6)
        .and_then(|c| c.with_lifetime_secs(60))
        .and_then(|c| c.with_max_attempts(1))
        .expect("valid")
        .with_response_digits(Digits::EIGHT);
    let (init, mut rng) = start_with(&config, 3);
    assert_eq!(init.client_code.as_str().len(), 6);
    assert!(init
        .client_code
        .as_str()
        .bytes()
        .all(|b| b.is_ascii_digit()));
    assert_eq!(init.state.expires_at(), UnixTime(NOW + 60));
    let t = init.state.enter_on_portal(
        init.client_code.as_str(),
        "alice",
        &mut rng,
        UnixTime(NOW + 5),
    );
    let code = t.outcome.expect("issued");
    assert_eq!(code.as_str().len(), 8);
    let t = t.state.complete(
        init.transaction_id.as_str(),
        &wrong(&code),
        UnixTime(NOW + 6),
    );
    assert_eq!(
        t.outcome,
        Completion::Unrecoverable(Unrecoverable::TooManyAttempts)
    );
}

#[test]
fn status_codes() {
    for (status, code) in [
        (Status::Valid, 2000),
        (Status::InvalidResponseCode, 4001),
        (Status::NotEnteredOnPortal, 4002),
        (Status::Unrecoverable, 5000),
    ] {
        assert_eq!(status.code(), code);
        assert_eq!(Status::from_code(code), Some(status));
    }
    for code in [0, 200, 2001, 4000, 4003, 5001] {
        assert_eq!(Status::from_code(code), None);
    }
    assert_eq!(
        Completion::transaction_gone().status(),
        Status::Unrecoverable
    );
}

#[test]
fn error_messages_are_lower_case_and_name_the_problem() {
    assert_eq!(
        Error::ClientCodeClaimed.to_string(),
        "client code was already entered by another user; the pairing is cancelled"
    );
    assert_eq!(
        Error::PairingBurned {
            reason: Unrecoverable::TooManyAttempts
        }
        .to_string(),
        "pairing was cancelled: too many wrong response codes"
    );
}

/// A store with a versioned compare-and-swap, as the server's.
struct Store {
    bytes: Vec<u8>,
    version: u64,
}

impl Store {
    fn load(&self) -> (Pairing, u64) {
        (
            serde_json::from_slice(&self.bytes).expect("stored state"),
            self.version,
        )
    }

    fn compare_and_swap(&mut self, version: u64, state: &Pairing) -> bool {
        if version != self.version {
            return false;
        }
        self.bytes = serde_json::to_vec(state).expect("serializes");
        self.version += 1;
        true
    }
}

#[test]
fn racing_completions_give_one_success_through_compare_and_swap() {
    let (init, state, code, _) = entered();
    let mut store = Store {
        bytes: serde_json::to_vec(&state).expect("serializes"),
        version: 0,
    };
    // Two replicas load the same version and both run the transition.
    let (a, version_a) = store.load();
    let (b, version_b) = store.load();
    let ta = a.complete(
        init.transaction_id.as_str(),
        code.as_str(),
        UnixTime(NOW + 30),
    );
    let tb = b.complete(
        init.transaction_id.as_str(),
        code.as_str(),
        UnixTime(NOW + 30),
    );
    assert!(store.compare_and_swap(version_a, &ta.state));
    assert_eq!(ta.outcome.status(), Status::Valid);
    // The loser's write fails; it runs the transition again on the fresh state.
    assert!(!store.compare_and_swap(version_b, &tb.state));
    let (fresh, _) = store.load();
    let retry = fresh.complete(
        init.transaction_id.as_str(),
        code.as_str(),
        UnixTime(NOW + 30),
    );
    assert_eq!(
        retry.outcome,
        Completion::Unrecoverable(Unrecoverable::AlreadyCompleted)
    );
}

#[test]
fn every_state_round_trips_through_json() {
    let (init, awaiting_response, code, mut rng) = entered();
    let completed = awaiting_response
        .clone()
        .complete(
            init.transaction_id.as_str(),
            code.as_str(),
            UnixTime(NOW + 30),
        )
        .state;
    let burned = awaiting_response
        .clone()
        .enter_on_portal(
            init.client_code.as_str(),
            "bob",
            &mut rng,
            UnixTime(NOW + 30),
        )
        .state;
    for (state, tag) in [
        (&init.state, "awaiting_portal"),
        (&awaiting_response, "awaiting_response"),
        (&completed, "completed"),
        (&burned, "burned"),
    ] {
        let json: Value = serde_json::to_value(state).expect("serializes");
        assert_eq!(json["state"], tag);
        assert_eq!(&reload(state), state);
    }
    let json = serde_json::to_value(&awaiting_response).expect("serializes");
    assert_eq!(json["user"], "alice");
    assert_eq!(json["response_code"], code.as_str());
    assert_eq!(json["attempts_left"], 5);
    assert_eq!(json["expires_at"], NOW + LIFETIME);
    assert_eq!(json["transaction"], init.transaction_id.key());
    let json = serde_json::to_value(&burned).expect("serializes");
    assert_eq!(json["reason"], "client_code_conflict");
}

#[test]
fn corrupted_states_are_refused() {
    let (_, state, _, _) = entered();
    let good = serde_json::to_value(&state).expect("serializes");
    let tampered = |field: &str, value: Value| {
        let mut json = good.clone();
        json[field] = value;
        serde_json::from_value::<Pairing>(json)
    };
    for (field, value) in [
        ("response_code", json!("")),
        ("response_code", json!("12345")),
        ("response_code", json!("123456789")),
        ("response_code", json!("12a456")),
        ("attempts_left", json!(0)),
        ("attempts_left", json!(11)),
        ("attempts_left", json!(-1)),
        ("transaction", json!("00")),
        ("transaction", json!("A".repeat(64))),
        ("client_code", json!("g".repeat(64))),
        ("state", json!("unknown")),
        ("state", json!("Completed")),
        ("client_code_alphabet", json!("base64")),
        ("extra", json!(1)),
    ] {
        assert!(tampered(field, value.clone()).is_err(), "{field} = {value}");
    }
    assert!(tampered("attempts_left", json!(10)).is_ok());
    let mut missing = good.clone();
    missing.as_object_mut().expect("object").remove("user");
    assert!(serde_json::from_value::<Pairing>(missing).is_err());

    let (init, _) = start();
    let mut json = serde_json::to_value(&init.state).expect("serializes");
    json["response_digits"] = json!(9);
    assert!(serde_json::from_value::<Pairing>(json.clone()).is_err());
    json["response_digits"] = json!(8);
    json["max_attempts"] = json!(0);
    assert!(serde_json::from_value::<Pairing>(json).is_err());
}

#[test]
fn client_code_formats_are_read_checked_and_honoured() {
    use watchword_otp::CodeFormat;
    for (text, alphabet, len, space) in [
        ("digits:6", Alphabet::Numeric, 6, 1_000_000u128),
        ("digits:8", Alphabet::Numeric, 8, 100_000_000),
        ("alnum:6", Alphabet::Unambiguous, 6, 887_503_681),
        ("alnum:8", Alphabet::Unambiguous, 8, 852_891_037_441),
    ] {
        let format: CodeFormat = text.parse().expect(text);
        assert_eq!(
            (format.alphabet(), format.symbols()),
            (alphabet, len),
            "{text}"
        );
        assert_eq!(format.space(), space, "{text}");
        assert_eq!(format.to_string(), text, "{text} round-trips");
        let config = PairingConfig::new().with_client_code_format(format);
        let init = Pairing::init(&config, &mut TestRng::new(7), UnixTime(1_800_000_000));
        let code = init.client_code.as_str();
        assert_eq!(code.len(), len, "{text}: {code}");
        assert!(alphabet.contains_all(code), "{text}: {code}");
    }
    assert_eq!(
        CodeFormat::default().to_string(),
        "alnum:8",
        "today's default is kept"
    );
    for bad in [
        "digits:5",
        "alnum:17",
        "hex:8",
        "digits",
        "digits:",
        "digits:+6",
        "digits:0006",
        "",
    ] {
        let error = bad.parse::<CodeFormat>().expect_err(bad);
        assert!(
            matches!(
                error,
                Error::CodeLength { .. } | Error::CodeFormatName { .. }
            ),
            "{bad}: {error:?}"
        );
    }
}
