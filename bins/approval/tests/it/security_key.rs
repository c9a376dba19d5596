//! Page types 1 and 2 over HTTP, with a software authenticator: registration, validation,
//! single-use challenges and every refusal.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::json;
use watchword_testkit::http::{request, send_raw, Reply};
use watchword_webauthn::fuzzing::Authenticator;

use crate::harness::{Harness, Options, ADA, ORIGIN};

const RP_ID: &str = "shop.test";

async fn page_call(h: &Harness, id: &str, path: &str, origin: Option<&str>, body: &str) -> Reply {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(origin) = origin {
        headers.push(("origin", origin));
    }
    send_raw(
        h.addr(),
        &request(
            "POST",
            &format!("/page/{id}/{path}"),
            &headers,
            Some(body.as_bytes()),
        ),
    )
    .await
}

/// A transaction for Ada whose page is `page_type`.
async fn keyed(h: &Harness, page_type: u8) -> String {
    let (id, _) = h.start_transaction(ADA, 0, "").await;
    let reply = h
        .server(
            "GetHTML",
            &json!({ "transactionid": id, "pageType": page_type, "FormID": "f" }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.text().contains("watchword-approval-key"));
    id
}

/// The options of `id`'s ceremony: its mode and challenge.
async fn options(h: &Harness, id: &str) -> (serde_json::Value, Vec<u8>) {
    let reply = page_call(h, id, "webauthn/options", Some(ORIGIN), "{}").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    let challenge = URL_SAFE_NO_PAD
        .decode(body["publicKey"]["challenge"].as_str().unwrap())
        .unwrap();
    (body, challenge)
}

#[tokio::test]
async fn a_key_registers_then_validates_and_no_response_works_twice() {
    let h = Harness::start().await;
    let key = Authenticator::new();

    let id = keyed(&h, 2).await;
    let (body, challenge) = options(&h, &id).await;
    assert_eq!(body["mode"], "create");
    assert_eq!(body["publicKey"]["rp"]["id"], RP_ID);
    assert_eq!(body["publicKey"]["user"]["name"], ADA);
    let registration = key.register(&challenge, ORIGIN, RP_ID);
    let reply = page_call(&h, &id, "webauthn", Some(ORIGIN), &registration).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let token = reply.json()["token"].as_str().unwrap().to_owned();
    let verified = h.verify(&token).await;
    assert_eq!(verified["isValid"], true);
    assert_eq!(verified["UserValided"], ADA);
    // The same response again: the transaction is answered.
    let again = page_call(&h, &id, "webauthn", Some(ORIGIN), &registration).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.error_code(), "already_decided");

    let id = keyed(&h, 1).await;
    let (body, challenge) = options(&h, &id).await;
    assert_eq!(body["mode"], "get");
    assert_eq!(body["publicKey"]["rpId"], RP_ID);
    assert_eq!(
        body["publicKey"]["allowCredentials"][0]["id"],
        URL_SAFE_NO_PAD.encode(key.credential().id)
    );
    let assertion = key.authenticate(&challenge, ORIGIN, RP_ID, 1);
    let reply = page_call(&h, &id, "webauthn", Some(ORIGIN), &assertion).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        h.page_token(&id).await,
        reply.json()["token"].as_str().unwrap()
    );

    // An assertion for another transaction's challenge does not verify here.
    let id = keyed(&h, 1).await;
    options(&h, &id).await;
    let stale = page_call(
        &h,
        &id,
        "webauthn",
        Some(ORIGIN),
        &key.authenticate(&challenge, ORIGIN, RP_ID, 2),
    )
    .await;
    assert_eq!(stale.status, 400, "{}", stale.text());
    assert_eq!(stale.error_code(), "verification_failed");
    // Signed for another site: refused.
    let (_, challenge) = options(&h, &id).await;
    let elsewhere = key.authenticate(&challenge, "https://evil.test", "evil.test", 3);
    let reply = page_call(&h, &id, "webauthn", Some(ORIGIN), &elsewhere).await;
    assert_eq!(reply.error_code(), "verification_failed");
    // Without options first, there is no ceremony to finish.
    let fresh = keyed(&h, 1).await;
    let reply = page_call(
        &h,
        &fresh,
        "webauthn",
        Some(ORIGIN),
        &key.authenticate(&challenge, ORIGIN, RP_ID, 4),
    )
    .await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.error_code(), "no_ceremony");
}

#[tokio::test]
async fn security_key_pages_refuse_what_they_cannot_do() {
    let h = Harness::start_with(Options {
        origins: vec![ORIGIN.into(), "http://127.0.0.1:9".into()],
        ..Options::default()
    })
    .await;
    let device = h.enrol(ADA).await;
    // Photos, scans and signatures come from the phone only.
    let (photo, _) = h.start_transaction(ADA, 2, "").await;
    let reply = h
        .server(
            "GetHTML",
            &json!({ "transactionid": photo, "pageType": 1, "FormID": "f" }),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "page_cannot_carry");
    // A transaction runs one page type.
    let (phone, _) = h.start_transaction(ADA, 0, "").await;
    h.server(
        "GetHTML",
        &json!({ "transactionid": phone, "pageType": 0, "FormID": "f" }),
    )
    .await;
    let reply = h
        .server(
            "GetHTML",
            &json!({ "transactionid": phone, "pageType": 2, "FormID": "f" }),
        )
        .await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.error_code(), "page_type_chosen");
    let reply = page_call(&h, &phone, "webauthn/options", Some(ORIGIN), "{}").await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.error_code(), "not_a_security_key_page");

    let id = keyed(&h, 1).await;
    // The phone is not asked for a security-key transaction.
    let pending = device.pending().await;
    assert!(pending.iter().all(|p| p["ref"]
        != json!(watchword_approval::TransactionId::parse(&id)
            .unwrap()
            .storage_key())));
    let reply = page_call(&h, &id, "webauthn/options", None, "{}").await;
    assert_eq!(reply.error_code(), "origin_required");
    let reply = page_call(&h, &id, "webauthn/options", Some("https://evil.test"), "{}").await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code(), "origin_not_allowed");
    let reply = page_call(
        &h,
        &id,
        "webauthn/options",
        Some("http://127.0.0.1:9"),
        "{}",
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "webauthn_unavailable");
    let reply = page_call(&h, &id, "webauthn/options", Some(ORIGIN), "{}").await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.error_code(), "no_security_key");
    // An unknown transaction has no partner, so no origin may call it (403); without an
    // Origin, a malformed id is simply unknown (404).
    let unknown = "00000000-0000-0000-0000-000000000000";
    let reply = page_call(&h, unknown, "webauthn/options", Some(ORIGIN), "{}").await;
    assert_eq!(reply.status, 403);
    let reply = page_call(&h, "not-an-id", "webauthn/options", None, "{}").await;
    assert_eq!(reply.status, 404);
    h.advance(301);
    let reply = page_call(&h, &id, "webauthn/options", Some(ORIGIN), "{}").await;
    assert_eq!(reply.status, 410);
}
