//! The approval demo walked in headless Chromium, as a newcomer would: enrol the approver app
//! from the demo page's link, start a standard sign-in, pick the shop's number on the app, and
//! see the shop's server verify the token; then a distributed request read with `GetResult`.

use watchword_testkit::browser::{
    click_and_wait, element, text, wait_for, Chromium, Page, VirtualAuthenticator,
};

use crate::dev::DevServer;

async fn pick(app: &Page, number: &str) {
    let selector = format!("article:not([data-state]) button.choice[data-number='{number}']");
    element(app, &selector).await;
    app.evaluate(format!("document.querySelector(\"{selector}\").click()"))
        .await
        .expect("pick the number");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_approval_demo_runs_the_standard_and_distributed_flows_in_a_browser() {
    let dev = DevServer::start();
    // The approval demo runs on localhost, where its security-key pages work.
    let demo_url = dev.demo.replace("127.0.0.1", "localhost");
    let browser = Chromium::launch().await;

    let demo = browser.open(&format!("{demo_url}/approval")).await;
    click_and_wait(&demo, "form[action='/approval/enrol'] button").await;
    let link = text(&demo, "#enrol").await;
    assert!(link.contains("/device#enrol="), "{link}");
    // Opened as a tapped link would be: the app, then its fragment (CDP waits forever on a
    // new target whose first URL has a fragment).
    let (app_url, fragment) = link.split_once('#').expect("a fragment");
    let app = browser.open(app_url).await;
    app.evaluate(format!("location.hash = '{fragment}'"))
        .await
        .expect("follow the link");
    wait_for(
        &app,
        "document.getElementById('status').dataset.state === 'listening'",
    )
    .await;
    assert!(text(&app, "#status").await.contains("ada@example.com"));

    // Standard flow: the shop's sign-in page shows a number, the app offers it, the page posts
    // the token, the shop's server redeems it.
    let shop = browser.open(&format!("{demo_url}/approval")).await;
    click_and_wait(&shop, "form[action='/approval/start'] button").await;
    let number = text(&shop, ".watchword-approval-number").await;
    pick(&app, &number).await;
    let status = wait_for(
        &shop,
        "document.getElementById('status') && document.getElementById('status').textContent",
    )
    .await;
    assert_eq!(
        status,
        "isValid: true · UserValided: ada@example.com · Message: approved"
    );

    // Distributed flow: the private token reaches the client after the approval.
    let client = browser.open(&format!("{demo_url}/approval")).await;
    click_and_wait(&client, "form input[value=distributed] ~ button").await;
    let number = text(&client, "#number").await;
    pick(&app, &number).await;
    wait_for(
        &app,
        "document.querySelectorAll('article[data-state=approved]').length === 2",
    )
    .await;
    click_and_wait(&client, "form[action='/approval/result'] button").await;
    assert!(text(&client, "#status").await.starts_with("isValid: true"));
    assert_eq!(
        text(&client, "#private-token").await,
        "\"the private token of the demo\""
    );

    // A security key: registered on the shop's page (page type 2), then used (page type 1).
    let shop = browser.open(&format!("{demo_url}/approval")).await;
    let authenticator = VirtualAuthenticator::add(&shop).await;
    for page_type in ["2", "1"] {
        shop.goto(format!("{demo_url}/approval"))
            .await
            .expect("demo page");
        shop.evaluate(format!(
            "document.getElementById('pageType').value = '{page_type}'"
        ))
        .await
        .expect("choose the page");
        click_and_wait(&shop, "form[action='/approval/start'] button").await;
        element(&shop, ".watchword-approval-key")
            .await
            .click()
            .await
            .expect("use the key");
        let status = wait_for(
            &shop,
            "document.getElementById('status') && document.getElementById('status').textContent",
        )
        .await;
        assert_eq!(
            status, "isValid: true · UserValided: ada@example.com · Message: approved",
            "page type {page_type}"
        );
    }
    assert_eq!(authenticator.credential_count(&shop).await, 1);

    browser.close().await;
    dev.stop();
}
