//! The OpenAPI document against the server: every status it documents for an operation is one
//! the server really answers, and the server answers nothing it does not document.

use futures::future::join_all;
use watchword_testkit::contract;
use watchword_testkit::http::{get, request, send_raw};

use crate::harness::{Harness, ORIGIN};

const CREATE: &str = "/v1/sites/shop/challenge";

async fn send(
    h: &Harness,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> u16 {
    send_raw(h.addr(), &request(method, path, headers, body))
        .await
        .status
}

/// Sends `n` copies of a request, 50 at a time; the last status.
async fn flood(
    h: &Harness,
    n: usize,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> u16 {
    let mut last = 0;
    for start in (0..n).step_by(50) {
        let batch = (start..n.min(start + 50)).map(|_| send(h, method, path, headers, body));
        last = *join_all(batch).await.iter().max().expect("a batch");
    }
    last
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one scenario that reaches every documented answer
async fn every_documented_status_is_sent_and_nothing_else() {
    let mut h = Harness::start(1).await;
    let browser = [("origin", ORIGIN)];
    let json = [("origin", ORIGIN), ("content-type", "application/json")];

    // 200 of every operation.
    let id = h.solved("transcription").await;
    assert_eq!(h.check(&id).await.status, 200);
    let challenge = h.create("transcription").await;
    let pending = challenge["id"].as_str().expect("id").to_owned();
    let image = format!("/v1/sites/shop/challenges/{pending}/images/0");
    assert_eq!(send(&h, "GET", &image, &browser, None).await, 200);
    h.siteverify(&format!("secret={}&response={id}", h.shop.secret))
        .await;
    for path in ["/openapi.json", "/healthz", "/readyz"] {
        assert_eq!(get(h.addr(), path).await.status, 200, "{path}");
    }

    // Creation's refusals: a bad kind, another origin, an unknown site.
    assert_eq!(
        send(&h, "GET", &format!("{CREATE}?kind=chess"), &browser, None).await,
        400
    );
    assert_eq!(
        send(&h, "GET", CREATE, &[("origin", "https://evil.test")], None).await,
        403
    );
    assert_eq!(
        send(&h, "GET", "/v1/sites/nope/challenge", &[], None).await,
        404
    );

    // The partner check's: no token, another site's challenge, an unknown site.
    let check = format!("/v1/sites/shop/challenges/{id}");
    assert_eq!(send(&h, "GET", &check, &[], None).await, 401);
    let other_token = format!(
        "Bearer {}",
        Harness::token_with(&h.other, &id, h.now() + 60, "j-other", true)
    );
    let other_check = format!("/v1/sites/other/challenges/{id}");
    assert_eq!(
        send(
            &h,
            "GET",
            &other_check,
            &[("authorization", &other_token)],
            None
        )
        .await,
        403
    );
    assert_eq!(
        send(
            &h,
            "GET",
            &format!("/v1/sites/nope/challenges/{id}"),
            &[],
            None
        )
        .await,
        404
    );

    // Answering's: bad JSON, wrong origin, unknown challenge, answered, expired, too big,
    // not JSON.
    let answer = format!("/v1/sites/shop/challenges/{pending}");
    assert_eq!(send(&h, "POST", &answer, &json, Some(b"{")).await, 400);
    let evil = [
        ("origin", "https://evil.test"),
        ("content-type", "application/json"),
    ];
    assert_eq!(send(&h, "POST", &answer, &evil, Some(b"{}")).await, 403);
    let unknown = "/v1/sites/shop/challenges/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(
        send(
            &h,
            "POST",
            unknown,
            &json,
            Some(br#"{"answers":["a","b"]}"#)
        )
        .await,
        404
    );
    let solved = format!("/v1/sites/shop/challenges/{id}");
    assert_eq!(
        send(
            &h,
            "POST",
            &solved,
            &json,
            Some(br#"{"answers":["a","b"]}"#)
        )
        .await,
        409
    );
    assert_eq!(
        send(&h, "POST", &answer, &json, Some(&vec![b' '; 70_000])).await,
        413
    );
    let text = [("origin", ORIGIN), ("content-type", "text/plain")];
    assert_eq!(send(&h, "POST", &answer, &text, Some(b"{}")).await, 415);
    assert_eq!(
        send(
            &h,
            "GET",
            &format!("/v1/sites/shop/challenges/{id}/images/0"),
            &browser,
            None
        )
        .await,
        404
    );
    h.advance(301);
    assert_eq!(
        send(
            &h,
            "POST",
            &answer,
            &json,
            Some(br#"{"answers":["a","b"]}"#)
        )
        .await,
        410
    );

    // /siteverify's size limit, then the rate limits of each operation.
    assert_eq!(
        send(&h, "POST", "/siteverify", &[], Some(&vec![b' '; 70_000])).await,
        413
    );
    assert_eq!(flood(&h, 121, "GET", CREATE, &browser, None).await, 429);
    assert_eq!(
        flood(
            &h,
            121,
            "POST",
            unknown,
            &json,
            Some(br#"{"answers":["a","b"]}"#)
        )
        .await,
        429
    );
    assert_eq!(flood(&h, 481, "GET", &image, &browser, None).await, 429);
    let token = format!("Bearer {}", h.token(&id));
    // The partner check and /siteverify share the site's budget.
    assert_eq!(
        flood(&h, 6001, "GET", &check, &[("authorization", &token)], None).await,
        429
    );
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let verify = format!("secret={}&response={id}", h.shop.secret);
    assert_eq!(
        send(&h, "POST", "/siteverify", &form, Some(verify.as_bytes())).await,
        429
    );

    // The store goes away: every operation that needs it answers 503, and so does /readyz.
    h.redis.kill().expect("kill redis");
    let fresh = [("x-forwarded-for", "192.0.2.77")];
    assert_eq!(
        send(&h, "GET", "/v1/sites/shop/challenge", &fresh, None).await,
        503
    );
    assert_eq!(
        send(
            &h,
            "GET",
            &check,
            &[("authorization", &token), fresh[0]],
            None
        )
        .await,
        503
    );
    let answer_fresh = [("content-type", "application/json"), fresh[0]];
    assert_eq!(
        send(
            &h,
            "POST",
            &answer,
            &answer_fresh,
            Some(br#"{"answers":["a","b"]}"#)
        )
        .await,
        503
    );
    assert_eq!(send(&h, "GET", &image, &fresh, None).await, 503);
    assert_eq!(
        send(
            &h,
            "POST",
            "/siteverify",
            &[form[0], fresh[0]],
            Some(verify.as_bytes())
        )
        .await,
        503
    );
    assert_eq!(get(h.addr(), "/readyz").await.status, 503);

    get(h.addr(), "/metrics").await;
    let metrics = String::from_utf8(get(h.addr(), "/metrics").await.body).expect("text");
    contract::assert_matches(
        &contract::documented(watchword_captcha_server::OPENAPI),
        &contract::observed(&metrics),
        &[
            "/v1/sites/{site}/challenge",
            "/v1/sites/{site}/challenges/{id}",
            "/v1/sites/{site}/challenges/{id}/images/{n}",
            "/siteverify",
            "/openapi.json",
            "/healthz",
            "/readyz",
            "/metrics",
        ],
    );
}
