//! The twoway demo walked in headless Chromium: the device page shows a client code, the
//! portal turns it into a response code, a typo gives 4001, the right code pairs, and the
//! registration token verifies against the surface's JWKS.

use watchword_testkit::browser::{fill_and_submit, text, Chromium};

use crate::dev::DevServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_and_portal_pages_pair_in_a_browser() {
    let dev = DevServer::start();
    let browser = Chromium::launch().await;

    let device = browser.open(&format!("{}/twoway/device", dev.demo)).await;
    let client_code = text(&device, "#client-code").await;
    assert_eq!(client_code.len(), 8, "{client_code:?}");

    // Completing before the portal step: 4002.
    fill_and_submit(&device, "#data", "123456", "button[type=submit]").await;
    assert!(text(&device, "#status").await.starts_with("4002"));

    let portal = browser.open(&format!("{}/twoway/portal", dev.demo)).await;
    assert_eq!(text(&portal, "#user").await, "alice");
    fill_and_submit(
        &portal,
        "#client_code",
        &client_code.to_lowercase(),
        "button[type=submit]",
    )
    .await;
    let response_code = text(&portal, "#response-code").await;
    assert_eq!(response_code.len(), 6, "{response_code:?}");

    let typo: String = response_code
        .chars()
        .map(|c| if c == '9' { '0' } else { '9' })
        .collect();
    fill_and_submit(&device, "#data", &typo, "button[type=submit]").await;
    assert_eq!(
        text(&device, "#status").await,
        "4001: wrong response code, 4 attempts left"
    );

    fill_and_submit(&device, "#data", &response_code, "button[type=submit]").await;
    assert_eq!(text(&device, "#status").await, "2000: paired");
    let verified = text(&device, "#verified").await;
    assert!(
        verified.starts_with("Verified against the JWKS: user alice, device "),
        "{verified}"
    );
    assert_eq!(
        text(&device, "#token").await.split('.').count(),
        3,
        "a compact JWS"
    );

    browser.close().await;
    dev.stop();
}
