//! The OpenAPI document against the server: every status it documents for an operation is one
//! the server really answers, and the server answers nothing it does not document.

use watchword_testkit::contract;
use watchword_testkit::http::{get, request, send_raw, Reply};

use crate::harness::{Harness, IDP};

async fn raw(h: &Harness, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    send_raw(h.addr(), &request("POST", path, headers, Some(body))).await
}

/// Every failure every POST can answer without a live pairing: 400, 401, 403, 413, 415.
async fn refusals(h: &Harness, path_of: impl Fn(&str) -> String, auth: &str) {
    let json = ("content-type", "application/json");
    let path = path_of(IDP);
    let authorized = [json, ("authorization", auth)];
    assert_eq!(raw(h, &path, &authorized, b"[1]").await.status, 400);
    assert_eq!(raw(h, &path, &[json], b"{}").await.status, 401);
    let other = path_of("other-idp");
    assert_eq!(raw(h, &other, &authorized, b"{}").await.status, 403);
    let huge = vec![b' '; 70_000];
    assert_eq!(raw(h, &path, &authorized, &huge).await.status, 413);
    let text = [("content-type", "text/plain"), ("authorization", auth)];
    assert_eq!(raw(h, &path, &text, b"{}").await.status, 415);
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one scenario that reaches every documented answer
async fn every_documented_status_is_sent_and_nothing_else() {
    let mut h = Harness::start(1).await;
    let init = |idp: &str| format!("/oauth/custom-registration/{idp}/init");
    let complete = |idp: &str| format!("/oauth/custom-registration/{idp}/complete");
    let portal = |idp: &str| format!("/portal/v1/{idp}/response-code");
    let (app, portal_auth) = (h.app.basic(), h.portal.basic());

    // The happy path: 200 for each operation, the documents and the operations endpoints.
    let (transaction, code) = h.init().await;
    let response = h.response_code(&code, "alice").await;
    assert_eq!(h.complete(&transaction, &response).await["status"], 2000);
    for path in [
        "/.well-known/jwks.json",
        "/openapi.json",
        "/healthz",
        "/readyz",
    ] {
        assert_eq!(get(h.addr(), path).await.status, 200, "{path}");
    }

    refusals(&h, init, &app).await;
    refusals(&h, complete, &app).await;
    refusals(&h, portal, &portal_auth).await;

    // The portal's answers about pairings: unknown, another user's, completed, expired.
    assert_eq!(h.portal("ZZZZZZZZ", "alice").await.status, 404);
    let (_, claimed) = h.init().await;
    assert_eq!(h.portal(&claimed, "alice").await.status, 200);
    assert_eq!(h.portal(&claimed, "mallory").await.status, 409);
    let (_, late) = h.init().await;
    h.advance(301);
    assert_eq!(h.portal(&late, "alice").await.status, 410);

    // Rate limits: the portal per user, complete and init per client network.
    let (_, code) = h.init().await;
    let mut statuses = Vec::new();
    for _ in 0..11 {
        statuses.push(h.portal(&code, "carol").await.status);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    let body = format!("{{\"transaction_id\":\"{transaction}\",\"data\":\"000000\"}}");
    let json = [
        ("content-type", "application/json"),
        ("authorization", app.as_str()),
    ];
    let mut last = 0;
    for _ in 0..61 {
        last = raw(&h, &complete(IDP), &json, body.as_bytes()).await.status;
    }
    assert_eq!(last, 429);
    for _ in 0..31 {
        last = raw(&h, &init(IDP), &json, b"{}").await.status;
    }
    assert_eq!(last, 429);

    // The store goes away: every operation that needs it answers 503, and so does /readyz.
    h.redis.kill().expect("kill redis");
    for (path, auth) in [
        (init(IDP), &app),
        (complete(IDP), &app),
        (portal(IDP), &portal_auth),
    ] {
        let headers = [
            ("content-type", "application/json"),
            ("authorization", auth.as_str()),
        ];
        let reply = raw(&h, &path, &headers, body.as_bytes()).await;
        assert_eq!(
            reply.status,
            503,
            "{path}: {}",
            String::from_utf8_lossy(&reply.body)
        );
    }
    assert_eq!(get(h.addr(), "/readyz").await.status, 503);

    // Read the server's own count of what it answered (twice, so /metrics counts itself).
    get(h.addr(), "/metrics").await;
    let metrics = String::from_utf8(get(h.addr(), "/metrics").await.body).expect("text");
    contract::assert_matches(
        &contract::documented(watchword_twoway_server::OPENAPI),
        &contract::observed(&metrics),
        &[
            "/oauth/custom-registration/{idp}/init",
            "/oauth/custom-registration/{idp}/complete",
            "/portal/v1/{idp}/response-code",
            "/.well-known/jwks.json",
            "/openapi.json",
            "/healthz",
            "/readyz",
            "/metrics",
        ],
    );
}
