//! The OpenAPI document against the server: every status it documents for an operation is one
//! the server really answers, and the server answers nothing it does not document.

use serde_json::json;
use watchword_testkit::contract;
use watchword_testkit::http::{get, request, send_raw};

use crate::harness::{Harness, Options, ADA, ORIGIN};

/// Sends one request; its status.
async fn hit(h: &Harness, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    let body = (!body.is_empty()).then_some(body);
    send_raw(h.addr(), &request(method, path, headers, body))
        .await
        .status
}

/// The refusals every operation answers alike, on GET and POST: 400 (a missing parameter),
/// 401 (no key), 403 (the other role's key), 413 and 415.
async fn refusals(h: &Harness, path: &str, key: (&str, &str), other_key: (&str, &str)) {
    let json = ("content-type", "application/json");
    for method in ["GET", "POST"] {
        assert_eq!(
            hit(h, method, path, &[json, key], b"{}").await,
            400,
            "{method} {path}"
        );
        assert_eq!(
            hit(h, method, path, &[json], b"{}").await,
            401,
            "{method} {path}"
        );
        assert_eq!(
            hit(h, method, path, &[json, other_key], b"{}").await,
            403,
            "{method} {path}"
        );
        let huge = vec![b' '; 70_000];
        assert_eq!(
            hit(h, method, path, &[json, key], &huge).await,
            413,
            "{method} {path}"
        );
        let text = [("content-type", "text/plain"), key];
        assert_eq!(
            hit(h, method, path, &text, b"x=1").await,
            415,
            "{method} {path}"
        );
    }
}

/// GET and POST of `operation` with `body` (as the query string for GET) and `key`.
async fn both(
    h: &Harness,
    operation: &str,
    key: (&str, &str),
    body: &serde_json::Value,
) -> [u16; 2] {
    let query: Vec<String> = body
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                    format!("{k}={}", watchword_testkit::http::percent_encode(&v))
                })
                .collect()
        })
        .unwrap_or_default();
    let path = format!("/api/{operation}");
    let got = hit(
        h,
        "GET",
        &format!("{path}?{}", query.join("&")),
        &[key],
        b"",
    )
    .await;
    let posted = h.call_at(h.addr(), operation, &[key], body).await.status;
    [got, posted]
}

async fn key_call(
    h: &Harness,
    id: &str,
    path: &str,
    origin: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> u16 {
    let mut headers = vec![("content-type", content_type)];
    if let Some(origin) = origin {
        headers.push(("origin", origin));
    }
    hit(h, "POST", &format!("/page/{id}/{path}"), &headers, body).await
}

/// Every answer of the security-key routes.
async fn security_keys(h: &Harness) {
    use base64::Engine as _;
    let key = watchword_webauthn::fuzzing::Authenticator::new();
    let json = "application/json";
    let page = |mail: &'static str, page_type: u8| async move {
        let (id, _) = h.start_transaction(mail, 0, "").await;
        let body = json!({ "transactionid": id, "pageType": page_type, "FormID": "f" });
        assert_eq!(h.server("GetHTML", &body).await.status, 200);
        id
    };
    let challenge = |reply: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(reply["publicKey"]["challenge"].as_str().unwrap_or_default())
            .unwrap_or_default()
    };
    let register = page("k1@example.com", 2).await;
    assert_eq!(
        key_call(h, &register, "webauthn", Some(ORIGIN), json, b"{}").await,
        409,
        "no ceremony yet"
    );
    let options = format!("/page/{register}/webauthn/options");
    let reply = send_raw(
        h.addr(),
        &request(
            "POST",
            &options,
            &[("content-type", json), ("origin", ORIGIN)],
            Some(b"{}"),
        ),
    )
    .await;
    assert_eq!(reply.status, 200);
    let created = key.register(&challenge(reply.json()), ORIGIN, "shop.test");
    assert_eq!(
        key_call(h, &register, "webauthn", Some(ORIGIN), json, b"{}").await,
        400
    );
    assert_eq!(
        key_call(
            h,
            &register,
            "webauthn",
            Some(ORIGIN),
            json,
            created.as_bytes()
        )
        .await,
        200
    );
    for path in ["webauthn/options", "webauthn"] {
        assert_eq!(
            key_call(h, &register, path, None, json, b"{}").await,
            400,
            "{path}"
        );
        assert_eq!(
            key_call(h, &register, path, Some("https://evil.test"), json, b"{}").await,
            403,
            "{path}"
        );
        assert_eq!(
            key_call(h, "nope", path, None, json, b"{}").await,
            404,
            "{path}"
        );
        assert_eq!(
            key_call(h, &register, path, Some(ORIGIN), json, &vec![b' '; 70_000]).await,
            413,
            "{path}"
        );
        assert_eq!(
            key_call(h, &register, path, Some(ORIGIN), "text/plain", b"x").await,
            415,
            "{path}"
        );
    }
    assert_eq!(
        key_call(h, &register, "webauthn/options", Some(ORIGIN), json, b"{}").await,
        409,
        "answered"
    );
    let other_page = json!({ "transactionid": register, "pageType": 1, "FormID": "f" });
    let srv = ("SrvAPIKey", h.partner.srv.as_str());
    assert_eq!(both(h, "GetHTML", srv, &other_page).await, [409, 409]);
    let late = page("k2@example.com", 1).await;
    h.advance(301);
    for path in ["webauthn/options", "webauthn"] {
        assert_eq!(
            key_call(h, &late, path, Some(ORIGIN), json, b"{}").await,
            410,
            "{path}"
        );
    }
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one scenario that reaches every documented answer
async fn every_documented_status_is_sent_and_nothing_else() {
    let mut options = Options::default();
    options.config.max_pending = 1;
    options.config.server_only_wait = std::time::Duration::from_secs(1);
    let mut h = Harness::start_with(options).await;
    let (srv_key, js_key) = (h.partner.srv.clone(), h.partner.js.clone());
    let srv = ("SrvAPIKey", srv_key.as_str());
    let js = ("JsAPIKey", js_key.as_str());
    let device = h.enrol(ADA).await;

    // Successes, on GET and POST.
    for mail in ["a@example.com", "b@example.com"] {
        let body = json!({ "UserMail": mail, "requestype": 0, "Message": "m" });
        let [got, posted] = both(&h, "getTransactionID", srv, &body).await;
        assert_eq!(
            (got, posted),
            (200, 429),
            "{mail}: the second waits behind the first"
        );
        assert_eq!(both(&h, "getTransactionID", srv, &body).await, [429, 429]);
    }
    let (id, number) = h.start_transaction(ADA, 5, "p").await;
    let tx = json!({ "transactionid": id });
    let page = json!({ "transactionid": id, "pageType": 0, "FormID": "f" });
    assert_eq!(both(&h, "GetHTML", srv, &page).await, [200, 200]);
    assert_eq!(both(&h, "IsFinish", js, &tx).await, [200, 200]);
    assert_eq!(device.approve_only(number).await.status, 200);
    let token = h.page_token(&id).await;
    assert_eq!(
        both(&h, "VerifyToken", srv, &json!({ "token": token })).await,
        [200, 200]
    );
    // GetResult of a standard transaction: 409; of a distributed one: 200.
    assert_eq!(both(&h, "GetResult", js, &tx).await, [409, 409]);
    let (distributed, number) = h.start_transaction("d@example.com", 5, "p").await;
    let dx = json!({ "transactionid": distributed });
    assert_eq!(both(&h, "GetResult", js, &dx).await, [200, 200]);
    let send = json!({ "UserMail": "s@example.com", "requestype": 0, "Message": "m", "userIP": "192.0.2.1", "OSType": "x", "NavigatorOrAPPName": "y" });
    assert_eq!(both(&h, "SendRequest", srv, &send).await, [200, 200]);
    let link = json!({ "UserMail": "e@example.com" });
    assert_eq!(both(&h, "GetEnrolmentLink", srv, &link).await, [200, 200]);
    let _ = number;

    // Refusals every operation shares.
    for operation in [
        "getTransactionID",
        "GetHTML",
        "VerifyToken",
        "SendRequest",
        "GetEnrolmentLink",
    ] {
        refusals(&h, &format!("/api/{operation}"), srv, js).await;
    }
    for operation in ["IsFinish", "GetResult"] {
        refusals(&h, &format!("/api/{operation}"), js, srv).await;
    }
    // Transactions that are not there, or are over.
    let unknown = json!({ "transactionid": "00000000-0000-0000-0000-000000000000", "pageType": 0, "FormID": "f" });
    for (operation, key) in [("GetHTML", srv), ("IsFinish", js), ("GetResult", js)] {
        assert_eq!(
            both(&h, operation, key, &unknown).await,
            [404, 404],
            "{operation}"
        );
    }
    let (late, _) = h.start_transaction("late@example.com", 0, "").await;
    h.advance(301);
    let late_page = json!({ "transactionid": late, "pageType": 0, "FormID": "f" });
    assert_eq!(both(&h, "GetHTML", srv, &late_page).await, [410, 410]);

    // The page's status: 200, another origin 403, unknown 404.
    let status = format!("/page/{id}/status");
    assert_eq!(get(h.addr(), &status).await.status, 200);
    assert_eq!(
        hit(&h, "GET", &status, &[("origin", "https://evil.test")], b"").await,
        403
    );
    assert_eq!(
        hit(&h, "GET", &status, &[("origin", ORIGIN)], b"").await,
        200
    );
    assert_eq!(
        get(
            h.addr(),
            "/page/00000000-0000-0000-0000-000000000000/status"
        )
        .await
        .status,
        404
    );

    // The approver app's API.
    let json = ("content-type", "application/json");
    let start = "/device/api/enrol/start";
    assert_eq!(
        hit(
            &h,
            "POST",
            start,
            &[json],
            br#"{"UserMail":"f@example.com"}"#
        )
        .await,
        202
    );
    assert_eq!(
        hit(&h, "POST", start, &[json], br#"{"UserMail":"nope"}"#).await,
        400
    );
    assert_eq!(
        hit(&h, "POST", start, &[json], &vec![b' '; 70_000]).await,
        413
    );
    assert_eq!(
        hit(&h, "POST", start, &[("content-type", "text/plain")], b"x").await,
        415
    );
    let finish = "/device/api/enrol/finish";
    let bad_code = json!({ "code": "x", "public_key": crate::harness::Device::jwk(&crate::harness::Device::new_key()) }).to_string();
    assert_eq!(
        hit(&h, "POST", finish, &[json], bad_code.as_bytes()).await,
        400
    );
    assert_eq!(
        hit(&h, "POST", finish, &[json], &vec![b' '; 70_000]).await,
        413
    );
    assert_eq!(
        hit(&h, "POST", finish, &[("content-type", "text/plain")], b"x").await,
        415
    );
    let code = h
        .server("GetEnrolmentLink", &json!({ "UserMail": "g@example.com" }))
        .await
        .json()["EnrolmentURL"]
        .as_str()
        .and_then(|u| u.split("#enrol=").nth(1))
        .unwrap()
        .to_owned();
    let second = crate::harness::Device::enrol(&h, &code).await;
    assert_eq!(device.pending_reply("?wait=soon").await.status, 400);
    assert_eq!(hit(&h, "GET", "/device/api/pending", &[], b"").await, 401);
    let (open, number) = h.start_transaction(ADA, 0, "").await;
    let reference = device.pending().await[0]["ref"].clone();
    assert_eq!(
        device
            .decide(&json!({ "ref": reference, "answer": "maybe" }))
            .await
            .status,
        400
    );
    assert_eq!(
        second
            .decide(&json!({ "ref": reference, "answer": "deny" }))
            .await
            .status,
        404
    );
    let big = json!({ "ref": reference, "answer": "approve", "number": number, "attachment": { "media_type": "image/png", "data": "A".repeat(3_000_000) } });
    assert_eq!(device.decide(&big).await.status, 413);
    let auth = device.authorization("POST", "/device/api/decide", h.now(), b"x");
    assert_eq!(
        hit(
            &h,
            "POST",
            "/device/api/decide",
            &[("content-type", "text/plain"), ("authorization", &auth)],
            b"x"
        )
        .await,
        415
    );
    assert_eq!(
        hit(&h, "POST", "/device/api/decide", &[json], b"{}").await,
        401
    );
    assert_eq!(
        device
            .decide(&json!({ "ref": reference, "answer": "approve", "number": number }))
            .await
            .status,
        200
    );
    assert_eq!(
        device
            .decide(&json!({ "ref": reference, "answer": "deny" }))
            .await
            .status,
        409
    );
    let _ = open;
    let (stale, _) = h.start_transaction(ADA, 0, "").await;
    let stale_ref = device.pending().await[0]["ref"].clone();
    h.advance(200);
    // Past its lifetime but inside the minute it stays readable: 410.
    h.advance(101);
    assert_eq!(
        device
            .decide(&json!({ "ref": stale_ref, "answer": "deny" }))
            .await
            .status,
        410
    );
    let _ = stale;

    security_keys(&h).await;

    // Documents and operations endpoints.
    for path in [
        "/openapi.json",
        "/swagger/ui/index",
        "/swagger/docs/v1",
        "/device",
        "/healthz",
        "/readyz",
    ] {
        assert_eq!(get(h.addr(), path).await.status, 200, "{path}");
    }

    // Rate limits, last: they are counted per network, and the test's network is loopback.
    for _ in 0..3 {
        h.server("GetEnrolmentLink", &json!({ "UserMail": "h@example.com" }))
            .await;
    }
    assert_eq!(
        both(
            &h,
            "GetEnrolmentLink",
            srv,
            &json!({ "UserMail": "h@example.com" })
        )
        .await,
        [429, 429]
    );
    let mut last = 0;
    for _ in 0..11 {
        last = hit(
            &h,
            "POST",
            start,
            &[json],
            br#"{"UserMail":"i@example.com"}"#,
        )
        .await;
    }
    assert_eq!(last, 429);
    assert_eq!(
        hit(&h, "POST", finish, &[json], bad_code.as_bytes()).await,
        429
    );
    for _ in 0..601 {
        last = device.pending_reply("").await.status;
    }
    assert_eq!(last, 429);
    assert_eq!(
        device
            .decide(&json!({ "ref": reference, "answer": "deny" }))
            .await
            .status,
        429
    );
    for _ in 0..601 {
        last = h.client("IsFinish", &dx).await.status;
    }
    assert_eq!(last, 429);
    assert_eq!(both(&h, "IsFinish", js, &dx).await, [429, 429]);
    assert_eq!(both(&h, "GetResult", js, &dx).await, [429, 429]);
    for _ in 0..2401 {
        last = h
            .server("VerifyToken", &json!({ "token": "x" }))
            .await
            .status;
    }
    assert_eq!(last, 429);
    assert_eq!(
        both(&h, "VerifyToken", srv, &json!({ "token": "x" })).await,
        [429, 429]
    );
    // One request waits for this customer already (--max-pending 1).
    h.start_transaction("s3@example.com", 0, "").await;
    let waiting = json!({ "UserMail": "s3@example.com", "requestype": 0, "Message": "m", "userIP": "192.0.2.1", "OSType": "x", "NavigatorOrAPPName": "y" });
    assert_eq!(both(&h, "SendRequest", srv, &waiting).await, [429, 429]);

    // The store goes away: 503 everywhere it is needed, and from /readyz.
    h.redis.kill().expect("kill redis");
    for operation in [
        "getTransactionID",
        "GetHTML",
        "VerifyToken",
        "SendRequest",
        "GetEnrolmentLink",
    ] {
        assert_eq!(
            both(&h, operation, srv, &page).await,
            [503, 503],
            "{operation}"
        );
    }
    for operation in ["IsFinish", "GetResult"] {
        assert_eq!(
            both(&h, operation, js, &tx).await,
            [503, 503],
            "{operation}"
        );
    }
    assert_eq!(get(h.addr(), &status).await.status, 503);
    for path in ["webauthn/options", "webauthn"] {
        let reply = key_call(&h, &id, path, Some(ORIGIN), "text/plain", b"{}").await;
        assert_eq!(reply, 503, "{path}");
    }
    assert_eq!(
        hit(
            &h,
            "POST",
            start,
            &[json],
            br#"{"UserMail":"j@example.com"}"#
        )
        .await,
        503
    );
    assert_eq!(
        hit(&h, "POST", finish, &[json], bad_code.as_bytes()).await,
        503
    );
    assert_eq!(device.pending_reply("").await.status, 503);
    assert_eq!(
        device
            .decide(&json!({ "ref": reference, "answer": "deny" }))
            .await
            .status,
        503
    );
    assert_eq!(get(h.addr(), "/readyz").await.status, 503);

    get(h.addr(), "/metrics").await;
    let metrics = String::from_utf8(get(h.addr(), "/metrics").await.body).expect("text");
    let mut scope: Vec<&str> = watchword_approval_server::api::PATHS.to_vec();
    scope.extend([
        "/page/{transactionid}/status",
        "/page/{transactionid}/webauthn/options",
        "/page/{transactionid}/webauthn",
        "/device",
        "/device/api/enrol/start",
        "/device/api/enrol/finish",
        "/device/api/pending",
        "/device/api/decide",
        "/swagger/ui/index",
        "/swagger/docs/v1",
        "/openapi.json",
        "/healthz",
        "/readyz",
        "/metrics",
    ]);
    contract::assert_matches(
        &contract::documented(watchword_approval_server::OPENAPI),
        &contract::observed(&metrics),
        &scope,
    );
}
