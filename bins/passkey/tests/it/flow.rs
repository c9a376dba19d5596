//! Registration, sign-in and token validation against real Redis, with a software
//! authenticator: a token validates once (also under 32 concurrent validations over two
//! replicas), a request completes once, and forged or replayed responses are refused.

use futures::future::join_all;

use crate::harness::{Harness, DOMAIN, ORIGIN};
use watchword_testkit::passkey::{Page, Passkey};

const PAGE: Page<'static> = Page {
    rp_id: DOMAIN,
    origin: ORIGIN,
};

/// Initiate, fetch the options and register a passkey: the passkey and the token.
pub(crate) async fn register(h: &Harness, email: &str) -> (Passkey, String) {
    let id = h.initiate(email, serde_json::json!({})).await;
    let options = h.options(&id).await.json();
    assert_eq!(options["ceremony"], "registration");
    let (passkey, json) = Passkey::create(&options, &PAGE);
    let reply = h.complete_on(h.addr(), &id, &json).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let answer = reply.json();
    assert_eq!(answer["type"], "REGISTRATION");
    (passkey, answer["token"].as_str().expect("token").to_owned())
}

#[tokio::test]
async fn a_passkey_registers_then_signs_in_and_each_token_validates_once() {
    let h = Harness::start(1).await;
    let (mut passkey, token) = register(&h, "ada@shop.test").await;
    let reply = h.validate_on(h.addr(), &token).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let valid = reply.json();
    assert_eq!(valid["status"], "SUCCESS");
    assert_eq!(valid["token"], token.as_str());
    let user = valid["userId"].as_str().expect("user").to_owned();
    assert!(user.starts_with("usr_"));
    let identity = &valid["identities"][0];
    assert_eq!(identity["identityType"], "EMAIL");
    assert_eq!(identity["identityValue"], "ada@shop.test");
    assert_eq!(identity["channel"], "WEBAUTHN");
    assert_eq!(identity["verified"], true);
    assert_eq!(identity["type"], "REGISTRATION");
    assert_eq!(identity["verifiedAt"], "2027-01-15T08:00:00Z");
    assert_eq!(valid["network"]["ip"], "203.0.113.9");
    assert_eq!(valid["deviceInfo"]["browser"], "Chrome");
    assert_eq!(valid["deviceInfo"]["os"], "Linux");
    let again = h.validate_on(h.addr(), &token).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["errorCode"], "invalid_token");

    // The identity has a passkey now: the next request signs in with it.
    let id = h.initiate("ada@shop.test", serde_json::json!({})).await;
    let options = h.options(&id).await.json();
    assert_eq!(options["ceremony"], "authentication");
    assert_eq!(options["publicKey"]["rpId"], DOMAIN);
    assert_eq!(
        options["publicKey"]["allowCredentials"][0]["id"],
        watchword_testkit::passkey::b64(&passkey.id)
    );
    let assertion = passkey.get(&options, &PAGE, None);
    let reply = h.complete_on(h.addr(), &id, &assertion).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let answer = reply.json();
    assert_eq!(answer["type"], "LOGIN");
    assert_eq!(answer["userId"], user.as_str());
    let valid = h
        .validate_on(h.addr(), answer["token"].as_str().expect("token"))
        .await
        .json();
    assert_eq!(valid["identities"][0]["type"], "LOGIN");
    assert_eq!(valid["userId"], user.as_str());

    // The same assertion again: the request is spent; on a new request the challenge differs.
    let spent = h.complete_on(h.addr(), &id, &assertion).await;
    assert_eq!(spent.status, 409);
    assert_eq!(spent.json()["error"]["code"], "request_used");
    let fresh = h.initiate("ada@shop.test", serde_json::json!({})).await;
    let elsewhere = h.complete_on(h.addr(), &fresh, &assertion).await;
    assert_eq!(elsewhere.status, 400);
    assert_eq!(elsewhere.json()["reason"], "challenge_mismatch");

    // A counter that went back: a cloned authenticator.
    let options = h.options(&fresh).await.json();
    let cloned = passkey.get(&options, &PAGE, Some(1));
    let reply = h.complete_on(h.addr(), &fresh, &cloned).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["reason"], "sign_count_regression");

    // Another page's origin.
    let evil = Page {
        rp_id: DOMAIN,
        origin: "https://evil.test",
    };
    let assertion = passkey.get(&options, &evil, None);
    let reply = h.complete_on(h.addr(), &fresh, &assertion).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["reason"], "origin_not_allowed");

    // The refusals spent nothing: the request still completes with a good assertion.
    let assertion = passkey.get(&options, &PAGE, None);
    assert_eq!(
        h.complete_on(h.addr(), &fresh, &assertion).await.status,
        200
    );
}

#[tokio::test]
async fn thirty_two_concurrent_validations_of_one_token_succeed_once() {
    let h = Harness::start(2).await;
    let (_, token) = register(&h, "grace@shop.test").await;
    let replies = join_all((0..32).map(|n| {
        let h = &h;
        let token = token.clone();
        async move { h.validate_on(h.replicas[n % 2], &token).await.status }
    }))
    .await;
    let ok = replies.iter().filter(|s| **s == 200).count();
    let refused = replies.iter().filter(|s| **s == 400).count();
    assert_eq!((ok, refused), (1, 31), "{replies:?}");
}

#[tokio::test]
async fn a_new_device_registers_on_request_and_old_passkeys_are_excluded() {
    let h = Harness::start(1).await;
    let (first, _) = register(&h, "ada@shop.test").await;
    let id = h
        .initiate(
            "ada@shop.test",
            serde_json::json!({ "isRegistration": true, "attachment": "CROSS_PLATFORM" }),
        )
        .await;
    let options = h.options(&id).await.json();
    assert_eq!(options["ceremony"], "registration");
    let public = &options["publicKey"];
    assert_eq!(
        public["excludeCredentials"][0]["id"],
        watchword_testkit::passkey::b64(&first.id)
    );
    assert_eq!(
        public["authenticatorSelection"]["authenticatorAttachment"],
        "cross-platform"
    );
    assert_eq!(
        public["hints"],
        serde_json::json!(["security-key", "hybrid"])
    );
    let (second, json) = Passkey::create(&options, &PAGE);
    assert_eq!(second.user_handle, first.user_handle, "the same user");
    let reply = h.complete_on(h.addr(), &id, &json).await;
    assert_eq!(reply.status, 200);

    // The same credential registered twice is refused.
    let id = h
        .initiate(
            "ada@shop.test",
            serde_json::json!({ "isRegistration": true }),
        )
        .await;
    let reply = h.complete_on(h.addr(), &id, &json).await;
    assert_eq!(
        reply.status, 400,
        "the challenge differs before anything else"
    );

    // Conditional mediation needs the backend's consent at initiate.
    let id = h.initiate("ada@shop.test", serde_json::json!({})).await;
    let refused = h
        .send(
            h.addr(),
            "GET",
            &format!("/auth/v1/webauthn/{id}?mediation=conditional"),
            &[("origin", ORIGIN)],
            None,
        )
        .await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.json()["errorCode"], "conditional_not_allowed");

    // Conditional mediation is for sign-in only, and lets any of the user's passkeys answer.
    let id = h
        .initiate(
            "ada@shop.test",
            serde_json::json!({"allowConditional": true}),
        )
        .await;
    let conditional = h
        .send(
            h.addr(),
            "GET",
            &format!("/auth/v1/webauthn/{id}?mediation=conditional"),
            &[("origin", ORIGIN)],
            None,
        )
        .await;
    assert_eq!(conditional.status, 200);
    let options = conditional.json();
    assert_eq!(
        options["publicKey"]["allowCredentials"],
        serde_json::json!([])
    );
    let mut second = second;
    let assertion = second.get(&options, &PAGE, None);
    assert_eq!(h.complete_on(h.addr(), &id, &assertion).await.status, 200);

    let fresh = h
        .initiate(
            "new@shop.test",
            serde_json::json!({"allowConditional": true}),
        )
        .await;
    let refused = h
        .send(
            h.addr(),
            "GET",
            &format!("/auth/v1/webauthn/{fresh}?mediation=conditional"),
            &[("origin", ORIGIN)],
            None,
        )
        .await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.json()["error"]["code"], "no_passkey");
}

#[tokio::test]
async fn a_passkey_of_one_identity_does_not_sign_in_another_without_conditional_mediation() {
    let h = Harness::start(1).await;
    let (mut ada, _) = register(&h, "ada@shop.test").await;
    register(&h, "bob@shop.test").await;
    let id = h.initiate("bob@shop.test", serde_json::json!({})).await;
    let options = h.options(&id).await.json();
    let assertion = ada.get(&options, &PAGE, None);
    let reply = h.complete_on(h.addr(), &id, &assertion).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["errorCode"], "unknown_credential");
}

#[tokio::test]
async fn an_identity_is_one_user_even_when_its_first_requests_race() {
    let h = Harness::start(2).await;
    let ids = join_all((0..8).map(|n| {
        let h = &h;
        async move {
            let body = serde_json::json!({
                "identityType": "EMAIL", "identityValue": "race@shop.test", "rpName": "Shop",
                "domain": DOMAIN, "userDisplayName": "Race",
            });
            let reply = h
                .backend(h.replicas[n % 2], "/auth/v1/webauthn", &body)
                .await;
            reply.json()["requestId"].as_str().expect("id").to_owned()
        }
    }))
    .await;
    let mut handles = Vec::new();
    for id in &ids {
        handles.push(h.options(id).await.json()["publicKey"]["user"]["id"].clone());
    }
    handles.dedup();
    assert_eq!(handles.len(), 1, "one user handle: {handles:?}");

    // Two of those requests register two passkeys for one user.
    let first = h.options(&ids[0]).await.json();
    let (_, json) = Passkey::create(&first, &PAGE);
    let one = h.complete_on(h.addr(), &ids[0], &json).await.json();
    let second = h.options(&ids[1]).await.json();
    let (_, json) = Passkey::create(&second, &PAGE);
    let two = h.complete_on(h.addr(), &ids[1], &json).await.json();
    assert_eq!(one["userId"], two["userId"]);
}

#[tokio::test]
async fn is_registration_false_only_signs_in_and_emails_ignore_case() {
    let h = Harness::start(1).await;
    let body = |email: &str| {
        serde_json::json!({
            "identityType": "EMAIL", "identityValue": email, "rpName": "Shop",
            "domain": DOMAIN, "userDisplayName": "Ada", "isRegistration": false,
        })
    };
    let reply = h
        .backend(h.addr(), "/auth/v1/webauthn", &body("Ada@Shop.Test"))
        .await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.json()["errorCode"], "no_passkey");

    let (mut passkey, _) = register(&h, "Ada@Shop.Test").await;
    let reply = h
        .backend(h.addr(), "/auth/v1/webauthn", &body("ada@shop.test"))
        .await;
    assert_eq!(reply.status, 200);
    let answer = reply.json();
    assert_eq!(
        answer["ceremony"], "authentication",
        "the initiate answer says which"
    );
    let id = answer["requestId"].as_str().expect("id");
    let options = h.options(id).await.json();
    assert_eq!(
        options["publicKey"]["allowCredentials"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let reply = h
        .complete_on(h.addr(), id, &passkey.get(&options, &PAGE, None))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["identityValue"], "ada@shop.test");
}

#[tokio::test]
async fn a_secure_payment_confirmation_is_checked_against_the_payment_asked_for() {
    use watchword_testkit::passkey::Shown;
    let h = Harness::start(1).await;
    let spc = serde_json::json!({
        "isSPC": true,
        "spc": {
            "instrumentDisplayName": "Visa ••1234",
            "instrumentDisplayIcon": "https://shop.test/visa.png",
            "payeeOrigin": "https://shop.test",
            "amount": 12.5,
            "currency": "INR",
        },
    });
    // The first SPC request registers a payment passkey on this device.
    let id = h.initiate("ada@shop.test", spc.clone()).await;
    let options = h.options(&id).await.json();
    assert_eq!(options["ceremony"], "registration");
    let public = &options["publicKey"];
    assert_eq!(public["extensions"]["payment"]["isPayment"], true);
    assert_eq!(
        public["authenticatorSelection"]["authenticatorAttachment"],
        "platform"
    );
    let (mut passkey, json) = Passkey::create(&options, &PAGE);
    assert_eq!(h.complete_on(h.addr(), &id, &json).await.status, 200);

    // Then a payment: the options carry what the browser must show.
    let id = h.initiate("ada@shop.test", spc.clone()).await;
    let options = h.options(&id).await.json();
    assert_eq!(options["ceremony"], "authentication");
    let payment = &options["payment"];
    assert_eq!(
        payment["total"],
        serde_json::json!({"currency": "INR", "value": "12.5"})
    );
    assert_eq!(
        payment["credentialIds"][0],
        watchword_testkit::passkey::b64(&passkey.id)
    );
    assert_eq!(payment["rpId"], DOMAIN);

    // A browser that showed another amount, or a plain sign-in instead of a payment.
    let cheaper = Shown {
        top_origin: ORIGIN,
        total: serde_json::json!({"currency": "INR", "value": "1.25"}),
    };
    let reply = h
        .complete_on(h.addr(), &id, &passkey.pay(&options, &PAGE, &cheaper))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["reason"], "payment_total");
    let elsewhere = Shown {
        top_origin: "https://evil.test",
        total: payment["total"].clone(),
    };
    let reply = h
        .complete_on(h.addr(), &id, &passkey.pay(&options, &PAGE, &elsewhere))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["reason"], "payment_top_origin");
    let reply = h
        .complete_on(h.addr(), &id, &passkey.get(&options, &PAGE, None))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["reason"], "ceremony_type");

    let shown = Shown {
        top_origin: ORIGIN,
        total: payment["total"].clone(),
    };
    let reply = h
        .complete_on(h.addr(), &id, &passkey.pay(&options, &PAGE, &shown))
        .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["type"], "LOGIN");
}
