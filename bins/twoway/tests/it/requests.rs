//! Bad requests get their documented JSON errors, and the server keeps serving.

use watchword_testkit::http::{get, request, send_raw};

use crate::harness::{Harness, IDP};

#[tokio::test]
async fn credentials_and_scopes_are_checked() {
    let h = Harness::start(1).await;
    let init = format!("/oauth/custom-registration/{IDP}/init");
    let json = serde_json::json!({});

    let reply = send_raw(h.addr(), &request("POST", &init, &[], Some(b"{}"))).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error_code(), "unauthorized");
    assert!(reply
        .header("www-authenticate")
        .is_some_and(|v| v.starts_with("Basic")));

    let wrong_secret = format!("{}x", h.app.basic());
    assert_eq!(
        h.post(h.addr(), &init, &wrong_secret, &json).await.status,
        401
    );
    assert_eq!(
        h.post(h.addr(), &init, "Bearer abc", &json).await.status,
        401
    );
    assert_eq!(
        h.post(h.addr(), &init, &h.portal.basic(), &json)
            .await
            .status,
        401,
        "a portal is not an app"
    );
    let portal_path = format!("/portal/v1/{IDP}/response-code");
    let body = serde_json::json!({"client_code": "ABCDEFGH", "user_id": "alice"});
    assert_eq!(
        h.post(h.addr(), &portal_path, &h.app.basic(), &body)
            .await
            .status,
        401,
        "an app is not a portal"
    );

    let reply = h
        .post(
            h.addr(),
            "/oauth/custom-registration/other-idp/init",
            &h.app.basic(),
            &json,
        )
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code(), "idp_not_allowed");
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one table of cases
async fn malformed_requests_get_documented_errors() {
    let h = Harness::start(1).await;
    let (transaction, _) = h.init().await;
    let complete = format!("/oauth/custom-registration/{IDP}/complete");
    let portal = format!("/portal/v1/{IDP}/response-code");
    let init = format!("/oauth/custom-registration/{IDP}/init");
    let app = h.app.basic();
    let portal_auth = h.portal.basic();
    let long = "9".repeat(40);
    let huge = format!(
        "{{\"transaction_id\":\"{}\",\"data\":\"1\"}}",
        "a".repeat(70_000)
    );
    // (what, path, authorization, body, status, code)
    let cases: Vec<(&str, &str, &str, String, u16, &str)> = vec![
        (
            "not JSON",
            &complete,
            &app,
            "{\"transaction_id\":".into(),
            400,
            "invalid_json",
        ),
        (
            "wrong type",
            &complete,
            &app,
            format!("{{\"transaction_id\":\"{transaction}\",\"data\":123456}}"),
            400,
            "invalid_request",
        ),
        (
            "missing data",
            &complete,
            &app,
            format!("{{\"transaction_id\":\"{transaction}\"}}"),
            400,
            "invalid_request",
        ),
        (
            "empty code",
            &complete,
            &app,
            format!("{{\"transaction_id\":\"{transaction}\",\"data\":\"\"}}"),
            400,
            "invalid_request",
        ),
        (
            "code too long",
            &complete,
            &app,
            format!("{{\"transaction_id\":\"{transaction}\",\"data\":\"{long}\"}}"),
            400,
            "invalid_request",
        ),
        (
            "body over the limit",
            &complete,
            &app,
            huge,
            413,
            "body_too_large",
        ),
        (
            "init body not an object",
            &init,
            &app,
            "[1]".into(),
            400,
            "invalid_request",
        ),
        (
            "portal missing user",
            &portal,
            &portal_auth,
            "{\"client_code\":\"ABCDEFGH\"}".into(),
            400,
            "invalid_request",
        ),
        (
            "portal unknown client code",
            &portal,
            &portal_auth,
            "{\"client_code\":\"ZZZZZZZZ\",\"user_id\":\"alice\"}".into(),
            404,
            "client_code_unknown",
        ),
        (
            "portal user with a newline",
            &portal,
            &portal_auth,
            "{\"client_code\":\"ZZZZZZZZ\",\"user_id\":\"a\\nb\"}".into(),
            404,
            "client_code_unknown",
        ),
    ];
    for (what, path, auth, body, status, code) in cases {
        let headers = [
            ("content-type", "application/json"),
            ("authorization", auth),
        ];
        let reply = send_raw(
            h.addr(),
            &request("POST", path, &headers, Some(body.as_bytes())),
        )
        .await;
        assert_eq!(
            reply.status,
            status,
            "{what}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        assert_eq!(reply.error_code(), code, "{what}");
        assert_eq!(
            get(h.addr(), "/healthz").await.status,
            200,
            "{what}: still serving"
        );
    }
    // Every POST takes JSON: another declared type is refused before anything is read.
    for (path, auth, body) in [
        (&init, &app, "{}".to_owned()),
        (
            &complete,
            &app,
            format!("{{\"transaction_id\":\"{transaction}\",\"data\":\"123456\"}}"),
        ),
        (
            &portal,
            &portal_auth,
            "{\"client_code\":\"ZZZZZZZZ\",\"user_id\":\"alice\"}".to_owned(),
        ),
    ] {
        for declared in [Some("text/plain"), None] {
            let mut headers = vec![("authorization", auth.as_str())];
            headers.extend(declared.map(|t| ("content-type", t)));
            let reply = send_raw(
                h.addr(),
                &request("POST", path, &headers, Some(body.as_bytes())),
            )
            .await;
            assert_eq!(reply.status, 415, "{path} with {declared:?}");
            assert_eq!(reply.error_code(), "unsupported_media_type");
        }
    }
    // An empty init needs no type.
    let reply = send_raw(
        h.addr(),
        &request("POST", &init, &[("authorization", app.as_str())], Some(b"")),
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );

    // A user id the portal cannot use, on a live client code: 400 invalid_user.
    let (_, code) = h.init().await;
    let reply = h
        .post(
            h.addr(),
            &portal,
            &portal_auth,
            &serde_json::json!({"client_code": code, "user_id": "a\nb"}),
        )
        .await;
    assert_eq!(
        reply.status,
        400,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.error_code(), "invalid_user");

    // Nothing above touched the pairing.
    let answer = h.complete(&transaction, "123456").await;
    assert_eq!(answer["status"], 4002);
}

#[tokio::test]
async fn a_portal_user_is_rate_limited() {
    let h = Harness::start(1).await;
    for _ in 0..10 {
        assert_eq!(h.portal("ZZZZZZZZ", "alice").await.status, 404);
    }
    let reply = h.portal("ZZZZZZZZ", "alice").await;
    assert_eq!(reply.status, 429);
    assert!(reply.header("retry-after").is_some());
    assert_eq!(
        h.portal("ZZZZZZZZ", "bob").await.status,
        404,
        "another user has their own budget"
    );
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let h = Harness::start(1).await;
    let reply = get(h.addr(), "/openapi.json").await;
    assert_eq!(reply.status, 200);
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/oauth/custom-registration/{idp}/init",
        "/oauth/custom-registration/{idp}/complete",
        "/portal/v1/{idp}/response-code",
        "/.well-known/jwks.json",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
}

#[test]
fn the_client_code_format_is_a_checked_setting() {
    use watchword_twoway_server::Twoway;
    let (_, args) = watchword_http::parse::<Twoway>(["watchword-twoway"]).expect("defaults");
    assert_eq!(
        args.client_code.to_string(),
        "alnum:8",
        "today's default is kept"
    );
    let (_, args) =
        watchword_http::parse::<Twoway>(["watchword-twoway", "--client-code", "digits:6"])
            .expect("digits:6");
    assert_eq!(args.client_code.space(), 1_000_000);
    for bad in ["digits:5", "base64:8"] {
        let error = watchword_http::parse::<Twoway>(["watchword-twoway", "--client-code", bad])
            .expect_err(bad);
        assert!(error.to_string().contains("--client-code"), "{error}");
    }
}
