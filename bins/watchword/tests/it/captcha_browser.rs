//! The captcha demo walked in headless Chromium: the partner form on the demo site embeds
//! `ocapi.js` from the captcha server under a strict CSP, a wrong transcription brings a new
//! challenge, the right one (read from the demo corpus, whose words the test knows) fills the
//! hidden field, the demo backend's partner JWT check accepts the form once, and a second
//! submission of the same challenge id is rejected. The same for the invisible proof of work,
//! solved in the widget's Web Worker.

use watchword_testkit::browser::{
    element, fill_and_submit, text, type_into, wait_for, Chromium, Page,
};
use watchword_testkit::http::{request, send_raw};

use crate::dev::DevServer;

/// The captcha server's `host:port`, from the banner.
fn captcha_addr(dev: &DevServer) -> String {
    dev.banner
        .iter()
        .find_map(|line| line.trim().strip_prefix("captcha"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|url| url.strip_prefix("http://"))
        .expect("the banner names the captcha URL")
        .to_owned()
}

/// The image URLs the widget shows, once both are set.
async fn shown_images(page: &Page) -> Vec<String> {
    let urls = wait_for(
        page,
        "(() => { const s = Array.from(document.querySelectorAll('.ocapi-image')).map(i => i.src).filter(Boolean); return s.length === 2 ? s : null; })()",
    )
    .await;
    urls.as_array()
        .expect("two URLs")
        .iter()
        .map(|u| u.as_str().expect("URL").to_owned())
        .collect()
}

/// What a person would type for each image: the known word, or anything for the unknown one.
async fn read_words(captcha: &str, images: &[String]) -> Vec<String> {
    let corpus = watchword_captcha::demo::corpus();
    let known: Vec<_> = corpus
        .iter()
        .map(|item| watchword_testkit::images::blurred(&item.png))
        .collect();
    let mut words = Vec::new();
    for url in images {
        let path = url
            .split_once(captcha)
            .map(|(_, path)| path.to_owned())
            .expect("an image of the captcha server");
        let reply = send_raw(
            captcha.parse().expect("addr"),
            &request("GET", &path, &[], None),
        )
        .await;
        assert_eq!(reply.status, 200, "{path}");
        // Served images are drawn afresh: recognise the word, not the bytes.
        let item = &corpus
            [watchword_testkit::images::closest(&reply.body, &known).expect("a demo corpus image")];
        words.push(item.answer.clone().unwrap_or_else(|| "anything".into()));
    }
    words
}

/// The value of the widget's hidden field.
const RESPONSE: &str = "document.querySelector('input[name=ocapi-response]').value";

/// Posts the demo form again with `challenge`, as a replaying bot would.
async fn resubmit(dev: &DevServer, kind: &str, challenge: &str) -> (u16, String) {
    let body = format!("name=Mallory&ocapi-response={challenge}");
    let reply = send_raw(
        dev.addr().parse().expect("addr"),
        &request(
            "POST",
            &format!("/captcha?kind={kind}"),
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(body.as_bytes()),
        ),
    )
    .await;
    (
        reply.status,
        String::from_utf8_lossy(&reply.body).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transcription_protects_the_demo_form() {
    let dev = DevServer::start();
    let captcha = captcha_addr(&dev);
    let browser = Chromium::launch().await;
    let page = browser.open(&format!("{}/captcha", dev.demo)).await;

    let first = shown_images(&page).await;
    type_into(&page, ".ocapi-word:nth-child(1) .ocapi-input", "wrong").await;
    type_into(&page, ".ocapi-word:nth-child(2) .ocapi-input", "words").await;
    element(&page, ".ocapi-verify")
        .await
        .click()
        .await
        .expect("verify");
    // A wrong answer brings a new challenge at once; the field stays empty.
    let script = format!(
        "(() => {{ const s = Array.from(document.querySelectorAll('.ocapi-image')).map(i => i.src); return s.length === 2 && s[0] !== {} ? s : null; }})()",
        serde_json::to_string(&first[0]).expect("json")
    );
    let second: Vec<String> = wait_for(&page, &script)
        .await
        .as_array()
        .expect("URLs")
        .iter()
        .map(|u| u.as_str().expect("URL").to_owned())
        .collect();
    assert_ne!(first, second);
    assert_eq!(
        page.evaluate(RESPONSE)
            .await
            .expect("field")
            .into_value::<String>()
            .expect("text"),
        ""
    );
    let status = text(&page, ".ocapi-status").await;
    assert!(!status.is_empty(), "the live region says what happened");

    let words = read_words(&captcha, &second).await;
    type_into(
        &page,
        ".ocapi-word:nth-child(1) .ocapi-input",
        &words[0].to_uppercase(),
    )
    .await;
    type_into(&page, ".ocapi-word:nth-child(2) .ocapi-input", &words[1]).await;
    element(&page, ".ocapi-verify")
        .await
        .click()
        .await
        .expect("verify");
    let challenge = wait_for(&page, RESPONSE).await;
    let challenge = challenge.as_str().expect("id").to_owned();
    assert!(
        second[0].contains(&challenge),
        "the field holds the solved challenge"
    );

    fill_and_submit(&page, "#name", "Ada", "#submit").await;
    let status = text(&page, "#status").await;
    assert!(status.starts_with("Accepted: welcome, Ada!"), "{status}");

    let (code, body) = resubmit(&dev, "transcription", &challenge).await;
    assert_eq!(code, 403, "{body}");
    assert!(
        body.contains("Rejected: the challenge is consumed"),
        "{body}"
    );

    browser.close().await;
    dev.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invisible_proof_of_work_protects_the_demo_form() {
    let dev = DevServer::start();
    let browser = Chromium::launch().await;
    let page = browser
        .open(&format!("{}/captcha?kind=proof_of_work", dev.demo))
        .await;
    // Nothing to type: the worker finds the solution and the widget posts it.
    let challenge = wait_for(&page, RESPONSE).await;
    let challenge = challenge.as_str().expect("id").to_owned();
    assert!(
        page.evaluate("document.querySelectorAll('.ocapi-input').length")
            .await
            .expect("count")
            .into_value::<u64>()
            .expect("number")
            == 0,
        "a proof of work shows no input"
    );
    fill_and_submit(&page, "#name", "Grace", "#submit").await;
    let status = text(&page, "#status").await;
    assert!(status.starts_with("Accepted: welcome, Grace!"), "{status}");

    let (code, body) = resubmit(&dev, "proof_of_work", &challenge).await;
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("Rejected"), "{body}");

    // A made-up challenge id is rejected too.
    let (code, _) = resubmit(&dev, "proof_of_work", "AAAAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(code, 403);

    browser.close().await;
    dev.stop();
}
