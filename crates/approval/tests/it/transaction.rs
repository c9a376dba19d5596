use proptest::prelude::*;
use watchword_approval::{
    Answer, ApprovalToken, Decided, Decision, Denial, Error, Flow, Method, NewTransaction, Reading,
    RequestType, Requester, State, Transaction, TransactionId,
};
use watchword_testkit::TestRng;
use watchword_token::UnixTime;

const NOW: UnixTime = UnixTime(1_800_000_000);
const OWNER: &str = "partner-1";
const CUSTOMER: &str = "ada@example.com";

fn new(flow: Flow) -> NewTransaction {
    NewTransaction {
        owner: OWNER.into(),
        user_mail: " Ada@Example.COM ".into(),
        request_type: RequestType::WorkFlowValidation,
        message: "Approve invoice 42".into(),
        private_token: Some("s3cret".into()),
        flow,
        requester: Requester {
            network: "203.0.113.0/24".into(),
            os: "Linux".into(),
            app: "Firefox".into(),
        },
        lifetime_secs: 120,
    }
}

fn start(flow: Flow, rng: &mut TestRng) -> Transaction {
    Transaction::start(new(flow), NOW, rng).expect("starts").1
}

fn approve(number: Option<u8>) -> Decision {
    Decision {
        approver: CUSTOMER.into(),
        method: Method::Phone,
        answer: Answer::Approve { number },
    }
}

fn approved(flow: Flow, rng: &mut TestRng) -> Decided {
    let pending = start(flow, rng);
    let number = pending.number();
    pending
        .decide(&approve(Some(number)), NOW.plus(10), rng)
        .expect("approves")
}

fn finished(reading: Reading) -> (Transaction, watchword_approval::Outcome) {
    match reading {
        Reading::Finished {
            transaction,
            outcome,
        } => (*transaction, outcome),
        Reading::NotFinished => panic!("expected a finished transaction"),
    }
}

#[test]
fn start_normalizes_and_bounds_its_fields() {
    let mut rng = TestRng::new(1);
    let (id, pending) = Transaction::start(new(Flow::Standard), NOW, &mut rng).expect("starts");
    assert_eq!(pending.user_mail(), CUSTOMER);
    assert_eq!(pending.state(), &State::Pending);
    assert_eq!(pending.expires_at(), NOW.plus(120));
    assert!((10..=99).contains(&pending.number()));
    assert_eq!(
        TransactionId::parse(&id.expose().to_uppercase()),
        Ok(id.clone())
    );
    assert_eq!(id.storage_key().len(), 64);
    assert!(!format!("{id:?}").contains(id.expose()));

    let field = |change: fn(&mut NewTransaction)| {
        let mut request = new(Flow::Standard);
        change(&mut request);
        match Transaction::start(request, NOW, &mut rng.clone()) {
            Err(Error::Field { name, .. }) => name,
            other => panic!("expected a field error, got {other:?}"),
        }
    };
    assert_eq!(field(|r| r.user_mail = "no-at-sign".into()), "UserMail");
    assert_eq!(field(|r| r.user_mail = "a@b@c".into()), "UserMail");
    assert_eq!(field(|r| r.user_mail = "a b@c".into()), "UserMail");
    assert_eq!(
        field(|r| r.user_mail = format!("{}@example.com", "a".repeat(250))),
        "UserMail"
    );
    assert_eq!(field(|r| r.message = "   ".into()), "Message");
    assert_eq!(field(|r| r.message = "x".repeat(501)), "Message");
    assert_eq!(
        field(|r| r.private_token = Some("x".repeat(4097))),
        "privateToken"
    );
    assert_eq!(field(|r| r.requester.os = "Linux\n".into()), "OSType");
    assert_eq!(
        field(|r| r.requester.app = "x".repeat(101)),
        "NavigatorOrAPPName"
    );
    assert_eq!(field(|r| r.lifetime_secs = 29), "lifetime");
    assert_eq!(field(|r| r.lifetime_secs = 901), "lifetime");
    for bad in [
        "",
        "0f9c2d4e-6a8b-4c3d-9e1f",
        "0f9c2d4e-6a8b-4c3d-9e1f-2a3b4c5d6e7g",
    ] {
        assert_eq!(
            TransactionId::parse(bad),
            Err(Error::MalformedTransactionId)
        );
    }
}

#[test]
fn the_phone_offers_the_right_number_among_others() {
    let mut rng = TestRng::new(2);
    let pending = start(Flow::Standard, &mut rng);
    let mut positions = [0; 3];
    for _ in 0..300 {
        let choices = pending.choices(&mut rng);
        assert!(choices.iter().all(|n| (10..=99).contains(n)));
        assert!(choices[0] != choices[1] && choices[1] != choices[2] && choices[0] != choices[2]);
        let at = choices
            .iter()
            .position(|n| *n == pending.number())
            .expect("offered");
        positions[at] += 1;
    }
    // The right number is not always in the same place.
    assert!(positions.iter().all(|count| *count > 50), "{positions:?}");
}

#[test]
fn approval_with_the_right_number_gives_a_token_in_a_standard_flow_only() {
    let mut rng = TestRng::new(3);
    let decided = approved(Flow::Standard, &mut rng);
    assert!(decided.token.is_some());
    assert!(matches!(
        decided.transaction.state(),
        State::Approved {
            method: Method::Phone,
            redeemed: false,
            ..
        }
    ));
    for flow in [Flow::Distributed, Flow::ServerOnly] {
        assert_eq!(approved(flow, &mut rng).token, None, "{flow:?}");
    }
}

#[test]
fn a_wrong_number_denies() {
    let mut rng = TestRng::new(4);
    let pending = start(Flow::Standard, &mut rng);
    let wrong = if pending.number() == 99 {
        98
    } else {
        pending.number() + 1
    };
    let decided = pending
        .decide(&approve(Some(wrong)), NOW, &mut rng)
        .expect("decides");
    assert_eq!(decided.token, None);
    assert!(matches!(
        decided.transaction.state(),
        State::Denied {
            reason: Denial::WrongNumber,
            ..
        }
    ));
}

#[test]
fn only_the_customer_answers_and_only_once() {
    let mut rng = TestRng::new(5);
    let pending = start(Flow::Standard, &mut rng);
    let number = Some(pending.number());
    let mut stranger = approve(number);
    stranger.approver = "eve@example.com".into();
    assert_eq!(
        pending.clone().decide(&stranger, NOW, &mut rng),
        Err(Error::WrongApprover)
    );
    let mut shouting = approve(number);
    shouting.approver = "ADA@EXAMPLE.COM".into();
    let decided = pending
        .clone()
        .decide(&shouting, NOW, &mut rng)
        .expect("same customer");
    assert_eq!(
        decided.transaction.decide(&approve(number), NOW, &mut rng),
        Err(Error::AlreadyDecided)
    );
    assert_eq!(
        pending.clone().decide(&approve(None), NOW, &mut rng),
        Err(Error::NumberRequired)
    );
    let key = Decision {
        method: Method::SecurityKey,
        ..approve(None)
    };
    assert!(
        pending.clone().decide(&key, NOW, &mut rng).is_ok(),
        "a key matches no number"
    );
    assert_eq!(
        pending.decide(&approve(number), NOW.plus(120), &mut rng),
        Err(Error::Expired),
        "it expires at expires_at"
    );
}

#[test]
fn verify_token_redeems_once_for_the_owner() {
    let mut rng = TestRng::new(6);
    let decided = approved(Flow::Standard, &mut rng);
    let token = decided.token.expect("token");
    let lookup = ApprovalToken::lookup(token.expose());
    assert_eq!(lookup.len(), 64);
    assert_eq!(
        ApprovalToken::lookup(&token.expose().to_uppercase()),
        lookup
    );
    assert!(!format!("{token:?}").contains(token.expose()));
    let approved = decided.transaction;
    assert_eq!(
        approved
            .clone()
            .verify_token("partner-2", token.expose(), NOW),
        Err(Error::NotYourTransaction)
    );
    assert_eq!(
        approved
            .clone()
            .verify_token(OWNER, "0f9c2d4e-6a8b-4c3d-9e1f-2a3b4c5d6e7f", NOW),
        Err(Error::InvalidToken)
    );
    assert_eq!(
        approved
            .clone()
            .verify_token(OWNER, token.expose(), NOW.plus(120)),
        Err(Error::Expired)
    );
    let (redeemed, outcome) = approved
        .verify_token(OWNER, &token.expose().to_uppercase(), NOW.plus(20))
        .expect("redeems");
    assert!(outcome.is_valid);
    assert_eq!(outcome.user_valided, CUSTOMER);
    assert_eq!(outcome.private_token.as_deref(), Some("s3cret"));
    assert_eq!(
        redeemed
            .clone()
            .verify_token(OWNER, token.expose(), NOW.plus(21)),
        Err(Error::InvalidToken),
        "single use"
    );
    let (_, later) = finished(redeemed.read_result(OWNER, NOW.plus(22)).expect("reads"));
    assert!(later.is_valid);
    assert_eq!(
        later.private_token, None,
        "the private token is handed over once"
    );
}

#[test]
fn denied_and_pending_transactions_have_no_valid_token() {
    let mut rng = TestRng::new(7);
    let pending = start(Flow::Standard, &mut rng);
    let some_token = "0f9c2d4e-6a8b-4c3d-9e1f-2a3b4c5d6e7f";
    assert_eq!(
        pending.clone().verify_token(OWNER, some_token, NOW),
        Err(Error::InvalidToken)
    );
    let deny = Decision {
        answer: Answer::Deny,
        ..approve(None)
    };
    let denied = pending
        .decide(&deny, NOW, &mut rng)
        .expect("denies")
        .transaction;
    assert_eq!(
        denied.verify_token(OWNER, some_token, NOW),
        Err(Error::InvalidToken)
    );
}

#[test]
fn get_result_gives_the_private_token_only_after_approval_only_to_the_owner_once() {
    let mut rng = TestRng::new(8);
    let pending = start(Flow::Distributed, &mut rng);
    assert!(!pending.is_finished(NOW));
    assert_eq!(
        pending.clone().read_result(OWNER, NOW),
        Ok(Reading::NotFinished)
    );
    assert_eq!(
        pending.clone().read_result("partner-2", NOW),
        Err(Error::NotYourTransaction)
    );
    let (_, expired) = finished(
        pending
            .clone()
            .read_result(OWNER, NOW.plus(120))
            .expect("reads"),
    );
    assert!(!expired.is_valid);
    assert_eq!(expired.private_token, None);
    assert!(pending.is_finished(NOW.plus(120)));

    let deny = Decision {
        answer: Answer::Deny,
        ..approve(None)
    };
    let denied = pending
        .clone()
        .decide(&deny, NOW, &mut rng)
        .expect("denies")
        .transaction;
    let (_, outcome) = finished(denied.read_result(OWNER, NOW).expect("reads"));
    assert!(!outcome.is_valid);
    assert_eq!(outcome.private_token, None);

    let number = Some(pending.number());
    let approved = pending
        .decide(&approve(number), NOW, &mut rng)
        .expect("approves")
        .transaction;
    assert!(approved.is_finished(NOW));
    let (read, first) = finished(approved.read_result(OWNER, NOW).expect("reads"));
    assert!(first.is_valid);
    assert_eq!(first.user_valided, CUSTOMER);
    assert_eq!(first.private_token.as_deref(), Some("s3cret"));
    let (_, second) = finished(read.read_result(OWNER, NOW).expect("reads"));
    assert!(second.is_valid);
    assert_eq!(second.private_token, None);
}

#[test]
fn a_denial_cancels_pending_requests_only() {
    let mut rng = TestRng::new(9);
    let cancelled = start(Flow::ServerOnly, &mut rng).cancel(NOW);
    assert!(matches!(
        cancelled.state(),
        State::Denied {
            reason: Denial::Cancelled,
            ..
        }
    ));
    let approved = approved(Flow::ServerOnly, &mut rng).transaction;
    assert_eq!(approved.clone().cancel(NOW), approved);
}

#[test]
fn stored_as_json_and_read_back() {
    let mut rng = TestRng::new(10);
    let approved = approved(Flow::Standard, &mut rng).transaction;
    let json = serde_json::to_string(&approved).expect("serializes");
    assert!(json.contains(r#""request_type":4"#), "{json}");
    assert_eq!(
        serde_json::from_str::<Transaction>(&json).ok(),
        Some(approved)
    );
}

/// One step a client, the customer or the partner might take.
#[derive(Debug, Clone)]
enum Step {
    Approve { right: bool },
    Deny,
    Verify { owner: bool },
    Read { owner: bool },
    Cancel,
    Wait(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        any::<bool>().prop_map(|right| Step::Approve { right }),
        Just(Step::Deny),
        any::<bool>().prop_map(|owner| Step::Verify { owner }),
        any::<bool>().prop_map(|owner| Step::Read { owner }),
        Just(Step::Cancel),
        (0u64..80).prop_map(Step::Wait),
    ]
}

proptest! {
    /// Whatever happens in whatever order, the private token leaves at most once and only
    /// after an approval with the right number, before expiry, to the owner; a token redeems
    /// at most once.
    #[test]
    fn the_private_token_and_the_token_leave_at_most_once(
        flow in prop_oneof![Just(Flow::Standard), Just(Flow::Distributed), Just(Flow::ServerOnly)],
        steps in prop::collection::vec(step(), 1..16),
        seed in any::<u64>(),
    ) {
        let mut rng = TestRng::new(seed);
        let mut stored = start(flow, &mut rng);
        let mut now = NOW;
        let (mut token, mut handed, mut redeemed) = (None, 0, 0);
        for step in steps {
            let owner = |mine: bool| if mine { OWNER } else { "partner-2" };
            match step {
                Step::Approve { right } => {
                    let number = if right { stored.number() } else { stored.number() % 89 + 11 };
                    let number = if !right && number == stored.number() { 10 } else { number };
                    if let Ok(decided) = stored.clone().decide(&approve(Some(number)), now, &mut rng) {
                        if decided.token.is_some() {
                            prop_assert!(right && flow == Flow::Standard);
                            token = decided.token;
                        }
                        stored = decided.transaction;
                    }
                }
                Step::Deny => {
                    let deny = Decision { answer: Answer::Deny, ..approve(None) };
                    if let Ok(decided) = stored.clone().decide(&deny, now, &mut rng) {
                        stored = decided.transaction;
                    }
                }
                Step::Verify { owner: mine } => {
                    let text = token.as_ref().map_or("0f9c2d4e-6a8b-4c3d-9e1f-2a3b4c5d6e7f", |t| t.expose());
                    if let Ok((next, outcome)) = stored.clone().verify_token(owner(mine), text, now) {
                        prop_assert!(mine && outcome.is_valid && now < stored.expires_at());
                        redeemed += 1;
                        handed += usize::from(outcome.private_token.is_some());
                        stored = next;
                    }
                }
                Step::Read { owner: mine } => {
                    if let Ok(Reading::Finished { transaction, outcome }) = stored.clone().read_result(owner(mine), now) {
                        prop_assert!(mine);
                        if outcome.private_token.is_some() {
                            prop_assert!(outcome.is_valid);
                            let approved = matches!(stored.state(), State::Approved { .. });
                            prop_assert!(approved, "handed over from {:?}", stored.state());
                            prop_assert!(now < stored.expires_at());
                            handed += 1;
                        }
                        stored = *transaction;
                    }
                }
                Step::Cancel => stored = stored.cancel(now),
                Step::Wait(seconds) => now = now.plus(seconds),
            }
            prop_assert!(handed <= 1, "the private token left {} times", handed);
            prop_assert!(redeemed <= 1, "the token redeemed {} times", redeemed);
        }
    }
}

#[test]
fn a_page_turns_a_pending_distributed_transaction_into_a_standard_one() {
    let mut rng = TestRng::new(41);
    let pending = start(Flow::Distributed, &mut rng).for_page();
    assert_eq!(pending.flow(), Flow::Standard);
    let number = pending.number();
    let decided = pending
        .decide(&approve(Some(number)), NOW.plus(5), &mut rng)
        .expect("approves");
    let token = decided.token.expect("the page gets a token");
    let (_, outcome) = decided
        .transaction
        .verify_token(OWNER, token.expose(), NOW.plus(6))
        .expect("redeems");
    // The private token reaches the owner through VerifyToken instead.
    assert_eq!(outcome.private_token.as_deref(), Some("s3cret"));

    // Server-only and decided transactions keep their flow.
    assert_eq!(
        start(Flow::ServerOnly, &mut rng).for_page().flow(),
        Flow::ServerOnly
    );
    let decided = approved(Flow::Distributed, &mut rng).transaction;
    assert_eq!(decided.for_page().flow(), Flow::Distributed);
}
