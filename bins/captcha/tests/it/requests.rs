//! Every malformed request gets its documented JSON error, and the server keeps serving.

use crate::harness::{Harness, ORIGIN};

#[tokio::test]
#[allow(clippy::too_many_lines, clippy::type_complexity)] // one table of cases
async fn malformed_requests_get_documented_errors() {
    let h = Harness::start(1).await;
    let challenge = h.create("transcription").await;
    let id = challenge["id"].as_str().expect("id").to_owned();
    let answer = format!("/v1/sites/shop/challenges/{id}");
    let json = [("origin", ORIGIN), ("content-type", "application/json")];
    let huge = format!("{{\"answers\":[\"{}\",\"b\"]}}", "a".repeat(70_000));
    let long_answer = format!("{{\"answers\":[\"{}\",\"b\"]}}", "a".repeat(300));
    let bearer = format!("Bearer {}", h.token(&id));
    let garbage = "Bearer eyJhbGciOiJIUzUxMiJ9.e30.AAAA".to_owned();
    // (what, method, path, headers, body, status, code)
    let cases: Vec<(
        &str,
        &str,
        String,
        Vec<(&str, &str)>,
        Option<&str>,
        u16,
        &str,
    )> = vec![
        (
            "not JSON",
            "POST",
            answer.clone(),
            json.to_vec(),
            Some("{\"answers\":"),
            400,
            "invalid_json",
        ),
        (
            "a JSON array",
            "POST",
            answer.clone(),
            json.to_vec(),
            Some("[1,2]"),
            400,
            "invalid_request",
        ),
        (
            "no answer field",
            "POST",
            answer.clone(),
            json.to_vec(),
            Some("{\"text\":\"a\"}"),
            400,
            "invalid_request",
        ),
        (
            "one answer",
            "POST",
            answer.clone(),
            json.to_vec(),
            Some("{\"answers\":[\"a\"]}"),
            400,
            "invalid_request",
        ),
        (
            "three answers",
            "POST",
            answer.clone(),
            json.to_vec(),
            Some("{\"answers\":[\"a\",\"b\",\"c\"]}"),
            400,
            "invalid_request",
        ),
        (
            "answers of numbers",
            "POST",
            answer.clone(),
            json.to_vec(),
            Some("{\"answers\":[1,2]}"),
            400,
            "invalid_request",
        ),
        (
            "a string solution",
            "POST",
            answer.clone(),
            json.to_vec(),
            Some("{\"solution\":\"12\"}"),
            400,
            "invalid_request",
        ),
        (
            "a negative solution",
            "POST",
            answer.clone(),
            json.to_vec(),
            Some("{\"solution\":-1}"),
            400,
            "invalid_request",
        ),
        (
            "an unknown field",
            "POST",
            answer.clone(),
            json.to_vec(),
            Some("{\"solution\":1,\"x\":2}"),
            400,
            "invalid_request",
        ),
        (
            "an answer too long",
            "POST",
            answer.clone(),
            json.to_vec(),
            Some(&long_answer),
            400,
            "invalid_request",
        ),
        (
            "a huge body",
            "POST",
            answer.clone(),
            json.to_vec(),
            Some(&huge),
            413,
            "body_too_large",
        ),
        (
            "a form body",
            "POST",
            answer.clone(),
            vec![
                ("origin", ORIGIN),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            Some("answers=a"),
            415,
            "unsupported_media_type",
        ),
        (
            "an unknown challenge",
            "POST",
            "/v1/sites/shop/challenges/AAAAAAAAAAAAAAAAAAAAAA".into(),
            json.to_vec(),
            Some("{\"solution\":1}"),
            404,
            "challenge_not_found",
        ),
        (
            "a malformed challenge id",
            "POST",
            "/v1/sites/shop/challenges/%7Bx%7D".into(),
            json.to_vec(),
            Some("{\"solution\":1}"),
            404,
            "challenge_not_found",
        ),
        (
            "an unknown site (answer)",
            "POST",
            format!("/v1/sites/nope/challenges/{id}"),
            vec![("content-type", "application/json")],
            Some("{\"solution\":1}"),
            404,
            "unknown_site",
        ),
        (
            "an unknown site (create)",
            "GET",
            "/v1/sites/nope/challenge".into(),
            vec![],
            None,
            404,
            "unknown_site",
        ),
        (
            "a site id with braces",
            "GET",
            "/v1/sites/%7Bshop%7D/challenge".into(),
            vec![],
            None,
            404,
            "unknown_site",
        ),
        (
            "an unknown kind",
            "GET",
            "/v1/sites/shop/challenge?kind=audio".into(),
            vec![],
            None,
            400,
            "invalid_kind",
        ),
        (
            "a bad action",
            "GET",
            "/v1/sites/shop/challenge?action=sign%20up".into(),
            vec![],
            None,
            400,
            "invalid_action",
        ),
        (
            "a bad cdata",
            "GET",
            format!("/v1/sites/shop/challenge?cdata={}", "c".repeat(300)),
            vec![],
            None,
            400,
            "invalid_cdata",
        ),
        (
            "image 2",
            "GET",
            format!("/v1/sites/shop/challenges/{id}/images/2"),
            vec![],
            None,
            404,
            "no_such_image",
        ),
        (
            "an image of another site",
            "GET",
            format!("/v1/sites/other/challenges/{id}/images/0"),
            vec![],
            None,
            404,
            "challenge_not_found",
        ),
        (
            "a bad JWT",
            "GET",
            answer.clone(),
            vec![("authorization", &garbage)],
            None,
            401,
            "invalid_token",
        ),
        (
            "a JWT for the wrong site path",
            "GET",
            format!("/v1/sites/other/challenges/{id}"),
            vec![("authorization", &bearer)],
            None,
            401,
            "invalid_token",
        ),
        (
            "no JWT",
            "GET",
            answer.clone(),
            vec![],
            None,
            401,
            "missing_token",
        ),
        (
            "a wrong method",
            "DELETE",
            answer.clone(),
            vec![],
            None,
            405,
            "method_not_allowed",
        ),
        (
            "no such route",
            "GET",
            "/v1/nothing".into(),
            vec![],
            None,
            404,
            "not_found",
        ),
    ];
    for (what, method, path, headers, body, status, code) in &cases {
        let reply = h
            .send(h.addr(), method, path, headers, body.map(str::as_bytes))
            .await;
        assert_eq!(
            reply.status,
            *status,
            "{what}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        assert_eq!(reply.error_code(), *code, "{what}");
        assert!(
            reply
                .header("content-type")
                .is_some_and(|t| t.starts_with("application/json")),
            "{what}"
        );
    }
    // The site that offers only what it offers.
    // Nothing was lost: the challenge still takes its right answer, and the server serves on.
    let reply = h.answer(&id, &h.solve(&challenge, "guess").await).await;
    assert_eq!(reply.json()["state"], "valid");
    assert_eq!(h.check(&id).await.json()["state"], "valid");
    let health = h.send(h.addr(), "GET", "/healthz", &[], None).await;
    assert_eq!(health.status, 200);
}

#[tokio::test]
async fn a_kind_the_site_does_not_offer_is_refused() {
    let h = Harness::start(1).await;
    let store = watchword_store::open(&h.redis.url()).expect("store");
    let sites = watchword_captcha_server::sites::Sites::new(Vec::new()).expect("sites");
    sites
        .add(
            store.as_ref(),
            watchword_captcha_server::sites::NewSite {
                id: Some("pow-only".into()),
                origins: vec![ORIGIN.into()],
                kinds: vec![watchword_captcha::Kind::ProofOfWork],
                ..Default::default()
            },
            &mut rand_core::OsRng,
            0,
        )
        .await
        .expect("site");
    let reply = h
        .send(
            h.addr(),
            "GET",
            "/v1/sites/pow-only/challenge?kind=transcription",
            &[],
            None,
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "kind_not_allowed");
    // Without a kind, the site's first.
    let reply = h
        .send(h.addr(), "GET", "/v1/sites/pow-only/challenge", &[], None)
        .await;
    assert_eq!(reply.json()["kind"], "proof_of_work");
}

#[tokio::test]
async fn the_openapi_document_and_widget_assets_are_served() {
    let h = Harness::start(1).await;
    let reply = h.send(h.addr(), "GET", "/openapi.json", &[], None).await;
    assert_eq!(reply.status, 200);
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/v1/sites/{site}/challenge",
        "/v1/sites/{site}/challenges/{id}",
        "/v1/sites/{site}/challenges/{id}/images/{n}",
        "/siteverify",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    for asset in ["ocapi.js", "ocapi-worker.js", "ocapi.css"] {
        let reply = h
            .send(h.addr(), "GET", &format!("/assets/{asset}"), &[], None)
            .await;
        assert_eq!(reply.status, 200, "{asset}");
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
        assert!(!reply.body.is_empty());
    }
}
