//! Email-code sign-in over real SMTP: the mail, the code's single use and its attempt limit.

use std::sync::Arc;
use std::time::Duration;

use watchword_testkit::http::CookieJar;

use crate::harness::{code_in, expect_status, Host};

#[tokio::test]
async fn the_mailed_code_signs_in_and_the_mail_says_where_it_came_from() {
    let host = Host::start().await;
    let mut jar = CookieJar::new();
    let start = host
        .call_keeping(
            &jar,
            "POST",
            "/api/auth/email-otp/start",
            Some(&host.url),
            Some(&serde_json::json!({"email": " Ada@Example.TEST "})),
            &[("user-agent", "TestBrowser/1.0")],
        )
        .await;
    expect_status(&start, 200);
    jar.store("/api/auth/email-otp/start", &start);
    assert!(jar.get("oc_otp").is_some(), "the code's transaction cookie");
    assert!(start.json()["expiresAt"].is_string());
    let mail = host
        .smtp
        .wait_for_message("ada@example.test", Duration::from_secs(10))
        .await;
    let code = code_in(&mail.subject);
    let text = mail.text.clone().expect("a plain-text part");
    let html = mail.html.clone().expect("an HTML part");
    for part in [&text, &html] {
        assert!(part.contains(&code), "{part}");
        assert!(part.contains(&host.url), "names the origin: {part}");
        assert!(
            part.contains("TestBrowser/1.0"),
            "names the browser: {part}"
        );
        assert!(part.contains("10 minutes"), "{part}");
    }
    let verify = host
        .post(
            &mut jar,
            "/api/auth/email-otp/verify",
            &serde_json::json!({"email": "ada@example.test", "code": code}),
        )
        .await;
    expect_status(&verify, 200);
    let me = host.get(&mut jar, "/api/auth/me").await;
    expect_status(&me, 200);
    assert_eq!(me.json()["account"]["email"], "ada@example.test");
    // The code is spent.
    let again = host
        .post(
            &mut CookieJar::new(),
            "/api/auth/email-otp/verify",
            &serde_json::json!({"email": "ada@example.test", "code": code}),
        )
        .await;
    expect_status(&again, 401);
    assert_eq!(again.error_code(), "code_unknown");
}

#[tokio::test]
async fn five_wrong_codes_burn_the_code() {
    let host = Host::start().await;
    let email = "bob@example.test";
    let mut jar = CookieJar::new();
    let code = host.mailed_code(&mut jar, email).await;
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    for left in (1..5).rev() {
        let reply = host
            .post(
                &mut jar,
                "/api/auth/email-otp/verify",
                &serde_json::json!({"email": email, "code": wrong}),
            )
            .await;
        expect_status(&reply, 401);
        assert_eq!(reply.error_code(), "code_invalid");
        assert_eq!(reply.json()["error"]["attempts_left"], left);
    }
    let fifth = host
        .post(
            &mut jar,
            "/api/auth/email-otp/verify",
            &serde_json::json!({"email": email, "code": wrong}),
        )
        .await;
    assert_eq!(fifth.error_code(), "code_burned");
    // Burned means burned: the right code no longer works.
    let right = host
        .post(
            &mut jar,
            "/api/auth/email-otp/verify",
            &serde_json::json!({"email": email, "code": code}),
        )
        .await;
    expect_status(&right, 401);
    assert_eq!(right.error_code(), "code_unknown");
    assert!(jar.get("oc_session").is_none());
}

#[tokio::test]
async fn thirty_two_concurrent_verifies_of_one_code_give_one_session() {
    let host = Arc::new(Host::start().await);
    let email = "carol@example.test";
    let mut browser = CookieJar::new();
    let code = host.mailed_code(&mut browser, email).await;
    let body = serde_json::json!({"email": email, "code": code});
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (host, body, mut jar) = (host.clone(), body.clone(), browser.clone());
            tokio::spawn(async move {
                let reply = host
                    .post(&mut jar, "/api/auth/email-otp/verify", &body)
                    .await;
                (reply.status, jar.get("oc_session").is_some())
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("task"));
    }
    let sessions = outcomes
        .iter()
        .filter(|(status, cookie)| *status == 200 && *cookie)
        .count();
    assert_eq!(sessions, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|(status, _)| *status == 200 || *status == 401),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn an_expired_code_and_bad_input_are_refused() {
    let host = Host::start().await;
    let email = "dan@example.test";
    let mut jar = CookieJar::new();
    let code = host.mailed_code(&mut jar, email).await;
    for (body, code_expected) in [
        (
            serde_json::json!({"email": "not an email", "code": "123456"}),
            "invalid_email",
        ),
        (
            serde_json::json!({"email": email, "code": "12345"}),
            "invalid_code",
        ),
        (serde_json::json!({"email": email}), "invalid_request"),
    ] {
        let reply = host
            .post(&mut jar, "/api/auth/email-otp/verify", &body)
            .await;
        expect_status(&reply, 400);
        assert_eq!(reply.error_code(), code_expected, "{body}");
    }
    host.advance(601);
    let late = host
        .post(
            &mut jar,
            "/api/auth/email-otp/verify",
            &serde_json::json!({"email": email, "code": code}),
        )
        .await;
    expect_status(&late, 401);
    assert_eq!(late.error_code(), "code_unknown");
}

#[tokio::test]
async fn starts_are_limited_per_address() {
    let host = Host::start().await;
    let email = "eve@example.test";
    let body = serde_json::json!({"email": email});
    for _ in 0..5 {
        expect_status(
            &host
                .post(&mut CookieJar::new(), "/api/auth/email-otp/start", &body)
                .await,
            200,
        );
    }
    let sixth = host
        .post(&mut CookieJar::new(), "/api/auth/email-otp/start", &body)
        .await;
    expect_status(&sixth, 429);
    assert!(sixth.header("retry-after").is_some());
    // Another address from the same client still gets its code.
    expect_status(
        &host
            .post(
                &mut CookieJar::new(),
                "/api/auth/email-otp/start",
                &serde_json::json!({"email": "frank@example.test"}),
            )
            .await,
        200,
    );
}

#[tokio::test]
async fn a_code_works_only_in_the_browser_that_asked_and_for_its_address() {
    let host = Host::start().await;
    let mut asker = CookieJar::new();
    let code = host.mailed_code(&mut asker, "gina@example.test").await;
    let body = serde_json::json!({"email": "gina@example.test", "code": code});
    // Someone who reads the mail elsewhere, without the transaction cookie.
    let elsewhere = host
        .post(&mut CookieJar::new(), "/api/auth/email-otp/verify", &body)
        .await;
    expect_status(&elsewhere, 401);
    assert_eq!(elsewhere.error_code(), "code_unknown");
    // The right browser and code, another address.
    let other = host
        .post(
            &mut asker.clone(),
            "/api/auth/email-otp/verify",
            &serde_json::json!({"email": "hank@example.test", "code": code}),
        )
        .await;
    assert_eq!(other.error_code(), "code_unknown");
    // Neither counted as a try nor spent the code.
    let right = host
        .post(&mut asker, "/api/auth/email-otp/verify", &body)
        .await;
    expect_status(&right, 200);
    assert!(
        asker.get("oc_otp").is_none(),
        "the transaction cookie is cleared"
    );
}
