//! The sign-in host demo of `watchword dev` in headless Chromium: a wallet injected into the
//! page (backed by the demo's real BIP-322 signer) signs in, an emailed code adds a second
//! account, the page switches between them and signs out of one and then all. The demo page
//! is a site of the host's family: after each step it verifies the cookie itself.

use watchword_testkit::browser::{click_and_wait, type_into, wait_for, Chromium, Page};

use crate::dev::DevServer;

/// An injected provider in the shape of Unisat's `window.unisat`, whose signatures come from
/// the demo wallet (a real BIP-322 signer behind `/auth/demo-wallet/sign`).
const INJECTED_WALLET: &str = r"
window.unisat = {
  requestAccounts: async () => [(await (await fetch('/auth/demo-wallet')).json()).address],
  signMessage: async (message, type) => {
    if (type !== 'bip322-simple') throw new Error('unexpected signature type ' + type);
    const response = await fetch('/auth/demo-wallet/sign', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message }),
    });
    return (await response.json()).signature;
  },
};";

async fn consumer(page: &Page) -> (bool, String) {
    let value = wait_for(
        page,
        "document.readyState === 'complete' && document.getElementById('consumer') && \
         [document.getElementById('consumer').dataset.signedIn, document.getElementById('consumer').dataset.sub || '']",
    )
    .await;
    (
        value[0] == "true",
        value[1].as_str().unwrap_or_default().to_owned(),
    )
}

async fn roster_len(page: &Page) -> usize {
    let value = wait_for(
        page,
        "document.querySelectorAll('#roster li[data-sub]').length > 0 && document.querySelectorAll('#roster li[data-sub]').length",
    )
    .await;
    usize::try_from(value.as_u64().unwrap_or(0)).unwrap_or(0)
}

#[tokio::test]
async fn wallet_email_add_switch_and_sign_out_in_chromium() {
    let dev = DevServer::start();
    let port = dev.addr().rsplit_once(':').expect("port").1.to_owned();
    let url = format!("http://localhost:{port}/auth");
    let browser = Chromium::launch().await;
    let page = browser.open("about:blank").await;
    page.evaluate_on_new_document(INJECTED_WALLET)
        .await
        .expect("inject the wallet");
    page.goto(url.as_str()).await.expect("open the demo");
    page.wait_for_navigation().await.expect("load");
    assert_eq!(consumer(&page).await, (false, String::new()));

    // The page finds the injected wallet and signs in with it.
    click_and_wait(&page, "#wallet-unisat").await;
    let (signed_in, wallet_sub) = consumer(&page).await;
    assert!(signed_in, "{}", page.content().await.unwrap_or_default());
    let shown = page.content().await.unwrap_or_default();
    let address = dev
        .banner
        .iter()
        .find_map(|line| line.trim().strip_prefix("demo wallet: "))
        .expect("the banner names the demo wallet");
    assert!(
        shown.contains(address),
        "the verified session carries the address"
    );

    // An emailed code adds a second account to the roster.
    page.evaluate("document.getElementById('add').checked = true")
        .await
        .expect("add");
    type_into(&page, "#email", "ada@example.test").await;
    page.evaluate("document.getElementById('send-code').click()")
        .await
        .expect("send");
    let subject = wait_for(&page, "document.getElementById('mail').textContent").await;
    let code: String = subject
        .as_str()
        .unwrap_or_default()
        .split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .expect("a six-digit code in the outbox")
        .to_owned();
    page.evaluate("document.getElementById('add').checked = true")
        .await
        .expect("add");
    type_into(&page, "#code", &code).await;
    click_and_wait(&page, "#verify-code").await;
    let (signed_in, email_sub) = consumer(&page).await;
    assert!(signed_in);
    assert_ne!(email_sub, wallet_sub);
    assert_eq!(roster_len(&page).await, 2);

    // Switch back to the wallet account.
    click_and_wait(&page, "#roster button.switch").await;
    assert_eq!(consumer(&page).await, (true, wallet_sub.clone()));

    // Sign out of the active account only: the other one stays.
    click_and_wait(&page, "#sign-out-current").await;
    assert_eq!(consumer(&page).await, (true, email_sub));
    assert_eq!(roster_len(&page).await, 1);

    // And out of all.
    click_and_wait(&page, "#sign-out-all").await;
    assert_eq!(consumer(&page).await, (false, String::new()));
    browser.close().await;
    dev.stop();
}
