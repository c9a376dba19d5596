//! The approval flows in headless Chromium: a partner site that embeds `GetHTML`'s snippet
//! and redeems the token, and the approver app at `/device` enrolled from a mailed link.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::json;
use tokio::net::TcpListener;
use watchword_http::{html, ApiError, App, Request, Response, Router};
use watchword_testkit::browser::{
    element, text, type_into, wait_for, Chromium, ClientCertificate, Page, VirtualAuthenticator,
};
use watchword_testkit::http::{request, send_raw};

use crate::device::enrol_code;
use crate::harness::{Harness, Options, ADA};

/// The partner's site: a sign-in page with the snippet, and the page its form posts to.
struct Shop {
    approval: SocketAddr,
    srv: String,
}

async fn api(
    shop: &Shop,
    operation: &str,
    body: &serde_json::Value,
) -> watchword_testkit::http::Reply {
    let body = body.to_string();
    send_raw(
        shop.approval,
        &request(
            "POST",
            &format!("/api/{operation}"),
            &[
                ("content-type", "application/json"),
                ("SrvAPIKey", &shop.srv),
            ],
            Some(body.as_bytes()),
        ),
    )
    .await
}

async fn sign_in(shop: Arc<Shop>, request: Request) -> Result<Response, ApiError> {
    let page_type: u8 = request
        .query("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let started = api(
        &shop,
        "getTransactionID",
        &json!({ "UserMail": ADA, "requestype": 0, "Message": "Sign in to the shop" }),
    )
    .await;
    let id = started.json()["TransactionID"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let snippet = api(
        &shop,
        "GetHTML",
        &json!({ "transactionid": id, "pageType": page_type, "FormID": "login" }),
    )
    .await;
    Ok(html(format!(
        "<!doctype html><html><body><h1>Shop</h1><form id=\"login\" method=\"post\" action=\"/done\"></form>{}</body></html>",
        snippet.text()
    )))
}

async fn done(shop: Arc<Shop>, request: Request) -> Result<Response, ApiError> {
    let form = request.form()?;
    let token = form
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let verified = api(
        &shop,
        "VerifyToken",
        &json!({ "token": token, "UserMail": ADA }),
    )
    .await
    .json();
    Ok(html(format!(
        "<!doctype html><html><body><p id=\"result\">{} {}</p><p id=\"token\">{}</p></body></html>",
        verified["isValid"],
        verified["UserValided"].as_str().unwrap_or_default(),
        token
    )))
}

/// The approval surface (on the wall clock) and the shop, whose origin names it by `host`.
async fn start_shop(host: &str) -> (Harness, String) {
    start_shop_with(host, None).await
}

/// As [`start_shop`], with a client-certificate listener on `certificate`'s TLS settings.
async fn start_shop_with(
    host: &str,
    certificate: Option<Arc<rustls::ServerConfig>>,
) -> (Harness, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let origin = format!(
        "http://{host}:{}",
        listener.local_addr().expect("addr").port()
    );
    let h = Harness::start_with(Options {
        wall_clock: true,
        origins: vec![origin.clone()],
        certificate,
        ..Options::default()
    })
    .await;
    let shop = Shop {
        approval: h.addr(),
        srv: h.partner.srv.clone(),
    };
    let store = watchword_store::open("memory://").expect("store");
    let router = Router::new().safe_get("/", sign_in).post("/done", done);
    tokio::spawn(
        App::new("shop", Arc::new(shop), store, router).serve(listener, std::future::pending()),
    );
    (h, origin)
}

async fn enrol_in_browser(h: &Harness, browser: &Chromium) -> Page {
    let device = browser.open(&format!("http://{}/device", h.addr())).await;
    wait_for(
        &device,
        "document.getElementById('status').dataset.state === 'unenrolled'",
    )
    .await;
    type_into(&device, "#mail", ADA).await;
    element(&device, "#enrol button")
        .await
        .click()
        .await
        .expect("send the link");
    let mail = h.smtp.wait_for_message(ADA, Duration::from_secs(10)).await;
    let link = format!("http://{}/device#enrol={}", h.addr(), enrol_code(&mail));
    // The link changes only the fragment of the open app, as a tapped link in the same tab would.
    device
        .evaluate(format!(
            "location.hash = {}",
            serde_json::to_string(&link.split_once('#').map(|(_, f)| f).unwrap_or_default())
                .unwrap_or_default()
        ))
        .await
        .expect("open the enrolment link");
    wait_for(
        &device,
        "document.getElementById('status').dataset.state === 'listening'",
    )
    .await;
    device
}

/// Clicks the device page's button for `number` on the request the page shows for `message`'s
/// request type, once it arrives.
async fn pick(device: &Page, number: u64) {
    let selector = format!("article:not([data-state]) button.choice[data-number='{number}']");
    element(device, &selector).await;
    device
        .evaluate(format!("document.querySelector(\"{selector}\").click()"))
        .await
        .expect("click the number");
}

async fn settled(device: &Page) -> String {
    wait_for(device, "(() => { const a = [...document.querySelectorAll('article[data-state]')].pop(); return a && a.dataset.state; })()")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn approvals_in_chromium_standard_flow_photo_signature_and_denial() {
    let (h, shop_origin) = start_shop("127.0.0.1").await;
    let browser = Chromium::launch().await;
    let device = enrol_in_browser(&h, &browser).await;
    // The device key stays in the browser: IndexedDB holds a key the page cannot export.
    let extractable = device
        .evaluate("new Promise(r => { const o = indexedDB.open('watchword-approval', 1); o.onsuccess = () => { const g = o.result.transaction('device').objectStore('device').get('device'); g.onsuccess = () => r(g.result.keys.privateKey.extractable); }; })")
        .await
        .expect("read the key")
        .into_value::<bool>()
        .expect("a boolean");
    assert!(!extractable);

    // Standard flow: the shop's page shows the number, the customer picks it on the phone,
    // the page posts the token, the shop redeems it.
    let page = browser.open(&format!("{shop_origin}/")).await;
    let number: u64 = text(&page, ".watchword-approval-number")
        .await
        .parse()
        .expect("a number");
    pick(&device, number).await;
    assert_eq!(settled(&device).await, "approved");
    let result = shop_result(&page).await;
    assert_eq!(result, format!("true {ADA}"));
    let token = text(&page, "#token").await;
    let again = h
        .server("VerifyToken", &json!({ "token": token }))
        .await
        .json();
    assert_eq!(again["isValid"], false, "a token redeems once");

    photo(&h, &device).await;
    signature(&h, &device).await;

    // Denial: the customer refuses on the phone; the partner's page is told.
    let page = browser.open(&format!("{shop_origin}/")).await;
    element(&page, ".watchword-approval-number").await;
    element(&device, "article:not([data-state]) button.deny").await;
    device
        .evaluate("document.querySelector('article:not([data-state]) button.deny').click()")
        .await
        .expect("deny");
    wait_for(
        &page,
        "document.querySelector('[data-watchword-approval]').dataset.state === 'denied'",
    )
    .await;
    browser.close().await;
}

/// A photo, taken with the app's file input, handed to the partner's client.
async fn photo(h: &Harness, device: &Page) {
    // A photo, taken with the page's file input.
    let (id, number) = h.start_transaction(ADA, 2, "photo-client").await;
    element(device, "article:not([data-state]) input[type=file]").await;
    device
        .evaluate(format!(
            "(() => {{ const bytes = Uint8Array.from(atob('{}'), c => c.charCodeAt(0)); const t = new DataTransfer(); \
             t.items.add(new File([bytes], 'photo.png', {{ type: 'image/png' }})); \
             const input = document.querySelector('article:not([data-state]) input[type=file]'); input.files = t.files; }})()",
            STANDARD.encode(crate::device::PNG_BYTES)
        ))
        .await
        .expect("choose the photo");
    pick(device, number).await;
    wait_for(
        device,
        "document.querySelectorAll('article[data-state=approved]').length === 2",
    )
    .await;
    let result = h
        .client("GetResult", &json!({ "transactionid": id }))
        .await
        .json();
    assert_eq!(result["isValid"], true, "{result}");
    assert_eq!(result["Attachment"]["Kind"], "photo");
    assert_eq!(
        STANDARD
            .decode(result["Attachment"]["Data"].as_str().unwrap())
            .unwrap(),
        crate::device::PNG_BYTES
    );
}

/// A document signature: drawn on the canvas, and signed by the device key.
async fn signature(h: &Harness, device: &Page) {
    // A document signature: drawn on the canvas, and signed by the device key.
    let (id, number) = h.start_transaction(ADA, 6, "signature-client").await;
    element(device, "article:not([data-state]) canvas").await;
    device
        .evaluate(
            "(() => { const c = document.querySelector('article:not([data-state]) canvas'); const b = c.getBoundingClientRect(); \
             const at = (type, x, y) => c.dispatchEvent(new PointerEvent(type, { clientX: b.left + x, clientY: b.top + y, bubbles: true })); \
             at('pointerdown', 10, 10); at('pointermove', 60, 40); at('pointermove', 120, 20); at('pointerup', 120, 20); })()",
        )
        .await
        .expect("draw");
    pick(device, number).await;
    wait_for(
        device,
        "document.querySelectorAll('article[data-state=approved]').length === 3",
    )
    .await;
    let result = h
        .client("GetResult", &json!({ "transactionid": id }))
        .await
        .json();
    let attachment = &result["Attachment"];
    assert_eq!(attachment["Kind"], "signature", "{result}");
    assert!(STANDARD
        .decode(attachment["Data"].as_str().unwrap())
        .unwrap()
        .starts_with(b"\x89PNG"));
    let jwk = &attachment["DeviceKey"];
    let point = [
        &[4u8][..],
        &URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap(),
        &URL_SAFE_NO_PAD.decode(jwk["y"].as_str().unwrap()).unwrap(),
    ]
    .concat();
    let signature = URL_SAFE_NO_PAD
        .decode(attachment["MessageSignature"].as_str().unwrap())
        .unwrap();
    assert!(ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_FIXED,
        point
    )
    .verify(b"Sign in to the shop", &signature)
    .is_ok());
}

#[tokio::test]
async fn security_keys_register_and_validate_on_the_partners_page_in_chromium() {
    // WebAuthn takes a domain as its relying party, not an address: the shop is on localhost.
    let (_approval, shop_origin) = start_shop("localhost").await;
    let browser = Chromium::launch().await;
    let page = browser.open(&format!("{shop_origin}/?page=1")).await;
    let authenticator = VirtualAuthenticator::add(&page).await;

    // A validation before any registration: the page says so, nothing is approved.
    let note = press(&page, ".watchword-approval-key").await;
    assert!(
        note.as_str()
            .unwrap_or_default()
            .contains("register one first"),
        "{note}"
    );

    // Registration (page type 2) approves its transaction and stores the key.
    page.goto(format!("{shop_origin}/?page=2"))
        .await
        .expect("registration page");
    press_and_sign_in(&page, ".watchword-approval-key").await;
    assert_eq!(authenticator.credential_count(&page).await, 1);

    // Validation (page type 1) with the registered key.
    page.goto(format!("{shop_origin}/?page=1"))
        .await
        .expect("validation page");
    press_and_sign_in(&page, ".watchword-approval-key").await;

    // A bogus signature is refused, and the page can try again.
    page.goto(format!("{shop_origin}/?page=1"))
        .await
        .expect("validation page");
    authenticator.set_overrides(&page, true, false, false).await;
    let note = press(&page, ".watchword-approval-key").await;
    assert!(
        note.as_str().unwrap_or_default().contains("did not verify"),
        "{note}"
    );
    authenticator
        .set_overrides(&page, false, false, false)
        .await;
    press_and_sign_in(&page, ".watchword-approval-key:not([disabled])").await;
    browser.close().await;
}

/// `SendRequest` for Ada from the partner's server, in a task: its answer when it comes.
fn send_request(h: &Harness, message: &str) -> tokio::task::JoinHandle<serde_json::Value> {
    let addr = h.addr();
    let srv = h.partner.srv.clone();
    let body = json!({
        "UserMail": ADA, "requestype": 4, "Message": message,
        "userIP": "203.0.113.9", "OSType": "Windows", "NavigatorOrAPPName": "Zapier",
    })
    .to_string();
    tokio::spawn(async move {
        let reply = send_raw(
            addr,
            &request(
                "POST",
                "/api/SendRequest",
                &[("content-type", "application/json"), ("SrvAPIKey", &srv)],
                Some(body.as_bytes()),
            ),
        )
        .await;
        reply.json()
    })
}

#[tokio::test]
async fn the_server_only_flow_in_chromium_answered_and_timed_out() {
    let mut options = Options {
        wall_clock: true,
        ..Options::default()
    };
    options.config.server_only_wait = std::time::Duration::from_secs(4);
    let h = Harness::start_with(options).await;
    let browser = Chromium::launch().await;
    let device = enrol_in_browser(&h, &browser).await;

    // No page shows a number: the app shows where the request came from, and one Approve.
    let waiting = send_request(&h, "Pay invoice 42");
    element(&device, "article:not([data-state]) button.approve").await;
    let from = text(&device, "article:not([data-state]) .from").await;
    assert_eq!(from, "From 203.0.113.0/24 · Windows · Zapier");
    assert!(device
        .find_element("article:not([data-state]) button.choice")
        .await
        .is_err());
    device
        .evaluate("document.querySelector('article:not([data-state]) button.approve').click()")
        .await
        .expect("approve");
    let answer = waiting.await.expect("answer");
    assert_eq!(answer["isValid"], true, "{answer}");
    assert_eq!(answer["UserValided"], ADA);

    // Unanswered, the request times out and leaves the app.
    let waiting = send_request(&h, "Pay invoice 43");
    element(&device, "article:not([data-state]) button.approve").await;
    let answer = waiting.await.expect("answer");
    assert_eq!(answer["code"], "timeout", "{answer}");
    wait_for(
        &device,
        "document.querySelectorAll('article[data-state=gone]').length === 1",
    )
    .await;
    browser.close().await;
}

/// The shop with a client-certificate listener of a test CA, and the switch that makes
/// Chromium trust the listener's key (as the customer's browser trusts the operator's
/// certificate).
async fn start_certificate_shop(
    pki: &crate::certificate::Pki,
) -> (crate::harness::Harness, String, String) {
    let (chain, key, spki) = pki.server_with_spki();
    let tls = watchword_approval_server::certificate::tls_config(chain, key, vec![pki.root()])
        .expect("TLS settings");
    let (approval, shop_origin) = start_shop_with("localhost", Some(tls)).await;
    let spki = base64::engine::general_purpose::STANDARD
        .encode(ring::digest::digest(&ring::digest::SHA256, &spki));
    (
        approval,
        shop_origin,
        format!("--ignore-certificate-errors-spki-list={spki}"),
    )
}

#[tokio::test]
async fn a_client_certificate_in_chromium_approves_the_sign_in() {
    let pki = crate::certificate::Pki::new("Example Corp CA");
    let (approval, shop_origin, trust) = start_certificate_shop(&pki).await;
    let listener = approval.certificate.expect("a certificate listener");
    let origin = format!("https://localhost:{}", listener.port());
    let (certificate_pem, key_pem) = pki.client_pem(ADA);
    let browser = Chromium::launch_with_client_certificate(
        &ClientCertificate {
            certificate_pem: &certificate_pem,
            key_pem: &key_pem,
            origin: &origin,
        },
        &[trust],
    )
    .await;
    let page = browser.open(&format!("{shop_origin}/?page=3")).await;
    press_and_sign_in(&page, ".watchword-approval-certificate").await;
    browser.close().await;
}

#[tokio::test]
async fn without_a_client_certificate_the_page_says_what_is_needed() {
    let pki = crate::certificate::Pki::new("Example Corp CA");
    let (_approval, shop_origin, trust) = start_certificate_shop(&pki).await;
    let browser = Chromium::launch_with(&[trust]).await;
    let page = browser.open(&format!("{shop_origin}/?page=3")).await;
    let note = press(&page, ".watchword-approval-certificate").await;
    assert_eq!(
        note,
        "present a client certificate of your organisation, with your email address"
    );
    browser.close().await;
}

/// Clicks the snippet's button `selector` on `page`: the snippet posts the token into the
/// shop's form, and the shop must have redeemed it as Ada's.
async fn press_and_sign_in(page: &Page, selector: &str) {
    element(page, selector).await.click().await.expect("click");
    assert_eq!(shop_result(page).await, format!("true {ADA}"));
}

/// What the shop's page says after it redeemed the posted token: `isValid` and `UserValided`.
async fn shop_result(page: &Page) -> serde_json::Value {
    wait_for(
        page,
        "document.getElementById('result') && document.getElementById('result').textContent",
    )
    .await
}

/// Clicks the snippet's button `selector` on `page` and waits for the note it leaves.
async fn press(page: &Page, selector: &str) -> serde_json::Value {
    element(page, selector).await.click().await.expect("click");
    wait_for(
        page,
        "document.querySelector('.watchword-approval-note').textContent",
    )
    .await
}
