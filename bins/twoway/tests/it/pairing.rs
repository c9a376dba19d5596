//! The whole pairing, every status, and the concurrency guarantees.

use std::collections::BTreeMap;

use watchword_testkit::http::get;
use watchword_token::{Claims, Jwks, KeyRing, UnixTime, Validation};
use watchword_twoway_server::Registration;

use crate::harness::{wrong, Harness, IDP, START};

#[tokio::test]
async fn a_pairing_completes_with_2000_and_a_token_that_verifies_from_the_jwks() {
    let h = Harness::start(1).await;
    let (transaction, client_code) = h.init().await;
    assert_eq!(client_code.len(), 8);
    assert!(transaction.len() >= 22, "at least 128 bits");
    let code = h.response_code(&client_code, "alice").await;
    let answer = h.complete(&transaction, &code).await;
    assert_eq!(answer["status"], 2000, "{answer}");
    let token = answer["data"].as_str().expect("registration token");

    let jwks = get(h.addr(), "/.well-known/jwks.json").await;
    assert_eq!(
        jwks.header("content-type"),
        Some("application/jwk-set+json")
    );
    let ring = KeyRing::from_jwks(
        &Jwks::from_json(&String::from_utf8(jwks.body).expect("utf-8")).expect("jwks"),
    )
    .expect("ring");
    let validation = Validation::new()
        .audience(h.app.id.clone())
        .issuer("https://twoway.test");
    let claims: Claims<Registration> = ring
        .verify(token, &validation, UnixTime(START + 1))
        .expect("token verifies");
    assert_eq!(claims.sub.as_deref(), Some("alice"));
    assert_eq!(claims.extra.idp, IDP);
    assert_eq!(claims.extra.device_id.len(), 32);
    assert!(claims.jti.is_some());
    assert!(
        ring.verify::<Registration>(token, &validation, UnixTime(START + 301))
            .is_err(),
        "short-lived"
    );

    // Single use: the same completion again is unrecoverable.
    let again = h.complete(&transaction, &code).await;
    assert_eq!(again["status"], 5000);
    assert_eq!(again["reason"], "already_completed");
}

#[tokio::test]
async fn a_typo_gives_4001_then_the_right_code_2000() {
    let h = Harness::start(1).await;
    let (transaction, client_code) = h.init().await;
    let code = h.response_code(&client_code, "alice").await;
    let answer = h.complete(&transaction, &wrong(&code)).await;
    assert_eq!(answer["status"], 4001);
    assert_eq!(answer["attempts_left"], 4);
    assert_eq!(h.complete(&transaction, &code).await["status"], 2000);
}

#[tokio::test]
async fn completing_before_the_portal_step_gives_4002_and_costs_nothing() {
    let h = Harness::start(1).await;
    let (transaction, client_code) = h.init().await;
    for _ in 0..6 {
        assert_eq!(h.complete(&transaction, "123456").await["status"], 4002);
    }
    let code = h.response_code(&client_code, "alice").await;
    assert_eq!(h.complete(&transaction, &code).await["status"], 2000);
}

#[tokio::test]
async fn the_attempt_limit_burns_the_pairing_with_5000() {
    let h = Harness::start(1).await;
    let (transaction, client_code) = h.init().await;
    let code = h.response_code(&client_code, "alice").await;
    for left in (1..=4).rev() {
        let answer = h.complete(&transaction, &wrong(&code)).await;
        assert_eq!(
            (answer["status"].as_u64(), answer["attempts_left"].as_u64()),
            (Some(4001), Some(left))
        );
    }
    let answer = h.complete(&transaction, &wrong(&code)).await;
    assert_eq!(answer["status"], 5000);
    assert_eq!(answer["reason"], "too_many_attempts");
    let answer = h.complete(&transaction, &code).await;
    assert_eq!(answer["status"], 5000, "the right code is too late");
    assert_eq!(h.portal(&client_code, "alice").await.status, 410);
}

#[tokio::test]
async fn expiry_gives_5000_to_the_device_and_410_to_the_portal() {
    let h = Harness::start(1).await;
    let (transaction, client_code) = h.init().await;
    let code = h.response_code(&client_code, "alice").await;
    h.advance(300);
    let answer = h.complete(&transaction, &code).await;
    assert_eq!(answer["status"], 5000);
    assert_eq!(answer["reason"], "expired");
    let reply = h.portal(&client_code, "alice").await;
    assert_eq!(reply.status, 410);
    assert_eq!(reply.error_code(), "pairing_burned");

    // Expired before the portal saw it.
    let (transaction, client_code) = h.init().await;
    h.advance(301);
    let reply = h.portal(&client_code, "alice").await;
    assert_eq!(reply.status, 410);
    assert_eq!(reply.error_code(), "pairing_expired");
    assert_eq!(h.complete(&transaction, "000000").await["status"], 5000);
}

#[tokio::test]
async fn an_unknown_transaction_gives_5000() {
    let h = Harness::start(1).await;
    let answer = h
        .complete("not-a-transaction-id-we-ever-issued", "123456")
        .await;
    assert_eq!(answer["status"], 5000);
    assert_eq!(answer["reason"], "unknown_transaction");
}

#[tokio::test]
async fn the_portal_is_idempotent_for_one_user_and_a_second_user_kills_the_pairing() {
    let h = Harness::start(1).await;
    let (transaction, client_code) = h.init().await;
    let first = h.response_code(&client_code, "alice").await;
    assert_eq!(
        h.response_code(&client_code, "alice").await,
        first,
        "same user, same code"
    );
    // Typed in lower case with spaces, as people do.
    let sloppy: String = client_code
        .to_lowercase()
        .chars()
        .flat_map(|c| [c, ' '])
        .collect();
    assert_eq!(h.response_code(&sloppy, "alice").await, first);

    let reply = h.portal(&client_code, "mallory").await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.error_code(), "client_code_claimed");
    let answer = h.complete(&transaction, &first).await;
    assert_eq!(answer["status"], 5000);
    assert_eq!(answer["reason"], "client_code_conflict");
}

#[tokio::test]
async fn fifty_concurrent_wrong_guesses_are_evaluated_at_most_the_attempt_limit() {
    let h = Harness::start(2).await;
    let (transaction, client_code) = h.init().await;
    let code = h.response_code(&client_code, "alice").await;
    let guess = wrong(&code);
    let answers = futures_join(50, |i| {
        h.complete_on(h.replicas[i % 2], &transaction, &guess)
    })
    .await;
    let mut statuses: BTreeMap<u64, usize> = BTreeMap::new();
    for answer in &answers {
        *statuses
            .entry(answer["status"].as_u64().expect("status"))
            .or_default() += 1;
    }
    assert_eq!(
        statuses.get(&4001),
        Some(&4),
        "exactly limit − 1 guesses answered 4001: {statuses:?}"
    );
    assert_eq!(statuses.get(&5000), Some(&46), "{statuses:?}");
    assert_eq!(statuses.len(), 2);
    assert_eq!(
        h.complete(&transaction, &code).await["status"],
        5000,
        "burned for good"
    );
}

#[tokio::test]
async fn thirty_two_concurrent_correct_completions_give_exactly_one_2000() {
    let h = Harness::start(2).await;
    let (transaction, client_code) = h.init().await;
    let code = h.response_code(&client_code, "alice").await;
    let answers = futures_join(32, |i| {
        h.complete_on(h.replicas[i % 2], &transaction, &code)
    })
    .await;
    let wins = answers.iter().filter(|a| a["status"] == 2000).count();
    assert_eq!(wins, 1, "{answers:?}");
    assert!(answers
        .iter()
        .filter(|a| a["status"] != 2000)
        .all(|a| a["status"] == 5000 && a["reason"] == "already_completed"));
}

/// Runs `n` requests at once and collects their answers in order.
async fn futures_join<'a, F, Fut>(n: usize, make: F) -> Vec<serde_json::Value>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = serde_json::Value> + 'a,
{
    let mut set = Vec::with_capacity(n);
    for i in 0..n {
        set.push(make(i));
    }
    join_all(set).await
}

async fn join_all<Fut: std::future::Future>(futures: Vec<Fut>) -> Vec<Fut::Output> {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<Fut::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, future) in out.iter_mut().zip(pinned.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *slot = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter()
        .map(|v| v.expect("every future finished"))
        .collect()
}
