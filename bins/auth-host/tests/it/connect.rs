//! Connect: apps managed with the operator token, provisioning by app key.

use watchword_testkit::http::CookieJar;

use crate::harness::{expect_status, Host, Options, OPERATOR_TOKEN};

#[tokio::test]
async fn an_app_provisions_the_same_did_for_the_same_user() {
    let host = Host::start().await;
    let jar = CookieJar::new();
    let operator = format!("Bearer {OPERATOR_TOKEN}");
    let created = host
        .call_keeping(
            &jar,
            "POST",
            "/api/connect/apps",
            None,
            Some(&serde_json::json!({"name": "Shop"})),
            &[("authorization", &operator)],
        )
        .await;
    expect_status(&created, 201);
    let key = created.json()["key"].as_str().unwrap().to_owned();
    let id = created.json()["app"]["id"].as_str().unwrap().to_owned();
    let app = format!("Bearer {key}");
    let provision = |body: serde_json::Value, auth: String| {
        let jar = jar.clone();
        let host = &host;
        async move {
            host.call_keeping(
                &jar,
                "POST",
                "/api/connect/provision",
                None,
                Some(&body),
                &[("authorization", &auth)],
            )
            .await
        }
    };
    let first = provision(
        serde_json::json!({"user_id": "42", "email": "u42@example.test"}),
        app.clone(),
    )
    .await;
    expect_status(&first, 200);
    assert_eq!(first.json()["is_new"], true);
    assert!(first.json()["did_oc"]
        .as_str()
        .unwrap()
        .starts_with("did:oc:"));
    let second = provision(serde_json::json!({"user_id": "42"}), app.clone()).await;
    assert_eq!(second.json()["is_new"], false);
    assert_eq!(second.json()["did_oc"], first.json()["did_oc"]);
    let other = provision(serde_json::json!({"user_id": "43"}), app.clone()).await;
    assert_ne!(other.json()["did_oc"], first.json()["did_oc"]);

    let wrong = provision(
        serde_json::json!({"user_id": "42"}),
        format!("Bearer {id}.wrong-secret"),
    )
    .await;
    expect_status(&wrong, 401);
    let listed = host
        .call_keeping(
            &jar,
            "GET",
            "/api/connect/apps",
            None,
            None,
            &[("authorization", &operator)],
        )
        .await;
    expect_status(&listed, 200);
    assert_eq!(listed.json()["apps"][0]["id"], id.as_str());
    assert!(
        !listed.body.windows(6).any(|w| w == b"secret"),
        "no secret is listed"
    );
    let removed = host
        .call_keeping(
            &jar,
            "DELETE",
            &format!("/api/connect/apps/{id}"),
            None,
            None,
            &[("authorization", &operator)],
        )
        .await;
    expect_status(&removed, 200);
    expect_status(
        &provision(serde_json::json!({"user_id": "42"}), app).await,
        401,
    );
}

#[tokio::test]
async fn the_apps_api_needs_the_operator_token() {
    let host = Host::start().await;
    let jar = CookieJar::new();
    for auth in ["", "Bearer not-the-token"] {
        let headers: Vec<(&str, &str)> = if auth.is_empty() {
            vec![]
        } else {
            vec![("authorization", auth)]
        };
        let reply = host
            .call_keeping(&jar, "GET", "/api/connect/apps", None, None, &headers)
            .await;
        expect_status(&reply, 401);
    }
}

#[tokio::test]
async fn without_an_operator_token_the_apps_api_is_not_there() {
    let host = Host::start_with(Options {
        no_operator: true,
        ..Options::default()
    })
    .await;
    let jar = CookieJar::new();
    let auth = [("authorization", "Bearer anything-at-all-anything-at-all")];
    for (method, path) in [
        ("GET", "/api/connect/apps"),
        ("POST", "/api/connect/apps"),
        ("DELETE", "/api/connect/apps/app-1"),
    ] {
        let body = (method == "POST").then_some(r#"{"name":"Shop","origins":[]}"#);
        let reply = host
            .call_keeping(&jar, method, path, body, None, &auth)
            .await;
        expect_status(&reply, 404);
        assert_eq!(
            reply.json()["error"]["code"],
            "apps_api_off",
            "{method} {path}"
        );
    }
}
