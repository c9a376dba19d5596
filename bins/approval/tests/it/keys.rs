//! Keys and parameters as the product's clients send them, and every refusal.

use serde_json::json;
use watchword_testkit::http::{form_urlencoded, percent_encode, request, send_raw};

use crate::harness::{Harness, Options, ADA, ORIGIN};

/// Headers sent, the status and the error code expected.
type Case<'a> = (&'a [(&'a str, &'a str)], u16, &'a str);

#[tokio::test]
async fn server_keys_in_the_query_string_are_refused_outside_legacy_mode() {
    let h = Harness::start().await;
    let path = format!(
        "/api/getTransactionID?SrvAPIKey={}&UserMail={}&requestype=0&Message=hi",
        h.partner.srv,
        percent_encode(ADA)
    );
    let reply = send_raw(h.addr(), &request("GET", &path, &[], None)).await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    assert_eq!(reply.error_code(), "key_in_query");
    // Nothing was started for the customer.
    let device = h.enrol(ADA).await;
    assert!(device.pending().await.is_empty());

    // The same GET with the key in a header works: the product's GET form, without the key in logs.
    let path = format!(
        "/api/getTransactionID?UserMail={}&requestype=0&Message=hi",
        percent_encode(ADA)
    );
    let reply = send_raw(
        h.addr(),
        &request("GET", &path, &[("SrvAPIKey", &h.partner.srv)], None),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(device.pending().await.len(), 1);
}

#[tokio::test]
async fn legacy_mode_accepts_server_keys_in_the_query_string() {
    let mut options = Options::default();
    options.config.legacy_query_keys = true;
    let h = Harness::start_with(options).await;
    let path = format!(
        "/api/getTransactionID?SrvAPIKey={}&UserMail={}&requestype=RequestWebSession&Message=hi",
        h.partner.srv,
        percent_encode(ADA)
    );
    let reply = send_raw(h.addr(), &request("GET", &path, &[], None)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.json()["TransactionID"].is_string());
}

#[tokio::test]
async fn browser_keys_may_come_from_the_query_string() {
    let h = Harness::start().await;
    let (id, _) = h.start_transaction(ADA, 0, "").await;
    let path = format!("/api/IsFinish?JsAPIKey={}&transactionID={id}", h.partner.js);
    let reply = send_raw(
        h.addr(),
        &request("GET", &path, &[("origin", ORIGIN)], None),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["isFinish"], false);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
}

#[tokio::test]
async fn parameters_come_from_a_form_with_names_in_any_case() {
    let h = Harness::start().await;
    let body = form_urlencoded(&[
        ("srvapikey", &h.partner.srv),
        ("usermail", ADA),
        ("REQUESTYPE", "requestapplicaitonaccess"),
        ("message", "Open the ledger"),
    ]);
    let reply = send_raw(
        h.addr(),
        &request(
            "POST",
            "/api/GETTRANSACTIONID",
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(body.as_bytes()),
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let device = h.enrol(ADA).await;
    let pending = device.pending().await;
    assert_eq!(pending[0]["request_type"], 5);
    assert_eq!(pending[0]["request_name"], "RequestApplicaitonAccess");
}

#[tokio::test]
async fn every_key_refusal_has_its_code() {
    let h = Harness::start().await;
    let body = json!({ "UserMail": ADA, "requestype": 0, "Message": "m" });
    let cases: [Case; 6] = [
        (&[], 401, "missing_key"),
        (&[("SrvAPIKey", "SRV-nothing")], 401, "malformed_key"),
        (
            &[("SrvAPIKey", "SRV-00000000-0000-0000-0000-000000000000")],
            401,
            "unknown_key",
        ),
        (&[("JsAPIKey", &h.partner.js)], 403, "wrong_key"),
        (
            &[("SrvAPIKey", &h.partner.srv), ("origin", ORIGIN)],
            403,
            "server_key_in_browser",
        ),
        (&[("authorization", "Bearer SRV-zz")], 401, "malformed_key"),
    ];
    for (headers, status, code) in cases {
        let reply = h
            .call_at(h.addr(), "getTransactionID", headers, &body)
            .await;
        assert_eq!(reply.status, status, "{headers:?}: {}", reply.text());
        assert_eq!(reply.error_code(), code, "{headers:?}");
    }
    // A bearer server key works.
    let bearer = format!("Bearer {}", h.partner.srv);
    let reply = h
        .call_at(
            h.addr(),
            "getTransactionID",
            &[("authorization", &bearer)],
            &body,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    // A server key in the body works.
    let mut with_key = body.clone();
    with_key["SrvAPIKey"] = h.partner.srv.clone().into();
    assert_eq!(
        h.call_at(h.addr(), "getTransactionID", &[], &with_key)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn browser_keys_are_bound_to_their_partners_origins() {
    let h = Harness::start().await;
    let (id, _) = h.start_transaction(ADA, 0, "").await;
    let body = json!({ "transactionid": id });
    let elsewhere = h
        .call_at(
            h.addr(),
            "IsFinish",
            &[("JsAPIKey", &h.partner.js), ("origin", "https://evil.test")],
            &body,
        )
        .await;
    assert_eq!(elsewhere.status, 403);
    assert_eq!(elsewhere.error_code(), "origin_not_allowed");
    let home = h
        .call_at(
            h.addr(),
            "IsFinish",
            &[("JsAPIKey", &h.partner.js), ("origin", ORIGIN)],
            &body,
        )
        .await;
    assert_eq!(home.status, 200);
    // A client application (no Origin) may use its key too.
    assert_eq!(h.client("IsFinish", &body).await.status, 200);
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_the_server_keeps_serving() {
    let h = Harness::start().await;
    let srv = h.partner.srv.clone();
    let cases: Vec<(serde_json::Value, u16, &str)> = vec![
        (
            json!({ "UserMail": "not-an-address", "requestype": 0, "Message": "m" }),
            400,
            "invalid_field",
        ),
        (
            json!({ "UserMail": ADA, "requestype": 7, "Message": "m" }),
            400,
            "unknown_value",
        ),
        (
            json!({ "UserMail": ADA, "requestype": "RequestApplicationAccess", "Message": "m" }),
            400,
            "unknown_value",
        ),
        (
            json!({ "UserMail": ADA, "requestype": 0 }),
            400,
            "missing_parameter",
        ),
        (
            json!({ "UserMail": ADA, "requestype": 0, "Message": "x".repeat(501) }),
            400,
            "invalid_field",
        ),
        (
            json!({ "UserMail": ADA, "requestype": 0, "Message": "m", "userIP": "nope" }),
            400,
            "invalid_field",
        ),
        (
            json!({ "UserMail": ADA, "requestype": [0], "Message": "m" }),
            400,
            "invalid_json",
        ),
        (
            json!({ "UserMail": ADA, "requestype": 0, "Message": "m", "flow": "sideways" }),
            400,
            "unknown_value",
        ),
    ];
    for (body, status, code) in cases {
        let reply = h
            .call_at(h.addr(), "getTransactionID", &[("SrvAPIKey", &srv)], &body)
            .await;
        assert_eq!(reply.status, status, "{body}: {}", reply.text());
        assert_eq!(reply.error_code(), code, "{body}");
    }
    let not_json = send_raw(
        h.addr(),
        &request(
            "POST",
            "/api/VerifyToken",
            &[("content-type", "application/json"), ("SrvAPIKey", &srv)],
            Some(b"{"),
        ),
    )
    .await;
    assert_eq!(not_json.status, 400);
    assert_eq!(not_json.error_code(), "invalid_json");
    let xml = send_raw(
        h.addr(),
        &request(
            "POST",
            "/api/VerifyToken",
            &[("content-type", "text/xml"), ("SrvAPIKey", &srv)],
            Some(b"<a/>"),
        ),
    )
    .await;
    assert_eq!(xml.status, 415);
    let unknown = h.server("Frobnicate", &json!({})).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.error_code(), "unknown_operation");
    let bad_id = h
        .client("IsFinish", &json!({ "transactionid": "12" }))
        .await;
    assert_eq!(bad_id.status, 400);
    assert_eq!(bad_id.error_code(), "malformed_transaction_id");
    let head = send_raw(
        h.addr(),
        &request(
            "HEAD",
            "/api/getTransactionID",
            &[("SrvAPIKey", &srv)],
            None,
        ),
    )
    .await;
    assert_eq!(head.status, 405);
    // Still serving.
    h.start_transaction(ADA, 0, "").await;
}

#[tokio::test]
async fn swagger_paths_serve_the_document_and_a_page() {
    let h = Harness::start().await;
    let json = watchword_testkit::http::get(h.addr(), "/swagger/docs/v1").await;
    assert_eq!(json.status, 200);
    assert_eq!(json.json()["openapi"], "3.1.0");
    let page = watchword_testkit::http::get(h.addr(), "/swagger/ui/index").await;
    assert_eq!(page.status, 200);
    let text = page.text();
    for operation in watchword_approval_server::api::OPERATIONS {
        assert!(
            text.contains(&format!("/api/{operation}")),
            "{operation} missing from the page"
        );
    }
    let served = watchword_testkit::http::get(h.addr(), "/openapi.json").await;
    assert_eq!(served.json(), json.json());
}

#[tokio::test]
async fn a_get_that_changes_state_never_takes_its_key_from_the_query() {
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    let (id, number) = h.start_transaction(ADA, 5, "client-secret").await;
    assert_eq!(device.approve_only(number).await.status, 200);
    // A link (or a prefetcher following it) cannot hand the private token over.
    let path = format!(
        "/api/GetResult?JsAPIKey={}&transactionid={id}",
        h.partner.js
    );
    let linked = send_raw(h.addr(), &request("GET", &path, &[], None)).await;
    assert_eq!(linked.status, 400, "{}", linked.text());
    assert_eq!(linked.error_code(), "key_in_query");
    // The same GET with the key in a header gets it, once.
    let path = format!("/api/GetResult?transactionid={id}");
    let reply = send_raw(
        h.addr(),
        &request("GET", &path, &[("JsAPIKey", &h.partner.js)], None),
    )
    .await;
    assert_eq!(reply.json()["privateToken"], "client-secret");
}
