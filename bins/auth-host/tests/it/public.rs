//! The public side: statistics without per-user data, and the contact form over SMTP.

use std::time::Duration;

use watchword_testkit::http::CookieJar;

use crate::harness::{expect_status, Host, Options, Wallet, SHOP};

#[tokio::test]
async fn family_stats_count_accounts_and_sign_ins_without_naming_anyone() {
    let host = Host::start().await;
    let mut jar = CookieJar::new();
    let before = host.get(&mut jar, "/api/family-stats").await;
    expect_status(&before, 200);
    assert_eq!(before.json()["accounts"], 0);
    let wallet = Wallet::new(60);
    expect_status(&host.wallet_sign_in(&mut jar, &wallet, false).await, 200);
    expect_status(&host.wallet_sign_in(&mut jar, &wallet, false).await, 200);
    expect_status(
        &host
            .email_sign_in(&mut jar, "stats@example.test", true)
            .await,
        200,
    );
    // Cached for a minute: the same answer until then.
    assert_eq!(
        host.get(&mut jar, "/api/family-stats").await.json()["accounts"],
        0
    );
    host.advance(61);
    let after = host.get(&mut jar, "/api/family-stats").await;
    let stats = after.json();
    assert_eq!(stats["accounts"], 2, "{stats}");
    assert_eq!(stats["sign_ins_24h"]["wallet"], 2, "{stats}");
    assert_eq!(stats["sign_ins_24h"]["email"], 1, "{stats}");
    let text = String::from_utf8_lossy(&after.body);
    assert!(
        !text.contains(&wallet.address) && !text.contains("stats@"),
        "{text}"
    );
}

#[tokio::test]
async fn the_contact_form_relays_over_smtp_from_the_hosts_own_pages_only() {
    let host = Host::start_with(Options {
        contact: true,
        ..Options::default()
    })
    .await;
    let message = serde_json::json!({
        "name": "Vera", "email": "vera@example.test", "subject": "Hello", "message": "<b>Hi</b> there",
    });
    let from_shop = host
        .call(
            &mut CookieJar::new(),
            "POST",
            "/api/contact",
            Some(SHOP),
            Some(&message),
        )
        .await;
    expect_status(&from_shop, 403);
    let without_origin = host
        .call(
            &mut CookieJar::new(),
            "POST",
            "/api/contact",
            None,
            Some(&message),
        )
        .await;
    expect_status(&without_origin, 403);
    expect_status(
        &host
            .post(&mut CookieJar::new(), "/api/contact", &message)
            .await,
        200,
    );
    let mail = host
        .smtp
        .wait_for_message("operator@example.test", Duration::from_secs(10))
        .await;
    assert_eq!(mail.subject, "[contact] Hello");
    assert!(mail
        .text
        .as_deref()
        .unwrap_or_default()
        .contains("vera@example.test"));
    let html = mail.html.clone().unwrap_or_default();
    assert!(
        html.contains("&lt;b&gt;Hi&lt;/b&gt;"),
        "escaped in HTML: {html}"
    );
}

#[tokio::test]
async fn without_a_contact_address_the_form_is_off() {
    let host = Host::start().await;
    let reply = host
        .post(
            &mut CookieJar::new(),
            "/api/contact",
            &serde_json::json!({"email": "a@example.test", "message": "x"}),
        )
        .await;
    expect_status(&reply, 503);
    assert_eq!(reply.error_code(), "contact_off");
}
