//! OpenID Connect sign-in against a real provider on loopback (oidc-provider).

use watchword_testkit::http::{query_param, split_url, CookieJar};

use crate::harness::{expect_status, Host, Options, PROVIDER};

/// Whether the jar holds an `oc_oauth_…` cookie for the callback path.
fn flow_cookie(jar: &CookieJar) -> bool {
    jar.header(&format!("/api/auth/{PROVIDER}/callback"))
        .is_some_and(|cookies| cookies.contains("oc_oauth_"))
}

async fn start(host: &Host, jar: &mut CookieJar, query: &str) -> String {
    let reply = host
        .get(jar, &format!("/api/auth/{PROVIDER}/start{query}"))
        .await;
    expect_status(&reply, 302);
    reply.header("location").expect("location").to_owned()
}

#[tokio::test]
async fn an_openid_provider_signs_in_and_mints_an_account() {
    let host = Host::start_with(Options {
        oidc: true,
        ..Options::default()
    })
    .await;
    let oidc = host.oidc.as_ref().expect("provider");
    let mut jar = CookieJar::new();
    let listed = host.get(&mut jar, "/api/auth/providers").await;
    assert_eq!(listed.json()["providers"][0]["name"], PROVIDER);
    let authorize = start(&host, &mut jar, "?return_to=/welcome").await;
    assert!(authorize.starts_with(&oidc.issuer()), "{authorize}");
    for param in ["state", "nonce", "code_challenge"] {
        assert!(
            query_param(&authorize, param).is_some(),
            "{param} in {authorize}"
        );
    }
    assert_eq!(
        query_param(&authorize, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert!(flow_cookie(&jar), "the flow's cookie is set");
    let callback = oidc.login(&authorize, "alice").await;
    let (_, _, target) = split_url(&callback);
    let done = host.get(&mut jar, target).await;
    expect_status(&done, 303);
    assert_eq!(
        done.header("location"),
        Some(format!("{}/welcome", host.url).as_str())
    );
    assert!(!flow_cookie(&jar), "the flow's cookie is cleared");
    let me = host.get(&mut jar, "/api/auth/me").await;
    expect_status(&me, 200);
    assert_eq!(me.json()["account"]["providers"][0], PROVIDER);
    assert_eq!(me.json()["account"]["name"], "User alice");
    // The callback cannot be used twice.
    let replay = host.get(&mut jar, target).await;
    expect_status(&replay, 400);
    assert_eq!(replay.error_code(), "oauth_state_unknown");
    // The same person again is the same account.
    let mut again = CookieJar::new();
    let authorize = start(&host, &mut again, "").await;
    let callback = oidc.login(&authorize, "alice").await;
    let (_, _, target) = split_url(&callback);
    expect_status(&host.get(&mut again, target).await, 303);
    let me_again = host.get(&mut again, "/api/auth/me").await;
    assert_eq!(
        me_again.json()["session"]["sub"],
        me.json()["session"]["sub"]
    );
}

#[tokio::test]
async fn a_callback_in_another_browser_is_refused_and_spends_nothing() {
    let host = Host::start_with(Options {
        oidc: true,
        ..Options::default()
    })
    .await;
    let oidc = host.oidc.as_ref().expect("provider");
    let mut jar = CookieJar::new();
    let authorize = start(&host, &mut jar, "").await;
    let callback = oidc.login(&authorize, "mallory").await;
    let (_, _, target) = split_url(&callback);
    let elsewhere = host.get(&mut CookieJar::new(), target).await;
    expect_status(&elsewhere, 403);
    assert_eq!(elsewhere.error_code(), "oauth_browser_mismatch");
    // The browser that started still finishes.
    expect_status(&host.get(&mut jar, target).await, 303);
}

#[tokio::test]
async fn bad_starts_are_refused() {
    let host = Host::start_with(Options {
        oidc: true,
        ..Options::default()
    })
    .await;
    let mut jar = CookieJar::new();
    let unknown = host.get(&mut jar, "/api/auth/nobody/start").await;
    expect_status(&unknown, 404);
    assert_eq!(unknown.error_code(), "provider_unknown");
    let away = host
        .get(
            &mut jar,
            &format!("/api/auth/{PROVIDER}/start?return_to=https://evil.example/"),
        )
        .await;
    expect_status(&away, 400);
    assert_eq!(away.error_code(), "return_to_not_allowed");
    let sneaky = host
        .get(
            &mut jar,
            &format!("/api/auth/{PROVIDER}/start?return_to=//evil.example/"),
        )
        .await;
    assert_eq!(sneaky.error_code(), "return_to_not_allowed");
    let no_state = host
        .get(&mut jar, &format!("/api/auth/{PROVIDER}/callback?code=x"))
        .await;
    assert_eq!(no_state.error_code(), "oauth_state_unknown");
}

#[tokio::test]
async fn sign_ins_started_in_two_tabs_of_one_browser_both_finish() {
    let host = Host::start_with(Options {
        oidc: true,
        ..Options::default()
    })
    .await;
    let oidc = host.oidc.as_ref().expect("provider");
    let mut jar = CookieJar::new();
    let first = start(&host, &mut jar, "").await;
    let second = start(&host, &mut jar, "?add=1").await;
    let first_back = oidc.login(&first, "ivy").await;
    let second_back = oidc.login(&second, "jon").await;
    for callback in [first_back, second_back] {
        let (_, _, target) = split_url(&callback);
        expect_status(&host.get(&mut jar, target).await, 303);
    }
    let me = host.get(&mut jar, "/api/auth/me").await;
    assert_eq!(me.json()["accounts"].as_array().map(Vec::len), Some(2));
}
