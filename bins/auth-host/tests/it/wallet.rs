//! Wallet sign-in: the challenge, the checks, and the nonce spent exactly once.

use watchword_testkit::http::CookieJar;

use crate::harness::{expect_status, Host, Wallet, SHOP};

#[tokio::test]
async fn a_signed_challenge_signs_in_and_me_shows_the_account() {
    let host = Host::start().await;
    let wallet = Wallet::new(1);
    let mut jar = CookieJar::new();
    let reply = host.wallet_sign_in(&mut jar, &wallet, false).await;
    expect_status(&reply, 200);
    let body = reply.json();
    assert_eq!(body["is_new"], true);
    assert!(jar.get("oc_session").is_some() && jar.get("oc_browser").is_some());
    let cookie = reply
        .headers
        .iter()
        .find(|(n, v)| n.eq_ignore_ascii_case("set-cookie") && v.starts_with("oc_session="))
        .map(|(_, v)| v.clone())
        .expect("session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    // A loopback http host in development: no Secure, or the browser would drop the cookie.
    assert!(!cookie.contains("Secure"), "{cookie}");
    let me = host.get(&mut jar, "/api/auth/me").await;
    expect_status(&me, 200);
    let me = me.json();
    assert_eq!(me["session"]["address"], wallet.address.as_str());
    assert_eq!(me["session"]["signing_method"], "bip322_simple");
    assert_eq!(me["account"]["address"], wallet.address.as_str());
    assert_eq!(me["accounts"].as_array().map(Vec::len), Some(1));
    // The same wallet again is the same account.
    let again = host.wallet_sign_in(&mut jar, &wallet, false).await;
    expect_status(&again, 200);
    assert_eq!(again.json()["is_new"], false);
    assert_eq!(again.json()["sub"], body["sub"]);
}

#[tokio::test]
async fn a_replayed_signed_challenge_is_refused() {
    let host = Host::start().await;
    let wallet = Wallet::new(2);
    let (message, nonce) = host.challenge(&wallet).await;
    let body = wallet.sign_in_body(&message, &nonce);
    let first = host
        .post(&mut CookieJar::new(), "/api/auth/signin", &body)
        .await;
    expect_status(&first, 200);
    let replay = host
        .post(&mut CookieJar::new(), "/api/auth/signin", &body)
        .await;
    expect_status(&replay, 409);
    assert_eq!(replay.error_code(), "nonce_used");
    // Nor does the verify-only endpoint take it.
    let verify = host
        .post(
            &mut CookieJar::new(),
            "/api/challenge",
            &serde_json::json!({"message": message, "signature": body["signature"]}),
        )
        .await;
    expect_status(&verify, 409);
}

#[tokio::test]
async fn thirty_two_concurrent_sign_ins_with_one_nonce_give_one_cookie() {
    let host = std::sync::Arc::new(Host::start().await);
    let wallet = Wallet::new(3);
    let (message, nonce) = host.challenge(&wallet).await;
    let body = wallet.sign_in_body(&message, &nonce);
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (host, body) = (host.clone(), body.clone());
            tokio::spawn(async move {
                let mut jar = CookieJar::new();
                let reply = host.post(&mut jar, "/api/auth/signin", &body).await;
                let code = if reply.status == 200 {
                    String::new()
                } else {
                    reply.error_code()
                };
                (reply.status, code, jar.get("oc_session").is_some())
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("task"));
    }
    let winners = outcomes
        .iter()
        .filter(|(status, _, _)| *status == 200)
        .count();
    let cookies = outcomes.iter().filter(|(_, _, cookie)| *cookie).count();
    assert_eq!((winners, cookies), (1, 1), "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .filter(|(status, _, _)| *status != 200)
            .all(|(status, code, _)| *status == 409 && code == "nonce_used"),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn each_sign_in_rule_refuses_its_breach() {
    let host = Host::start().await;
    let wallet = Wallet::new(4);
    let other = Wallet::new(5);
    let (message, nonce) = host.challenge(&wallet).await;
    let good = wallet.sign_in_body(&message, &nonce);
    let mut jar = CookieJar::new();
    let cases = [
        ("message_mismatch", 400, {
            let mut b = good.clone();
            b["message"] = serde_json::json!(format!("{message}extra: 1\n"));
            b
        }),
        ("address_mismatch", 400, {
            let mut b = good.clone();
            b["address"] = serde_json::json!(other.address);
            b
        }),
        ("sig_invalid", 401, {
            let mut b = good.clone();
            b["signature"] = serde_json::json!(other.sign(&message));
            b
        }),
        ("nonce_unknown", 401, {
            let mut b = good.clone();
            b["nonce"] = serde_json::json!("00000000000000000000000000000000");
            b
        }),
        ("invalid_request", 400, {
            let mut b = good.clone();
            b["nonce"] = serde_json::json!("not-a-nonce");
            b
        }),
    ];
    for (code, status, body) in cases {
        let reply = host.post(&mut jar, "/api/auth/signin", &body).await;
        expect_status(&reply, status);
        assert_eq!(reply.error_code(), code);
    }
    // None of those failures spent the nonce: the rightful signature still signs in.
    expect_status(&host.post(&mut jar, "/api/auth/signin", &good).await, 200);
    // An expired challenge is refused.
    let (message, nonce) = host.challenge(&wallet).await;
    host.advance(301);
    let late = host
        .post(
            &mut jar,
            "/api/auth/signin",
            &wallet.sign_in_body(&message, &nonce),
        )
        .await;
    expect_status(&late, 401);
    assert_eq!(late.error_code(), "expired");
}

#[tokio::test]
async fn challenges_are_only_issued_for_the_network_and_the_family() {
    let host = Host::start().await;
    let mut jar = CookieJar::new();
    let testnet = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx";
    let reply = host
        .get(&mut jar, &format!("/api/challenge?addr={testnet}"))
        .await;
    expect_status(&reply, 400);
    assert_eq!(reply.error_code(), "network_mismatch");
    let reply = host
        .get(&mut jar, "/api/challenge?addr=not-an-address")
        .await;
    assert_eq!(reply.error_code(), "invalid_address");
    let reply = host.get(&mut jar, "/api/challenge").await;
    assert_eq!(reply.error_code(), "invalid_request");
    let wallet = Wallet::new(6);
    let outsider = format!(
        "/api/challenge?addr={}&audience=https://evil.example",
        wallet.address
    );
    let reply = host.get(&mut jar, &outsider).await;
    assert_eq!(reply.error_code(), "audience_not_allowed");
    let shop = format!("/api/challenge?addr={}&audience={SHOP}", wallet.address);
    let reply = host.get(&mut jar, &shop).await;
    expect_status(&reply, 200);
    let body = reply.json();
    assert!(body["message"].as_str().unwrap().contains(SHOP), "{body}");
    assert!(body["expiresAt"].as_str().unwrap().ends_with('Z'), "{body}");
}

#[tokio::test]
async fn verify_only_checks_a_signed_challenge_without_a_session() {
    let host = Host::start().await;
    let wallet = Wallet::new(7);
    let reply = host
        .get(
            &mut CookieJar::new(),
            &format!("/api/challenge?addr={}&purpose=attest", wallet.address),
        )
        .await;
    let body = reply.json();
    let message = body["message"].as_str().unwrap().to_owned();
    let mut jar = CookieJar::new();
    // A challenge of another purpose does not sign in.
    let signin = host
        .post(
            &mut jar,
            "/api/auth/signin",
            &wallet.sign_in_body(&message, body["nonce"].as_str().unwrap()),
        )
        .await;
    assert_eq!(signin.error_code(), "purpose_mismatch");
    let verify = host
        .post(
            &mut jar,
            "/api/challenge",
            &serde_json::json!({"message": message, "signature": wallet.sign(&message)}),
        )
        .await;
    expect_status(&verify, 200);
    assert_eq!(verify.json()["address"], wallet.address.as_str());
    assert_eq!(verify.json()["purpose"], "attest");
    assert!(jar.get("oc_session").is_none());
}
