//! The passkey demo in headless Chromium with a DevTools WebAuthn virtual authenticator (CTAP2,
//! internal, resident keys, user verification): the demo page registers a passkey and then
//! signs in with it through `headless.js`, and the demo backend validates each token. A bogus
//! signature, a missing user verification and a replayed assertion are each refused, and a
//! token validates only once.

use watchword_testkit::browser::{
    click_and_wait, fill_and_submit, text, wait_for, Chromium, Page, VirtualAuthenticator,
};
use watchword_testkit::http::{request, send_raw, Reply};

use crate::dev::DevServer;

/// The passkey server's `host:port` and the demo client's credentials, from the banner.
fn passkey_surface(dev: &DevServer) -> (String, String, String) {
    let addr = dev
        .banner
        .iter()
        .find_map(|line| line.trim().strip_prefix("passkey"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|url| url.strip_prefix("http://"))
        .expect("the banner names the passkey URL")
        .to_owned();
    let credentials = dev
        .banner
        .iter()
        .find_map(|line| line.trim().strip_prefix("clientId / clientSecret: "))
        .expect("the banner prints the demo client");
    let (id, secret) = credentials.split_once(" / ").expect("id / secret");
    (addr, id.to_owned(), secret.to_owned())
}

/// Records, in session storage (which outlives the navigation the SDK's callback starts),
/// the last credential the SDK posted and the token it got back.
const CAPTURE: &str = r"
(() => {
  sessionStorage.removeItem('token');
  const original = window.fetch;
  window.fetch = async (url, init) => {
    const response = await original(url, init);
    if (init && init.method === 'POST') {
      sessionStorage.setItem('credential', init.body);
      sessionStorage.setItem('credentialUrl', String(url));
      try { sessionStorage.setItem('token', (await response.clone().json()).token || ''); } catch (e) {}
    }
    return response;
  };
  return true;
})()";

async fn session(page: &Page, key: &str) -> String {
    page.evaluate(format!("sessionStorage.getItem('{key}') || ''"))
        .await
        .expect("session storage")
        .into_value::<String>()
        .expect("text")
}

/// Runs the demo for `email` up to the ceremony page, with the fetch capture installed.
async fn ceremony_page(page: &Page, demo: &str, email: &str) {
    page.goto(format!("{demo}/passkey"))
        .await
        .expect("open the demo");
    wait_for(
        page,
        "document.readyState === 'complete' && !!document.getElementById('email')",
    )
    .await;
    fill_and_submit(page, "#email", email, "#continue").await;
    wait_for(
        page,
        "typeof window.OTPless === 'function' && !!document.getElementById('start')",
    )
    .await;
    page.evaluate(CAPTURE).await.expect("capture");
}

async fn post(addr: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut all = headers.to_vec();
    all.push(("content-type", "application/json"));
    send_raw(
        addr.parse().expect("addr"),
        &request("POST", path, &all, Some(body.as_bytes())),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passkey_registers_signs_in_and_refuses_forgeries() {
    let dev = DevServer::start();
    let (passkey, client_id, secret) = passkey_surface(&dev);
    let port = dev.addr().rsplit(':').next().expect("port").to_owned();
    // WebAuthn refuses IP addresses as relying party ids: the demo runs on localhost.
    let demo = format!("http://localhost:{port}");
    let browser = Chromium::launch().await;
    let page = browser.open("about:blank").await;
    let authenticator = VirtualAuthenticator::add(&page).await;

    // Registration: the identity has no passkey yet.
    ceremony_page(&page, &demo, "ada@example.com").await;
    click_and_wait(&page, "#start").await;
    let status = text(&page, "#status").await;
    assert!(
        status.starts_with("REGISTRATION: ada@example.com is user usr_"),
        "{status}"
    );
    let user = status.rsplit(' ').next().expect("user id").to_owned();
    assert_eq!(authenticator.credential_count(&page).await, 1);
    let device = text(&page, "#device").await;
    assert!(
        device.starts_with("Chrome 156 on Linux (desktop)"),
        "{device}"
    );
    // The demo backend spent the token: validating it again fails.
    let token = session(&page, "token").await;
    assert!(!token.is_empty());
    let auth = [
        ("clientId", client_id.as_str()),
        ("clientSecret", secret.as_str()),
    ];
    let again = post(
        &passkey,
        "/auth/v1/validate/token",
        &auth,
        &format!("{{\"token\":\"{token}\"}}"),
    )
    .await;
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["errorCode"], "invalid_token");

    // Sign-in with the passkey just made: the same user.
    ceremony_page(&page, &demo, "ada@example.com").await;
    click_and_wait(&page, "#start").await;
    let status = text(&page, "#status").await;
    assert_eq!(status, format!("LOGIN: ada@example.com is user {user}"));
    let assertion = session(&page, "credential").await;
    let assertion_url = session(&page, "credentialUrl").await;
    assert!(assertion.contains("\"signature\""), "{assertion}");
    let used_path = assertion_url
        .split_once(&passkey)
        .map(|(_, path)| path.to_owned())
        .expect("a passkey server URL");

    // A replayed assertion: its request is spent, and a new request has another challenge.
    let replay = post(&passkey, &used_path, &[], &assertion).await;
    assert_eq!(
        replay.status,
        409,
        "{}",
        String::from_utf8_lossy(&replay.body)
    );
    assert_eq!(replay.json()["error"]["code"], "request_used");
    let fresh = post(
        &passkey,
        "/auth/v1/webauthn",
        &auth,
        r#"{"identityType":"EMAIL","identityValue":"ada@example.com","rpName":"Demo","domain":"localhost","userDisplayName":"Ada"}"#,
    )
    .await;
    let fresh_id = fresh.json()["requestId"]
        .as_str()
        .expect("requestId")
        .to_owned();
    let replay = post(
        &passkey,
        &format!("/auth/v1/webauthn/{fresh_id}"),
        &[],
        &assertion,
    )
    .await;
    assert_eq!(
        replay.status,
        400,
        "{}",
        String::from_utf8_lossy(&replay.body)
    );
    assert_eq!(replay.json()["reason"], "challenge_mismatch");

    // A bogus signature, then a response without the UV flag.
    for (bogus, uv_unset, reason) in [
        (true, false, "bad_signature"),
        (false, true, "user_not_verified"),
    ] {
        authenticator
            .set_overrides(&page, bogus, uv_unset, false)
            .await;
        ceremony_page(&page, &demo, "ada@example.com").await;
        page.evaluate("document.getElementById('start').click()")
            .await
            .expect("start");
        let failed = wait_for(
            &page,
            "(() => { const s = document.getElementById('status').textContent; return s.startsWith('Passkey failed') ? s : null; })()",
        )
        .await;
        let failed = failed.as_str().expect("status");
        assert!(
            failed.starts_with(&format!("Passkey failed: verification_failed [{reason}]")),
            "{failed}"
        );
        let refused = session(&page, "token").await;
        assert!(refused.is_empty(), "no token for a {reason} failure");
    }
    authenticator
        .set_overrides(&page, false, false, false)
        .await;

    // Registering a second passkey on demand.
    page.goto(format!("{demo}/passkey")).await.expect("open");
    wait_for(&page, "!!document.getElementById('register')").await;
    page.evaluate("document.getElementById('register').checked = true")
        .await
        .expect("check");
    fill_and_submit(&page, "#email", "ada@example.com", "#continue").await;
    wait_for(&page, "typeof window.OTPless === 'function'").await;
    // The authenticator already holds a passkey for this user: it refuses a second one
    // (excludeCredentials), and the page says so.
    page.evaluate("document.getElementById('start').click()")
        .await
        .expect("start");
    let failed = wait_for(
        &page,
        "(() => { const s = document.getElementById('status').textContent; return s.startsWith('Passkey failed') ? s : null; })()",
    )
    .await;
    assert!(
        failed.as_str().is_some_and(|s| s.contains("INVALID_STATE")),
        "{failed}"
    );

    browser.close().await;
    dev.stop();
}
