//! The challenge state machine: every transition and every forbidden one.

use watchword_captcha::{
    challenge_key, Answer, Answered, Challenge, ChallengeConfig, Created, Error, Kind,
    PowChallenge, Punctuation, Puzzle, Status, Transcription,
};

use crate::support::{reload, texts, transcription, TestRng, NOW, SITE};

const RIGHT: &str = "CRÈME  brulée!";

fn created(rng: &mut TestRng) -> (Created, Transcription) {
    let puzzle = transcription(rng);
    let created = Challenge::create(
        &ChallengeConfig::new(),
        SITE,
        Puzzle::Transcription(puzzle.clone()),
        rng,
        NOW,
    )
    .expect("created");
    (created, puzzle)
}

fn replacement_puzzle(rng: &mut TestRng) -> Puzzle {
    Puzzle::Transcription(
        Transcription::new("ctl-2", "Gâteau", "unk-2", Punctuation::Strip, rng).expect("valid"),
    )
}

/// A challenge answered right at `NOW.plus(10)`.
fn valid(rng: &mut TestRng) -> Challenge {
    let (created, puzzle) = created(rng);
    let answer = Answer::Transcription(texts(&puzzle, RIGHT, "Hello"));
    let t = created.state.answer(SITE, &answer, NOW.plus(10));
    assert!(t.changed);
    t.state
}

#[test]
fn create_is_pending() {
    let mut rng = TestRng::new(1);
    let (created, _) = created(&mut rng);
    assert_eq!(created.state.status(), Status::Pending);
    assert_eq!(created.state.site(), SITE);
    assert_eq!(created.state.kind(), Kind::Transcription);
    assert_eq!(created.state.expires_at(), NOW.plus(300));
    assert_eq!(created.id.as_str().len(), 22);
    assert_eq!(created.id.key(), challenge_key(created.id.as_str()));
    assert!(!created.state.is_terminal());
}

#[test]
fn create_refuses_bad_sites() {
    let mut rng = TestRng::new(1);
    for site in ["", "a b", &"x".repeat(129), "é"] {
        let puzzle = Puzzle::Transcription(transcription(&mut rng));
        let created = Challenge::create(&ChallengeConfig::new(), site, puzzle, &mut rng, NOW);
        assert!(
            matches!(created, Err(Error::InvalidSite { .. })),
            "{site:?}"
        );
    }
}

#[test]
fn create_refuses_pow_of_another_site() {
    let mut rng = TestRng::new(1);
    let pow = PowChallenge::new("other", 4, NOW.plus(60), &mut rng).expect("valid");
    let created = Challenge::create(
        &ChallengeConfig::new(),
        SITE,
        Puzzle::ProofOfWork(pow),
        &mut rng,
        NOW,
    );
    assert!(matches!(created, Err(Error::WrongSite { .. })));
}

#[test]
fn config_bounds() {
    assert!(ChallengeConfig::new().with_lifetime_secs(9).is_err());
    assert!(ChallengeConfig::new().with_lifetime_secs(3601).is_err());
    assert!(ChallengeConfig::new().with_valid_for_secs(0).is_err());
    let config = ChallengeConfig::new()
        .with_lifetime_secs(60)
        .and_then(|c| c.with_valid_for_secs(30))
        .expect("valid");
    assert_eq!((config.lifetime_secs(), config.valid_for_secs()), (60, 30));
}

#[test]
fn right_answer_is_valid_with_a_vote() {
    let mut rng = TestRng::new(2);
    let (created, puzzle) = created(&mut rng);
    let answer = Answer::Transcription(texts(&puzzle, RIGHT, " Hello  World "));
    let t = reload(&created.state).answer(SITE, &answer, NOW.plus(10));
    assert!(t.changed);
    assert_eq!(t.state.status(), Status::Valid);
    assert_eq!(t.state.expires_at(), NOW.plus(10).plus(300));
    let Ok(Answered::Valid { vote: Some(vote) }) = t.outcome else {
        panic!("not valid: {:?}", t.outcome)
    };
    assert_eq!(
        (vote.item.as_str(), vote.text.as_str()),
        ("unk", "hello world")
    );
}

#[test]
fn wrong_control_burns_and_issues_a_fresh_challenge() {
    let mut rng = TestRng::new(3);
    let (created, puzzle) = created(&mut rng);
    // The right text in the unknown item's place does not help.
    let answer = Answer::Transcription(texts(&puzzle, "creme brulee x", RIGHT));
    let t = created.state.answer(SITE, &answer, NOW.plus(10));
    assert!(t.changed);
    assert_eq!(t.state.status(), Status::Invalid);
    assert!(t.state.is_terminal());
    let Ok(Answered::Invalid { replacement }) = t.outcome else {
        panic!("not invalid: {:?}", t.outcome)
    };
    assert_eq!(
        (replacement.site(), replacement.kind()),
        (SITE, Kind::Transcription)
    );
    // The caller draws the replacement's puzzle only now, after a wrong answer.
    let fresh = replacement
        .create(replacement_puzzle(&mut rng), &mut rng, NOW.plus(10))
        .expect("created");
    assert_ne!(fresh.id, created.id);
    assert_eq!(fresh.state.status(), Status::Pending);
    assert_eq!(fresh.state.site(), SITE);
    assert_eq!(fresh.state.expires_at(), NOW.plus(10).plus(300));
    let Some(Puzzle::Transcription(next)) = fresh.state.puzzle() else {
        panic!("no replacement puzzle")
    };
    assert_eq!(next.control(), "ctl-2");
    // The partner sees the burned one as invalid, unchanged.
    let checked = t.state.check(SITE, NOW.plus(11));
    assert_eq!(checked.outcome, Ok(Status::Invalid));
    assert!(!checked.changed);
}

#[test]
fn replacement_keeps_the_burned_challenges_lifetimes() {
    let mut rng = TestRng::new(16);
    let puzzle = transcription(&mut rng);
    let config = ChallengeConfig::new()
        .with_lifetime_secs(60)
        .and_then(|c| c.with_valid_for_secs(30))
        .expect("valid");
    let created = Challenge::create(
        &config,
        SITE,
        Puzzle::Transcription(puzzle.clone()),
        &mut rng,
        NOW,
    )
    .expect("created");
    let wrong = Answer::Transcription(texts(&puzzle, "nope", "x"));
    let t = reload(&created.state).answer(SITE, &wrong, NOW.plus(10));
    let Ok(Answered::Invalid { replacement }) = t.outcome else {
        panic!("not invalid: {:?}", t.outcome)
    };
    let fresh = replacement
        .create(replacement_puzzle(&mut rng), &mut rng, NOW.plus(20))
        .expect("created");
    assert_eq!(fresh.state.expires_at(), NOW.plus(20).plus(60));
    let Some(Puzzle::Transcription(next)) = fresh.state.puzzle().cloned() else {
        panic!("no puzzle")
    };
    let right = Answer::Transcription(texts(&next, "Gâteau", "y"));
    let valid = fresh.state.answer(SITE, &right, NOW.plus(21));
    assert!(matches!(valid.outcome, Ok(Answered::Valid { .. })));
    assert_eq!(valid.state.expires_at(), NOW.plus(21).plus(30));
}

#[test]
fn answer_for_another_site_is_refused_unchanged() {
    let mut rng = TestRng::new(4);
    let (created, puzzle) = created(&mut rng);
    let before = created.state.clone();
    let answer = Answer::Transcription(texts(&puzzle, RIGHT, "x"));
    let t = created.state.answer("site-2", &answer, NOW);
    assert!(matches!(t.outcome, Err(Error::WrongSite { .. })));
    assert!(!t.changed);
    assert_eq!(t.state, before);
}

#[test]
fn answer_of_the_wrong_kind_is_refused_unchanged() {
    let mut rng = TestRng::new(5);
    let (created, _) = created(&mut rng);
    let t = created
        .state
        .answer(SITE, &Answer::ProofOfWork { solution: 0 }, NOW);
    assert_eq!(
        t.outcome.err(),
        Some(Error::WrongKind {
            expected: Kind::Transcription,
            found: Kind::ProofOfWork
        })
    );
    assert!(!t.changed);
}

#[test]
fn answer_after_expiry_expires() {
    let mut rng = TestRng::new(6);
    let (created, puzzle) = created(&mut rng);
    let answer = Answer::Transcription(texts(&puzzle, RIGHT, "x"));
    // One second before the expiry instant it is still live.
    let live = created.state.clone().answer(SITE, &answer, NOW.plus(299));
    assert!(matches!(live.outcome, Ok(Answered::Valid { .. })));
    let t = created.state.answer(SITE, &answer, NOW.plus(300));
    assert_eq!(
        t.outcome.err(),
        Some(Error::Expired {
            expires_at: NOW.plus(300),
            now: NOW.plus(300)
        })
    );
    assert!(t.changed);
    assert_eq!(t.state.status(), Status::Expired);
    assert_eq!(
        t.state.check(SITE, NOW.plus(301)).outcome,
        Ok(Status::Expired)
    );
}

#[test]
fn second_answer_is_refused() {
    let mut rng = TestRng::new(7);
    let state = valid(&mut rng);
    let answer = Answer::Transcription(["a", "b"]);
    let t = state.answer(SITE, &answer, NOW.plus(11));
    assert_eq!(
        t.outcome.err(),
        Some(Error::NotPending {
            status: Status::Valid
        })
    );
    assert!(!t.changed);
}

#[test]
fn answer_to_terminal_states_is_refused() {
    let mut rng = TestRng::new(8);
    let consumed = valid(&mut rng).check(SITE, NOW.plus(20)).state;
    let (created, puzzle) = created(&mut rng);
    let wrong = Answer::Transcription(texts(&puzzle, "nope", "x"));
    let invalid = created.state.clone().answer(SITE, &wrong, NOW).state;
    let expired = created.state.check(SITE, NOW.plus(1000)).state;
    for (state, status) in [
        (consumed, Status::Consumed),
        (invalid, Status::Invalid),
        (expired, Status::Expired),
    ] {
        let t = reload(&state).answer(
            SITE,
            &Answer::Transcription(texts(&puzzle, RIGHT, "x")),
            NOW.plus(30),
        );
        assert_eq!(t.outcome.err(), Some(Error::NotPending { status }));
        assert!(!t.changed);
        assert_eq!(t.state, state);
    }
}

#[test]
fn partner_sees_valid_exactly_once() {
    let mut rng = TestRng::new(9);
    let state = valid(&mut rng);
    let first = reload(&state).check(SITE, NOW.plus(20));
    assert_eq!(first.outcome, Ok(Status::Valid));
    assert!(first.changed);
    assert_eq!(first.state.status(), Status::Consumed);
    // Replay after consumption.
    let second = reload(&first.state).check(SITE, NOW.plus(21));
    assert_eq!(second.outcome, Ok(Status::Consumed));
    assert!(!second.changed);
}

#[test]
fn partner_sees_pending() {
    let mut rng = TestRng::new(10);
    let (created, _) = created(&mut rng);
    let t = created.state.check(SITE, NOW.plus(5));
    assert_eq!(t.outcome, Ok(Status::Pending));
    assert!(!t.changed);
}

#[test]
fn partner_of_another_site_is_refused_unchanged() {
    let mut rng = TestRng::new(11);
    let state = valid(&mut rng);
    let t = state.clone().check("site-2", NOW.plus(20));
    assert!(matches!(t.outcome, Err(Error::WrongSite { .. })));
    assert!(!t.changed);
    assert_eq!(t.state, state);
    // The right partner still gets it.
    assert_eq!(t.state.check(SITE, NOW.plus(20)).outcome, Ok(Status::Valid));
}

#[test]
fn valid_challenge_not_checked_in_time_expires() {
    let mut rng = TestRng::new(12);
    let state = valid(&mut rng); // valid until NOW.plus(310)
    assert_eq!(
        state.clone().check(SITE, NOW.plus(309)).outcome,
        Ok(Status::Valid)
    );
    let t = state.check(SITE, NOW.plus(310));
    assert_eq!(t.outcome, Ok(Status::Expired));
    assert!(t.changed);
    assert_eq!(t.state.status(), Status::Expired);
}

#[test]
fn answer_to_expired_valid_challenge_expires_it() {
    let mut rng = TestRng::new(13);
    let state = valid(&mut rng);
    let t = state.answer(SITE, &Answer::Transcription(["a", "b"]), NOW.plus(310));
    assert!(matches!(t.outcome, Err(Error::Expired { .. })));
    assert_eq!(t.state.status(), Status::Expired);
}

#[test]
fn proof_of_work_challenge() {
    let mut rng = TestRng::new(14);
    let pow = PowChallenge::new(SITE, 6, NOW.plus(60), &mut rng).expect("valid");
    let solution = watchword_captcha::pow::solve(&pow, 1 << 16).expect("solved");
    let bad = (0..u64::MAX)
        .find(|s| pow.check_work(*s).is_err())
        .expect("a bad one");
    let created = Challenge::create(
        &ChallengeConfig::new(),
        SITE,
        Puzzle::ProofOfWork(pow),
        &mut rng,
        NOW,
    )
    .expect("created");
    assert_eq!(reload(&created.state), created.state);
    let wrong =
        reload(&created.state).answer(SITE, &Answer::ProofOfWork { solution: bad }, NOW.plus(1));
    let Ok(Answered::Invalid { replacement }) = wrong.outcome else {
        panic!("not invalid: {:?}", wrong.outcome)
    };
    assert_eq!(replacement.kind(), Kind::ProofOfWork);
    // The replacement takes a puzzle of its own kind only.
    assert_eq!(
        replacement
            .clone()
            .create(replacement_puzzle(&mut rng), &mut rng, NOW.plus(1))
            .err(),
        Some(Error::WrongKind {
            expected: Kind::ProofOfWork,
            found: Kind::Transcription
        })
    );
    let pow = PowChallenge::new(SITE, 6, NOW.plus(61), &mut rng).expect("valid");
    let fresh = replacement
        .create(Puzzle::ProofOfWork(pow), &mut rng, NOW.plus(1))
        .expect("created");
    assert_eq!(fresh.state.kind(), Kind::ProofOfWork);
    let right = created
        .state
        .answer(SITE, &Answer::ProofOfWork { solution }, NOW.plus(1));
    assert!(matches!(right.outcome, Ok(Answered::Valid { vote: None })));
    assert_eq!(right.state.kind(), Kind::ProofOfWork);
    assert_eq!(
        right.state.check(SITE, NOW.plus(2)).outcome,
        Ok(Status::Valid)
    );
}

#[test]
fn stored_states_round_trip_and_tampered_ones_are_refused() {
    let mut rng = TestRng::new(15);
    let state = valid(&mut rng);
    let json = serde_json::to_value(&state).expect("serializes");
    assert_eq!(json["state"], "valid");
    let mut extra = json.clone();
    extra["surprise"] = 1.into();
    assert!(serde_json::from_value::<Challenge>(extra).is_err());
    let (created, _) = created(&mut rng);
    let json = serde_json::to_string(&created.state).expect("serializes");
    assert!(
        !json.contains(created.id.as_str()),
        "the id is stored in the clear"
    );
    assert_eq!(reload(&created.state), created.state);
}

#[test]
fn statuses_as_written() {
    let names: Vec<_> = [
        Status::Pending,
        Status::Valid,
        Status::Invalid,
        Status::Expired,
        Status::Consumed,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        names,
        ["pending", "valid", "invalid", "expired", "consumed"]
    );
}

#[test]
fn an_answer_that_normalises_to_nothing_makes_no_control_and_an_empty_answer_never_passes() {
    let mut rng = TestRng::new(3);
    for (answer, punctuation) in [
        ("!!!", Punctuation::Strip),
        ("\u{301}\u{300}", Punctuation::Keep),
        ("  ", Punctuation::Keep),
    ] {
        let refused = Transcription::new("ctl", answer, "unk", punctuation, &mut rng);
        assert!(
            matches!(refused, Err(Error::InvalidItem { .. })),
            "{answer:?}: {refused:?}"
        );
    }
    let puzzle =
        Transcription::new("ctl", "word", "unk", Punctuation::Strip, &mut rng).expect("ok");
    for typed in ["", "  ", "?!", "\u{301}"] {
        assert!(puzzle.judge([typed, typed]).is_none(), "{typed:?} passed");
    }
}
