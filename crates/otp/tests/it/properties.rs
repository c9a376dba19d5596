//! Property tests of the pairing: random sequences of portal entries, completions and time
//! never reach 2000 without the issued response code, never twice, and never use more
//! attempts than allowed; and the fuzz harness survives arbitrary scripts.

use proptest::prelude::*;
use watchword_otp::fuzzing;
use watchword_otp::pairing::ResponseCode;
use watchword_otp::{Completion, Pairing, PairingConfig, UnixTime};

use crate::support::{reload, TestRng};

const NOW: u64 = 1_700_000_000;

#[derive(Debug, Clone)]
enum Op {
    Portal { right_client_code: bool, user: u8 },
    CompleteIssued,
    CompleteGuess(String),
    CompleteWrongId,
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<bool>(), 0u8..3).prop_map(|(right_client_code, user)| Op::Portal {
            right_client_code,
            user
        }),
        Just(Op::CompleteIssued),
        // Guesses from a small space so that some of them hit the issued code.
        "[0-1]{6}|[0-9]{6}|[0-9]{0,9}".prop_map(Op::CompleteGuess),
        Just(Op::CompleteWrongId),
        (0u64..200).prop_map(Op::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_operations_never_pair_without_the_code(
        seed in any::<u64>(),
        max_attempts in 1u8..=10,
        ops in prop::collection::vec(op(), 0..40),
    ) {
        let config = PairingConfig::new().with_max_attempts(max_attempts).expect("in range");
        let mut rng = TestRng::new(seed);
        let mut now = NOW;
        let init = Pairing::init(&config, &mut rng, UnixTime(now));
        let mut state = init.state.clone();
        let mut issued: Option<(u8, ResponseCode)> = None;
        let (mut successes, mut wrong_attempts) = (0u32, 0u8);
        for op in ops {
            match op {
                Op::Portal { right_client_code, user } => {
                    let typed = if right_client_code { init.client_code.as_str() } else { "ZZZZZZZZ" };
                    let name = ["alice", "bob", "carol"][usize::from(user)];
                    let t = state.enter_on_portal(typed, name, &mut rng, UnixTime(now));
                    if let Ok(code) = &t.outcome {
                        match &issued {
                            Some((owner, first)) => {
                                prop_assert_eq!(*owner, user);
                                prop_assert_eq!(first, code);
                            }
                            None => issued = Some((user, code.clone())),
                        }
                    }
                    state = t.state;
                }
                Op::CompleteIssued | Op::CompleteGuess(_) | Op::CompleteWrongId => {
                    let (id, code) = match &op {
                        Op::CompleteIssued => (
                            init.transaction_id.as_str().to_owned(),
                            issued.as_ref().map_or("000000".to_owned(), |(_, c)| c.as_str().to_owned()),
                        ),
                        Op::CompleteGuess(guess) => (init.transaction_id.as_str().to_owned(), guess.clone()),
                        _ => ("wrong-id".to_owned(), issued.as_ref().map_or(String::new(), |(_, c)| c.as_str().to_owned())),
                    };
                    let was_terminal = state.is_terminal();
                    let t = state.complete(&id, &code, UnixTime(now));
                    match &t.outcome {
                        Completion::Paired { user } => {
                            successes += 1;
                            let (owner, right) = issued.as_ref().expect("paired before the portal");
                            prop_assert_eq!(code.trim(), right.as_str());
                            prop_assert_eq!(id.as_str(), init.transaction_id.as_str());
                            prop_assert_eq!(user.as_str(), ["alice", "bob", "carol"][usize::from(*owner)]);
                            prop_assert!(now < init.state.expires_at().0);
                        }
                        Completion::WrongResponseCode { .. } => wrong_attempts += 1,
                        Completion::Unrecoverable(watchword_otp::Unrecoverable::TooManyAttempts) if !was_terminal => wrong_attempts += 1,
                        _ => {}
                    }
                    state = t.state;
                }
                Op::Advance(seconds) => now += seconds,
            }
            state = reload(&state);
            prop_assert!(successes <= 1, "more than one success");
            prop_assert!(wrong_attempts <= max_attempts, "{} wrong attempts allowed", wrong_attempts);
        }
    }

    #[test]
    fn the_fuzz_harness_survives_arbitrary_scripts(data in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = fuzzing::run(&data, reload);
    }

    #[test]
    fn the_fuzz_harness_survives_dense_scripts(
        setup in any::<u8>(),
        ops in prop::collection::vec((0u8..10, any::<u8>()), 0..48),
    ) {
        let mut data = vec![setup];
        for (op, arg) in ops {
            data.push(op);
            data.push(arg);
        }
        let report = fuzzing::pairing(&data, reload);
        prop_assert!(report.statuses.iter().all(|s| [2000, 4001, 4002, 5000].contains(s)));
    }
}
