//! The host's pages in headless Chromium: OpenID Connect sign-in through a real provider on
//! loopback, and the API explorer.

use watchword_testkit::browser::{fill_and_submit, wait_for, Chromium};

use crate::harness::{Host, Options, PROVIDER};

#[tokio::test]
async fn a_browser_signs_in_through_the_provider_and_comes_back_signed_in() {
    let host = Host::start_with(Options {
        oidc: true,
        ..Options::default()
    })
    .await;
    let browser = Chromium::launch().await;
    let start = format!(
        "{}/api/auth/{PROVIDER}/start?return_to=/api/auth/me",
        host.url
    );
    let page = browser.open(&start).await;
    // The provider's login form.
    fill_and_submit(&page, "#login", "grace", "#submit").await;
    let me = wait_for(
        &page,
        "location.pathname === '/api/auth/me' && document.body && document.body.innerText",
    )
    .await;
    let me: serde_json::Value =
        serde_json::from_str(me.as_str().unwrap_or_default()).expect("the /me JSON");
    assert_eq!(me["account"]["name"], "User grace");
    assert_eq!(me["account"]["providers"][0], PROVIDER);
    assert_eq!(me["accounts"].as_array().map(Vec::len), Some(1));
    // The session cookie is HttpOnly: page script cannot read it.
    let visible = page
        .evaluate("document.cookie")
        .await
        .expect("cookies")
        .into_value::<String>()
        .unwrap_or_default();
    assert!(!visible.contains("oc_session"), "{visible}");
    browser.close().await;
}

#[tokio::test]
async fn the_api_explorer_lists_every_operation_and_tries_one() {
    let host = Host::start().await;
    let document: serde_json::Value =
        serde_json::from_str(watchword_auth_host_server::OPENAPI).expect("document");
    let operations = document["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| item.as_object().map_or(0, serde_json::Map::len))
        .sum::<usize>();
    let browser = Chromium::launch().await;
    let page = browser.open(&format!("{}/api-explorer", host.url)).await;
    let listed = wait_for(
        &page,
        "document.querySelectorAll('details[data-operation]').length || null",
    )
    .await;
    assert_eq!(listed.as_u64(), u64::try_from(operations).ok());
    page.evaluate(
        "(() => { const d = document.querySelector('details[data-operation=jwks]'); d.open = true; \
         d.querySelector('button').click(); return true; })()",
    )
    .await
    .expect("send");
    let output = wait_for(
        &page,
        "(() => { const t = document.querySelector('details[data-operation=jwks] pre').textContent; \
         return t.startsWith('200') && t; })()",
    )
    .await;
    assert!(
        output.as_str().unwrap_or_default().contains("Ed25519"),
        "{output}"
    );
    browser.close().await;
}
