//! Several accounts per browser: add, switch, sign out of one or all, and the CSRF check.

use watchword_testkit::http::CookieJar;

use crate::harness::{expect_status, Host, Wallet, SHOP};

fn active(reply: &watchword_testkit::http::Reply) -> Option<String> {
    reply.json()["accounts"]
        .as_array()?
        .iter()
        .find(|a| a["active"] == true)
        .and_then(|a| a["sub"].as_str().map(str::to_owned))
}

#[tokio::test]
async fn add_switch_and_sign_out_of_one_then_all() {
    let host = Host::start().await;
    let mut jar = CookieJar::new();
    let first = host.wallet_sign_in(&mut jar, &Wallet::new(10), false).await;
    expect_status(&first, 200);
    let a = first.json()["sub"].as_str().unwrap().to_owned();
    let second = host
        .email_sign_in(&mut jar, "roster@example.test", true)
        .await;
    expect_status(&second, 200);
    let b = second.json()["sub"].as_str().unwrap().to_owned();
    assert_ne!(a, b);
    assert_eq!(second.json()["accounts"].as_array().map(Vec::len), Some(2));
    assert_eq!(active(&second).as_deref(), Some(b.as_str()));
    let me = host.get(&mut jar, "/api/auth/me").await;
    assert_eq!(me.json()["session"]["sub"], b.as_str());

    let switched = host
        .post(&mut jar, "/api/auth/switch", &serde_json::json!({"sub": a}))
        .await;
    expect_status(&switched, 200);
    assert_eq!(switched.json()["active"], a.as_str());
    let me = host.get(&mut jar, "/api/auth/me").await;
    assert_eq!(me.json()["session"]["sub"], a.as_str());
    assert_eq!(
        me.json()["session"]["address"],
        Wallet::new(10).address.as_str(),
        "a switch back keeps the wallet proof"
    );

    let same = host
        .post(&mut jar, "/api/auth/switch", &serde_json::json!({"sub": a}))
        .await;
    expect_status(&same, 409);
    assert_eq!(same.error_code(), "already_active");
    let stranger = host
        .post(
            &mut jar,
            "/api/auth/switch",
            &serde_json::json!({"sub": "u_nobody"}),
        )
        .await;
    expect_status(&stranger, 404);
    assert_eq!(stranger.error_code(), "not_in_roster");

    let current = host
        .post(
            &mut jar,
            "/api/auth/logout?scope=current",
            &serde_json::json!({}),
        )
        .await;
    expect_status(&current, 200);
    assert_eq!(current.json()["active"], b.as_str());
    let me = host.get(&mut jar, "/api/auth/me").await;
    assert_eq!(me.json()["session"]["sub"], b.as_str());
    assert_eq!(me.json()["accounts"].as_array().map(Vec::len), Some(1));

    let all = host
        .post(&mut jar, "/api/auth/logout", &serde_json::json!({}))
        .await;
    expect_status(&all, 200);
    assert!(jar.get("oc_session").is_none());
    expect_status(&host.get(&mut jar, "/api/auth/me").await, 401);
}

#[tokio::test]
async fn a_signed_out_session_no_longer_opens_the_host() {
    let host = Host::start().await;
    let mut jar = CookieJar::new();
    expect_status(
        &host.wallet_sign_in(&mut jar, &Wallet::new(11), false).await,
        200,
    );
    let kept = jar.clone();
    expect_status(
        &host
            .post(&mut jar, "/api/auth/logout", &serde_json::json!({}))
            .await,
        200,
    );
    // The old cookies, replayed after sign-out, are refused by the host.
    let replay = host
        .call_keeping(&kept, "GET", "/api/auth/me", None, None, &[])
        .await;
    expect_status(&replay, 401);
    assert_eq!(replay.error_code(), "not_signed_in");
}

#[tokio::test]
async fn a_sign_in_that_replaces_the_roster_ends_the_previous_one() {
    let host = Host::start().await;
    let mut jar = CookieJar::new();
    expect_status(
        &host.wallet_sign_in(&mut jar, &Wallet::new(14), false).await,
        200,
    );
    let copied = jar.clone();
    expect_status(
        &host
            .email_sign_in(&mut jar, "replacer@example.test", false)
            .await,
        200,
    );
    expect_status(&host.get(&mut jar, "/api/auth/me").await, 200);
    let stale = host
        .call_keeping(&copied, "GET", "/api/auth/me", None, None, &[])
        .await;
    expect_status(&stale, 401);
}

#[tokio::test]
async fn switch_needs_a_session_and_the_roster_holds_five() {
    let host = Host::start().await;
    let mut jar = CookieJar::new();
    let anonymous = host
        .post(
            &mut jar,
            "/api/auth/switch",
            &serde_json::json!({"sub": "u_x"}),
        )
        .await;
    expect_status(&anonymous, 401);
    for seed in 20..25 {
        expect_status(
            &host
                .wallet_sign_in(&mut jar, &Wallet::new(seed), true)
                .await,
            200,
        );
    }
    let sixth = host.wallet_sign_in(&mut jar, &Wallet::new(25), true).await;
    expect_status(&sixth, 409);
    assert_eq!(sixth.error_code(), "roster_full");
    // Without add, a sign-in replaces the roster.
    let fresh = host.wallet_sign_in(&mut jar, &Wallet::new(25), false).await;
    expect_status(&fresh, 200);
    assert_eq!(fresh.json()["accounts"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn posts_from_outside_the_family_are_refused_and_family_sites_get_credentialed_cors() {
    let host = Host::start().await;
    let mut jar = CookieJar::new();
    expect_status(
        &host.wallet_sign_in(&mut jar, &Wallet::new(12), false).await,
        200,
    );
    let evil = host
        .call(
            &mut jar,
            "POST",
            "/api/auth/logout",
            Some("https://evil.example"),
            Some(&serde_json::json!({})),
        )
        .await;
    expect_status(&evil, 403);
    assert_eq!(evil.error_code(), "origin_not_allowed");
    expect_status(&host.get(&mut jar, "/api/auth/me").await, 200);
    let shop = host
        .call(&mut jar, "GET", "/api/auth/me", Some(SHOP), None)
        .await;
    expect_status(&shop, 200);
    assert_eq!(shop.header("access-control-allow-origin"), Some(SHOP));
    assert_eq!(
        shop.header("access-control-allow-credentials"),
        Some("true")
    );
}

#[tokio::test]
async fn the_account_name_and_email_can_change() {
    let host = Host::start().await;
    let mut jar = CookieJar::new();
    expect_status(
        &host.wallet_sign_in(&mut jar, &Wallet::new(13), false).await,
        200,
    );
    let named = host
        .call(
            &mut jar,
            "PATCH",
            "/api/auth/account",
            Some(&host.url.clone()),
            Some(&serde_json::json!({"name": "Ada"})),
        )
        .await;
    expect_status(&named, 200);
    assert_eq!(named.json()["account"]["name"], "Ada");
    let me = host.get(&mut jar, "/api/auth/me").await;
    assert_eq!(
        me.json()["session"]["name"],
        "Ada",
        "the cookie is re-signed with the name"
    );
    let code = host
        .mailed_code(&mut jar, "wallet-owner@example.test")
        .await;
    let emailed = host
        .call(
            &mut jar,
            "PATCH",
            "/api/auth/account",
            Some(&host.url.clone()),
            Some(&serde_json::json!({"email": "wallet-owner@example.test", "code": code})),
        )
        .await;
    expect_status(&emailed, 200);
    // That email now signs in to the same account.
    let mut other = CookieJar::new();
    let by_email = host
        .email_sign_in(&mut other, "wallet-owner@example.test", false)
        .await;
    expect_status(&by_email, 200);
    assert_eq!(by_email.json()["sub"], me.json()["session"]["sub"]);
    let bad = host
        .call(
            &mut jar,
            "PATCH",
            "/api/auth/account",
            Some(&host.url.clone()),
            Some(&serde_json::json!({"name": "a\u{0007}b"})),
        )
        .await;
    assert_eq!(bad.error_code(), "invalid_name");
}
