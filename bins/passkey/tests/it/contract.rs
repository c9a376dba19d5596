//! The OpenAPI document against the server: every status it documents for an operation is one
//! the server really answers, and the server answers nothing it does not document.

use watchword_testkit::contract;
use watchword_testkit::http::{get, request, send_raw, Reply};

use crate::flow::register;
use crate::harness::{Harness, ORIGIN};

const INITIATE: &str = "/auth/v1/webauthn";
const VALIDATE: &str = "/auth/v1/validate/token";
/// A well-formed requestId that no request has.
const UNKNOWN: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

fn backend_headers<'a>(id: &'a str, secret: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("clientId", id),
        ("clientSecret", secret),
        ("content-type", "application/json"),
    ]
}

async fn post(h: &Harness, path: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    send_raw(h.addr(), &request("POST", path, headers, Some(body)))
        .await
        .status
}

async fn options_from(h: &Harness, id: &str, origin: &str) -> Reply {
    let path = format!("{INITIATE}/{id}");
    send_raw(
        h.addr(),
        &request("GET", &path, &[("origin", origin)], None),
    )
    .await
}

async fn complete_from(h: &Harness, id: &str, origin: &str, body: &[u8]) -> u16 {
    let headers = [
        ("origin", origin),
        ("content-type", "application/json"),
        ("x-forwarded-for", "203.0.113.9"),
    ];
    post(h, &format!("{INITIATE}/{id}"), &headers, body).await
}

fn initiate_body(email: &str, extra: &str) -> Vec<u8> {
    format!(
        r#"{{"identityType":"EMAIL","identityValue":"{email}","rpName":"Shop","domain":"shop.test","userDisplayName":"Ada"{extra}}}"#
    )
    .into_bytes()
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one scenario that reaches every documented answer
async fn every_documented_status_is_sent_and_nothing_else() {
    let mut h = Harness::start(1).await;
    let (client_id, secret) = (h.client_id.clone(), h.secret.clone());
    let backend = backend_headers(&client_id, &secret);
    let huge = vec![b' '; 70_000];

    // 200 of every operation: a registration through initiate, options, complete, validate.
    let (_, token) = register(&h, "ada@shop.test").await;
    assert_eq!(h.validate_on(h.addr(), &token).await.status, 200);
    for path in ["/openapi.json", "/healthz", "/readyz"] {
        assert_eq!(get(h.addr(), path).await.status, 200, "{path}");
    }

    // initiate's refusals.
    assert_eq!(post(&h, INITIATE, &backend, b"[]").await, 400);
    assert_eq!(
        post(
            &h,
            INITIATE,
            &backend[2..],
            &initiate_body("a@shop.test", "")
        )
        .await,
        401
    );
    let other = String::from_utf8(initiate_body("a@shop.test", ""))
        .expect("text")
        .replace("\"shop.test\"", "\"other.test\"");
    assert_eq!(post(&h, INITIATE, &backend, other.as_bytes()).await, 403);
    let sign_in_only = initiate_body("new@shop.test", r#","isRegistration":false"#);
    assert_eq!(post(&h, INITIATE, &backend, &sign_in_only).await, 409);
    assert_eq!(post(&h, INITIATE, &backend, &huge).await, 413);

    // validate's refusals.
    assert_eq!(
        post(&h, VALIDATE, &backend, br#"{"token":"nope"}"#).await,
        400
    );
    assert_eq!(
        post(&h, VALIDATE, &backend[2..], br#"{"token":"nope"}"#).await,
        401
    );
    assert_eq!(post(&h, VALIDATE, &backend, &huge).await, 413);

    // The SDK's calls: an unknown request, another origin, a bad answer, a used request.
    assert_eq!(options_from(&h, UNKNOWN, ORIGIN).await.status, 404);
    assert_eq!(complete_from(&h, UNKNOWN, ORIGIN, b"{}").await, 404);
    let id = h.initiate("bob@shop.test", serde_json::json!({})).await;
    assert_eq!(options_from(&h, &id, "https://evil.test").await.status, 403);
    assert_eq!(
        complete_from(&h, &id, "https://evil.test", b"{}").await,
        403
    );
    assert_eq!(complete_from(&h, &id, ORIGIN, b"{}").await, 400);
    assert_eq!(complete_from(&h, &id, ORIGIN, &huge).await, 413);
    let used = h.initiate("carol@shop.test", serde_json::json!({})).await;
    register_on(&h, &used).await;
    assert_eq!(options_from(&h, &used, ORIGIN).await.status, 409);
    assert_eq!(complete_from(&h, &used, ORIGIN, b"{}").await, 409);
    let late = h.initiate("dave@shop.test", serde_json::json!({})).await;
    h.advance(301);
    assert_eq!(options_from(&h, &late, ORIGIN).await.status, 410);
    assert_eq!(complete_from(&h, &late, ORIGIN, b"{}").await, 410);

    let fresh = h.initiate("erin@shop.test", serde_json::json!({})).await;

    // Rate limits: the SDK's calls per client network, initiate and validate per client.
    let mut last = 0;
    for _ in 0..61 {
        last = options_from(&h, UNKNOWN, ORIGIN).await.status;
    }
    assert_eq!(last, 429);
    for _ in 0..61 {
        last = complete_from(&h, UNKNOWN, ORIGIN, b"{}").await;
    }
    assert_eq!(last, 429);
    for n in 0..601 {
        last = post(
            &h,
            INITIATE,
            &backend,
            &initiate_body(&format!("u{n}@shop.test"), ""),
        )
        .await;
    }
    assert_eq!(last, 429);
    for _ in 0..1201 {
        last = post(&h, VALIDATE, &backend, br#"{"token":"nope"}"#).await;
    }
    assert_eq!(last, 429);

    // The store goes away: every operation that needs it answers 503, and so does /readyz.
    h.kill_store();
    assert_eq!(
        post(&h, INITIATE, &backend, &initiate_body("f@shop.test", "")).await,
        503
    );
    assert_eq!(
        post(&h, VALIDATE, &backend, br#"{"token":"nope"}"#).await,
        503
    );
    let path = format!("{INITIATE}/{fresh}");
    let reply = send_raw(h.addr(), &request("GET", &path, &[], None)).await;
    assert_eq!(reply.status, 503);
    assert_eq!(complete_from(&h, &fresh, "", b"{}").await, 503);
    assert_eq!(get(h.addr(), "/readyz").await.status, 503);

    get(h.addr(), "/metrics").await;
    let metrics = String::from_utf8(get(h.addr(), "/metrics").await.body).expect("text");
    contract::assert_matches(
        &contract::documented(watchword_passkey_server::OPENAPI),
        &contract::observed(&metrics),
        &[
            INITIATE,
            "/auth/v1/webauthn/{requestId}",
            VALIDATE,
            "/openapi.json",
            "/healthz",
            "/readyz",
            "/metrics",
        ],
    );
}

/// Runs request `id` to a completed registration.
async fn register_on(h: &Harness, id: &str) {
    let options = h.options(id).await.json();
    let page = watchword_testkit::passkey::Page {
        rp_id: crate::harness::DOMAIN,
        origin: ORIGIN,
    };
    let (_, json) = watchword_testkit::passkey::Passkey::create(&options, &page);
    assert_eq!(h.complete_on(h.addr(), id, &json).await.status, 200);
}
