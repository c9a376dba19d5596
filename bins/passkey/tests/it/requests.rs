//! Every malformed request gets its documented status and error code (the compatible API's
//! 7131/7133/7134/7135/7140 where it has one), and the server keeps serving.

use serde_json::json;

use crate::harness::{Harness, DOMAIN, ORIGIN};

fn initiate_body(change: &[(&str, serde_json::Value)]) -> String {
    let mut body = serde_json::json!({
        "identityType": "PHONE_NUMBER",
        "identityValue": "+14155550123",
        "rpName": "Shop",
        "domain": DOMAIN,
        "userDisplayName": "Ada",
    });
    for (name, value) in change {
        if value.is_null() {
            body.as_object_mut().expect("object").remove(*name);
        } else {
            body[*name] = value.clone();
        }
    }
    body.to_string()
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one table of cases
async fn malformed_initiates_get_the_documented_error_codes() {
    let h = Harness::start(1).await;
    let spc = serde_json::json!({
        "instrumentDisplayName": "Visa ••1234",
        "instrumentDisplayIcon": "https://shop.test/visa.png",
        "payeeOrigin": "https://shop.test",
        "amount": 12.5,
        "currency": "INR",
    });
    let with_spc = |field: &str, value: serde_json::Value| {
        let mut spc = spc.clone();
        spc[field] = value;
        spc
    };

    // (what, body, status, errorCode or error.code)
    let cases: Vec<(&str, String, u16, &str)> = vec![
        (
            "no identityType",
            initiate_body(&[("identityType", json!(null))]),
            400,
            "7131",
        ),
        (
            "an unknown identityType",
            initiate_body(&[("identityType", json!("USERNAME"))]),
            400,
            "7131",
        ),
        (
            "a lower-case identityType",
            initiate_body(&[("identityType", json!("email"))]),
            400,
            "7131",
        ),
        (
            "a phone without +",
            initiate_body(&[("identityValue", json!("14155550123"))]),
            400,
            "7133",
        ),
        (
            "a phone too short",
            initiate_body(&[("identityValue", json!("+1415"))]),
            400,
            "7133",
        ),
        (
            "a phone with letters",
            initiate_body(&[("identityValue", json!("+1415555O123"))]),
            400,
            "7133",
        ),
        (
            "a phone starting with 0",
            initiate_body(&[("identityValue", json!("+04155550123"))]),
            400,
            "7133",
        ),
        (
            "an email without @",
            initiate_body(&[
                ("identityType", json!("EMAIL")),
                ("identityValue", json!("ada.example")),
            ]),
            400,
            "7133",
        ),
        (
            "an email without a dot",
            initiate_body(&[
                ("identityType", json!("EMAIL")),
                ("identityValue", json!("ada@localhost")),
            ]),
            400,
            "7133",
        ),
        (
            "an email with two dots",
            initiate_body(&[
                ("identityType", json!("EMAIL")),
                ("identityValue", json!("a..da@shop.test")),
            ]),
            400,
            "7133",
        ),
        (
            "a custom id with a newline",
            initiate_body(&[
                ("identityType", json!("CUSTOM")),
                ("identityValue", json!("ada\nx")),
            ]),
            400,
            "7133",
        ),
        (
            "a custom id too long",
            initiate_body(&[
                ("identityType", json!("CUSTOM")),
                ("identityValue", json!("a".repeat(129))),
            ]),
            400,
            "7133",
        ),
        (
            "a number as identityValue",
            initiate_body(&[("identityValue", json!(14_155_550_123_u64))]),
            400,
            "7133",
        ),
        (
            "no rpName",
            initiate_body(&[("rpName", json!(null))]),
            400,
            "7134",
        ),
        (
            "a blank rpName",
            initiate_body(&[("rpName", json!("   "))]),
            400,
            "7134",
        ),
        (
            "an rpName too long",
            initiate_body(&[("rpName", json!("r".repeat(65)))]),
            400,
            "7134",
        ),
        (
            "no domain",
            initiate_body(&[("domain", json!(null))]),
            400,
            "7135",
        ),
        (
            "a domain with a scheme",
            initiate_body(&[("domain", json!("https://shop.test"))]),
            400,
            "7135",
        ),
        (
            "a domain with a port",
            initiate_body(&[("domain", json!("shop.test:443"))]),
            400,
            "7135",
        ),
        (
            "an upper-case domain",
            initiate_body(&[("domain", json!("Shop.test"))]),
            400,
            "7135",
        ),
        (
            "an IP address",
            initiate_body(&[("domain", json!("127.0.0.1"))]),
            400,
            "7135",
        ),
        (
            "no userDisplayName",
            initiate_body(&[("userDisplayName", json!(null))]),
            400,
            "7133",
        ),
        (
            "isSPC without spc",
            initiate_body(&[("isSPC", json!(true))]),
            400,
            "7140",
        ),
        (
            "spc with an http icon",
            initiate_body(&[
                ("isSPC", json!(true)),
                (
                    "spc",
                    with_spc("instrumentDisplayIcon", json!("http://shop.test/v.png")),
                ),
            ]),
            400,
            "7140",
        ),
        (
            "spc with an http payee",
            initiate_body(&[
                ("isSPC", json!(true)),
                ("spc", with_spc("payeeOrigin", json!("http://shop.test"))),
            ]),
            400,
            "7140",
        ),
        (
            "spc with a zero amount",
            initiate_body(&[
                ("isSPC", json!(true)),
                ("spc", with_spc("amount", json!(0))),
            ]),
            400,
            "7140",
        ),
        (
            "spc with a string amount",
            initiate_body(&[
                ("isSPC", json!(true)),
                ("spc", with_spc("amount", json!("12.5"))),
            ]),
            400,
            "7140",
        ),
        (
            "spc with a bad currency",
            initiate_body(&[
                ("isSPC", json!(true)),
                ("spc", with_spc("currency", json!("rupee"))),
            ]),
            400,
            "7140",
        ),
        (
            "a bad attachment",
            initiate_body(&[("attachment", json!("USB"))]),
            400,
            "invalid_request",
        ),
        (
            "isRegistration as a string",
            initiate_body(&[("isRegistration", json!("yes"))]),
            400,
            "invalid_request",
        ),
        (
            "allowConditional as a string",
            initiate_body(&[("allowConditional", json!("yes"))]),
            400,
            "invalid_request",
        ),
        (
            "allowConditional on a payment",
            initiate_body(&[
                ("isSPC", json!(true)),
                ("spc", with_spc("currency", json!("EUR"))),
                ("allowConditional", json!(true)),
            ]),
            400,
            "invalid_request",
        ),
        (
            "not JSON",
            "{\"identityType\":".into(),
            400,
            "invalid_request",
        ),
        ("a JSON array", "[]".into(), 400, "invalid_request"),
        (
            "a domain of another client",
            initiate_body(&[("domain", json!("other.test"))]),
            403,
            "forbidden",
        ),
    ];
    for (what, body, status, code) in &cases {
        let reply = h
            .send(
                h.addr(),
                "POST",
                "/auth/v1/webauthn",
                &[
                    ("clientId", &h.client_id),
                    ("clientSecret", &h.secret),
                    ("content-type", "application/json"),
                ],
                Some(body.as_bytes()),
            )
            .await;
        assert_eq!(
            reply.status,
            *status,
            "{what}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        let json = reply.json();
        let found = json["errorCode"]
            .as_str()
            .unwrap_or(json["error"]["code"].as_str().unwrap_or_default());
        assert_eq!(found, *code, "{what}: {json}");
        assert!(
            json["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{what}"
        );
        assert_eq!(
            json["message"],
            if *status == 400 {
                "Bad Request"
            } else {
                "Forbidden"
            },
            "{what}"
        );
    }
    // The valid bodies of the same shapes pass, and the server serves on.
    for body in [
        initiate_body(&[]),
        initiate_body(&[
            ("identityType", json!("EMAIL")),
            ("identityValue", json!("Ada.L@Shop.TEST")),
        ]),
        initiate_body(&[
            ("identityType", json!("CUSTOM")),
            ("identityValue", json!("user-42")),
        ]),
        initiate_body(&[("isSPC", json!(true)), ("spc", spc.clone())]),
        initiate_body(&[
            ("attachment", json!("CROSS_PLATFORM")),
            ("isRegistration", json!(true)),
        ]),
    ] {
        let reply = h
            .backend(
                h.addr(),
                "/auth/v1/webauthn",
                &serde_json::from_str(&body).expect("json"),
            )
            .await;
        assert_eq!(
            reply.status,
            200,
            "{body}: {}",
            String::from_utf8_lossy(&reply.body)
        );
    }
}

#[tokio::test]
async fn client_credentials_are_checked() {
    let h = Harness::start(1).await;
    let body = initiate_body(&[]);
    for headers in [
        vec![],
        vec![("clientId", h.client_id.as_str())],
        vec![
            ("clientId", h.client_id.as_str()),
            ("clientSecret", "wrong"),
        ],
        vec![("clientId", "nobody"), ("clientSecret", h.secret.as_str())],
    ] {
        let mut all = headers.clone();
        all.push(("content-type", "application/json"));
        let reply = h
            .send(
                h.addr(),
                "POST",
                "/auth/v1/webauthn",
                &all,
                Some(body.as_bytes()),
            )
            .await;
        assert_eq!(reply.status, 401, "{headers:?}");
        assert_eq!(reply.json()["message"], "Unauthorized");
        let reply = h
            .send(
                h.addr(),
                "POST",
                "/auth/v1/validate/token",
                &all,
                Some(b"{\"token\":\"x\"}"),
            )
            .await;
        assert_eq!(reply.status, 401, "{headers:?}");
    }
}

#[tokio::test]
async fn requests_are_served_to_their_clients_origins_only() {
    let h = Harness::start(1).await;
    let id = h.initiate("ada@shop.test", serde_json::json!({})).await;
    let path = format!("/auth/v1/webauthn/{id}");
    let reply = h.options(&id).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    let options = reply.json();
    assert_eq!(options["ceremony"], "registration");
    let public_key = &options["publicKey"];
    assert_eq!(public_key["rp"]["id"], DOMAIN);
    assert_eq!(public_key["user"]["name"], "ada@shop.test");
    assert_eq!(
        public_key["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(
        public_key["authenticatorSelection"]["residentKey"],
        "required"
    );
    assert_eq!(public_key["pubKeyCredParams"][0]["alg"], -7);

    // The SDK names its app in a header of its own: the preflight lets it through.
    let preflight = h
        .send(
            h.addr(),
            "OPTIONS",
            &path,
            &[
                ("origin", ORIGIN),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "content-type, x-otpless-appid",
                ),
            ],
            None,
        )
        .await;
    assert_eq!(preflight.status, 204);
    assert!(preflight
        .header("access-control-allow-headers")
        .is_some_and(|h| h.contains("x-otpless-appid")));
    let evil = h
        .send(
            h.addr(),
            "GET",
            &path,
            &[("origin", "https://evil.test")],
            None,
        )
        .await;
    assert_eq!(evil.status, 403);
    let wrong_app = h
        .send(
            h.addr(),
            "GET",
            &path,
            &[("origin", ORIGIN), ("x-otpless-appid", "APPOTHER")],
            None,
        )
        .await;
    assert_eq!(wrong_app.status, 403);
    assert_eq!(wrong_app.json()["error"]["code"], "app_mismatch");
    let unknown = h
        .send(
            h.addr(),
            "GET",
            "/auth/v1/webauthn/nope",
            &[("origin", ORIGIN)],
            None,
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["error"]["code"], "request_not_found");

    h.advance(301);
    let expired = h.options(&id).await;
    assert_eq!(expired.status, 410);
    assert_eq!(expired.json()["error"]["code"], "request_expired");
}

#[tokio::test]
async fn bad_credentials_and_tokens_are_refused_and_nothing_is_spent() {
    let h = Harness::start(1).await;
    let id = h.initiate("ada@shop.test", serde_json::json!({})).await;
    for (what, body, reason) in [
        ("not JSON", "{", "json"),
        ("an empty object", "{}", "json"),
        (
            "a bad base64url",
            r#"{"id":"A+A","rawId":"A+A","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"},"clientExtensionResults":{}}"#,
            "base64",
        ),
        (
            "an unknown type",
            r#"{"id":"AA","rawId":"AA","type":"password","response":{"clientDataJSON":"e30","attestationObject":"oA"},"clientExtensionResults":{}}"#,
            "credential_type",
        ),
    ] {
        let reply = h.complete_on(h.addr(), &id, body).await;
        assert_eq!(
            reply.status,
            400,
            "{what}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        let json = reply.json();
        assert_eq!(json["error"]["code"], "verification_failed", "{what}");
        assert_eq!(json["reason"], reason, "{what}: {json}");
        assert_eq!(json["error"]["reason"], reason, "{what}");
    }
    // The request is still open after refusals.
    assert_eq!(h.options(&id).await.status, 200);

    for token in ["", "x", &"t".repeat(200)] {
        let reply = h.validate_on(h.addr(), token).await;
        assert_eq!(reply.status, 400, "{token:?}");
    }
    let reply = h
        .validate_on(h.addr(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["errorCode"], "invalid_token");
    assert_eq!(
        h.send(h.addr(), "GET", "/healthz", &[], None).await.status,
        200
    );
}
