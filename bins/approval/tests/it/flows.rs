//! The product's three flows end to end over HTTP, with a signing test device.

use std::time::Duration;

use serde_json::json;

use crate::harness::{Harness, Options, ADA};

#[tokio::test]
async fn standard_flow_gethtml_number_matching_token_verified_once() {
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    let (id, number) = h.start_transaction("Ada@Example.com", 0, "").await;

    let snippet = h
        .server(
            "GetHTML",
            &json!({ "transactionid": id, "pageType": 0, "FormID": "login" }),
        )
        .await;
    assert_eq!(snippet.status, 200, "{}", snippet.text());
    assert!(snippet
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/html"));
    let html = snippet.text();
    assert!(
        html.contains(&format!("data-transaction=\"{id}\"")),
        "{html}"
    );
    assert!(html.contains("data-form=\"login\""), "{html}");
    assert!(html.contains(&format!(">{number}</strong>")), "{html}");
    assert!(html.contains("integrity=\"sha384-"), "{html}");

    // The phone sees the request, with three numbers to pick from, the right one among them.
    let pending = device.pending().await;
    assert_eq!(pending.len(), 1);
    let choices: Vec<u64> = pending[0]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(serde_json::Value::as_u64)
        .collect();
    assert_eq!(choices.len(), 3);
    assert!(choices.contains(&number), "{choices:?} lacks {number}");
    assert_eq!(pending[0]["message"], "Sign in to the shop");
    assert_eq!(pending[0]["partner"], "shop shop");

    assert_eq!(h.page_status(&id).await["state"], "pending");
    assert!(h.page_status(&id).await["token"].is_null());
    let decided = device.approve_only(number).await;
    assert_eq!(decided.status, 200, "{}", decided.text());
    assert_eq!(decided.json()["state"], "approved");

    let status = h.page_status(&id).await;
    assert_eq!(status["state"], "approved");
    let token = status["token"]
        .as_str()
        .expect("token for the page")
        .to_owned();

    let verified = h
        .server("VerifyToken", &json!({ "token": token, "UserMail": ADA }))
        .await;
    assert_eq!(verified.status, 200);
    let body = verified.json();
    assert_eq!(body["isValid"], true, "{body}");
    assert_eq!(body["UserValided"], ADA);
    assert_eq!(body["Message"], "approved");

    // Single use: the second redemption is refused, and the page no longer sees the token.
    let again = h.server("VerifyToken", &json!({ "token": token })).await;
    assert_eq!(again.json()["isValid"], false);
    assert_eq!(again.json()["code"], "invalid_token");
    assert!(h.page_status(&id).await["token"].is_null());
    // The phone has nothing left to answer.
    assert!(device.pending().await.is_empty());
}

#[tokio::test]
async fn verify_token_checks_the_approver_is_user_mail() {
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    let (id, number) = h.start_transaction(ADA, 0, "").await;
    assert_eq!(device.approve_only(number).await.status, 200);
    let token = h.page_token(&id).await;
    let wrong = h
        .server(
            "VerifyToken",
            &json!({ "token": token, "UserMail": "eve@example.com" }),
        )
        .await;
    assert_eq!(wrong.json()["isValid"], false);
    assert_eq!(wrong.json()["code"], "wrong_approver");
    // The refusal redeemed nothing: the partner can still verify with the right address.
    let right = h
        .server(
            "VerifyToken",
            &json!({ "token": token, "UserMail": ADA, "transactionid": id }),
        )
        .await;
    assert_eq!(right.json()["isValid"], true, "{}", right.text());
    // Another partner's server cannot redeem a token of this partner's transaction.
    let (id2, number2) = h.start_transaction(ADA, 0, "").await;
    assert_eq!(device.approve_only(number2).await.status, 200);
    let token2 = h.page_token(&id2).await;
    let stolen = h
        .call_at(
            h.addr(),
            "VerifyToken",
            &[("SrvAPIKey", &h.other.srv)],
            &json!({ "token": token2 }),
        )
        .await;
    assert_eq!(stolen.json()["isValid"], false);
    assert_eq!(h.verify(&token2).await["isValid"], true);
}

#[tokio::test]
async fn a_wrong_number_denies_and_a_denial_cancels_the_customers_other_requests() {
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    let (first, number) = h.start_transaction(ADA, 0, "").await;
    let (second, _) = h.start_transaction(ADA, 4, "").await;
    let (third, _) = h.start_transaction(ADA, 5, "").await;
    let pending = device.pending().await;
    assert_eq!(pending.len(), 3);
    let first_ref = pending
        .iter()
        .find(|p| p["request_type"] == 0)
        .map(|p| p["ref"].clone())
        .unwrap();
    let wrong = if number == 99 { 10 } else { number + 1 };
    let decided = device
        .decide(&json!({ "ref": first_ref, "answer": "approve", "number": wrong }))
        .await;
    assert_eq!(decided.status, 200, "{}", decided.text());
    assert_eq!(decided.json()["state"], "denied");
    assert_eq!(decided.json()["reason"], "wrong_number");
    for id in [&first, &second, &third] {
        assert_eq!(h.page_status(id).await["state"], "denied", "{id}");
    }
    assert!(device.pending().await.is_empty());
    // A decided request cannot be answered again.
    let again = device
        .decide(&json!({ "ref": first_ref, "answer": "approve", "number": number }))
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.error_code(), "already_decided");
}

#[tokio::test]
async fn distributed_flow_private_token_only_after_approval_only_to_its_client_once() {
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    let (id, number) = h.start_transaction(ADA, 5, "s3cret-for-the-client").await;

    let finished = h.client("IsFinish", &json!({ "transactionID": id })).await;
    assert_eq!(finished.status, 200, "{}", finished.text());
    assert_eq!(finished.json()["isFinish"], false);
    let early = h.client("GetResult", &json!({ "transactionID": id })).await;
    assert_eq!(early.json()["isFinish"], false);
    assert!(early.json()["privateToken"].is_null());

    // Another partner's client learns nothing about the transaction.
    let other = h
        .call_at(
            h.addr(),
            "GetResult",
            &[("JsAPIKey", &h.other.js)],
            &json!({ "transactionID": id }),
        )
        .await;
    assert_eq!(other.status, 404);
    assert_eq!(other.error_code(), "unknown_transaction");

    assert_eq!(device.approve_only(number).await.status, 200);
    assert_eq!(
        h.client("isfinish", &json!({ "TRANSACTIONID": id }))
            .await
            .json()["isFinish"],
        true
    );
    let result = h
        .client("GetResult", &json!({ "transactionid": id }))
        .await
        .json();
    assert_eq!(result["isValid"], true, "{result}");
    assert_eq!(result["UserValided"], ADA);
    assert_eq!(result["privateToken"], "s3cret-for-the-client");
    // Once: the second read is still valid but carries no private token.
    let second = h
        .client("GetResult", &json!({ "transactionid": id }))
        .await
        .json();
    assert_eq!(second["isValid"], true);
    assert!(second["privateToken"].is_null(), "{second}");
    // A distributed transaction has no page token to redeem.
    assert!(h.page_status(&id).await["token"].is_null());
}

#[tokio::test]
async fn distributed_flow_denied_or_expired_never_hands_the_private_token() {
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    let (denied, _) = h.start_transaction(ADA, 5, "never-1").await;
    let pending = device.pending().await;
    let reply = device
        .decide(&json!({ "ref": pending[0]["ref"], "answer": "deny" }))
        .await;
    assert_eq!(reply.json()["state"], "denied");
    let result = h
        .client("GetResult", &json!({ "transactionid": denied }))
        .await
        .json();
    assert_eq!(result["isValid"], false);
    assert!(result["privateToken"].is_null());
    assert_eq!(result["Message"], "denied");

    let (expired, number) = h.start_transaction(ADA, 5, "never-2").await;
    h.advance(301);
    assert_eq!(
        h.client("IsFinish", &json!({ "transactionid": expired }))
            .await
            .json()["isFinish"],
        true
    );
    let late = device.pending().await;
    assert!(late.is_empty(), "{late:?}");
    let result = h
        .client("GetResult", &json!({ "transactionid": expired }))
        .await
        .json();
    assert_eq!(result["isValid"], false);
    assert!(result["privateToken"].is_null());
    assert_eq!(result["Message"], "expired");
    let _ = number;
}

fn short_wait() -> Options {
    let mut options = Options::default();
    options.config.server_only_wait = Duration::from_secs(2);
    options
}

#[tokio::test]
async fn server_only_flow_answers_when_the_customer_decides() {
    let h = Harness::start_with(short_wait()).await;
    let device = h.enrol(ADA).await;
    let waiting = {
        let addr = h.addr();
        let srv = h.partner.srv.clone();
        tokio::spawn(async move {
            let body = json!({
                "UserMail": ADA, "requestype": "RequestWorkFlowValidation", "Message": "Pay invoice 42",
                "userIP": "203.0.113.7", "OSType": "Windows", "NavigatorOrAPPName": "Zapier",
            });
            let raw = body.to_string();
            watchword_testkit::http::send_raw(
                addr,
                &watchword_testkit::http::request(
                    "POST",
                    "/api/SendRequest",
                    &[("content-type", "application/json"), ("SrvAPIKey", &srv)],
                    Some(raw.as_bytes()),
                ),
            )
            .await
        })
    };
    let mut pending = Vec::new();
    for _ in 0..40 {
        pending = device.pending().await;
        if !pending.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(pending.len(), 1);
    // Nothing to match on a server-only request: the phone shows where it came from instead.
    assert!(pending[0]["choices"].is_null());
    assert_eq!(pending[0]["requester"]["network"], "203.0.113.0/24");
    assert_eq!(pending[0]["requester"]["app"], "Zapier");
    let decided = device
        .decide(&json!({ "ref": pending[0]["ref"], "answer": "approve" }))
        .await;
    assert_eq!(decided.json()["state"], "approved", "{}", decided.text());
    let reply = waiting.await.unwrap();
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["isValid"], true);
    assert_eq!(reply.json()["UserValided"], ADA);
}

#[tokio::test]
async fn server_only_flow_times_out_and_withdraws_the_request() {
    let h = Harness::start_with(short_wait()).await;
    let device = h.enrol(ADA).await;
    let reply = h
        .server(
            "SendRequest",
            &json!({
                "UserMail": ADA, "requestype": 1, "Message": "Open a session",
                "userIP": "2001:db8::1", "OSType": "Linux", "NavigatorOrAPPName": "ssh",
            }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["isValid"], false);
    assert_eq!(body["code"], "timeout");
    // A late answer changes nothing: the request is gone from the phone.
    assert!(device.pending().await.is_empty());
    let id = body["TransactionID"].as_str().unwrap();
    assert_eq!(h.page_status(id).await["state"], "denied");
}

#[tokio::test]
async fn send_request_requires_the_products_fields() {
    let h = Harness::start_with(short_wait()).await;
    let reply = h
        .server(
            "SendRequest",
            &json!({ "UserMail": ADA, "requestype": 0, "Message": "m" }),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "missing_parameter");
    assert_eq!(reply.json()["error"]["parameter"], "userIP");
}

#[tokio::test]
async fn thirty_two_concurrent_verify_token_over_two_replicas_one_success() {
    let h = Harness::start_with(Options {
        replicas: 2,
        ..Options::default()
    })
    .await;
    let device = h.enrol(ADA).await;
    let (id, number) = h.start_transaction(ADA, 0, "").await;
    assert_eq!(device.approve_only(number).await.status, 200);
    let token = h.page_token(&id).await;
    let mut tasks = Vec::new();
    for i in 0..32 {
        let addr = h.replicas[i % 2];
        let srv = h.partner.srv.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let body = json!({ "token": token }).to_string();
            watchword_testkit::http::send_raw(
                addr,
                &watchword_testkit::http::request(
                    "POST",
                    "/api/VerifyToken",
                    &[("content-type", "application/json"), ("SrvAPIKey", &srv)],
                    Some(body.as_bytes()),
                ),
            )
            .await
        }));
    }
    let mut valid = 0;
    for task in tasks {
        let reply = task.await.unwrap();
        assert_eq!(reply.status, 200, "{}", reply.text());
        if reply.json()["isValid"] == true {
            valid += 1;
        }
    }
    assert_eq!(valid, 1);
}

#[tokio::test]
async fn too_many_pending_requests_for_one_customer_are_refused() {
    let h = Harness::start().await;
    for _ in 0..5 {
        h.start_transaction(ADA, 0, "").await;
    }
    let reply = h
        .server(
            "getTransactionID",
            &json!({ "UserMail": ADA, "requestype": 0, "Message": "m" }),
        )
        .await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.error_code(), "too_many_pending");
    // Another customer is not affected.
    h.start_transaction("bob@example.com", 0, "").await;
    // Once they expire, the customer can be asked again.
    h.advance(301);
    h.start_transaction(ADA, 0, "").await;
}

#[tokio::test]
async fn prompts_per_minute_for_one_customer_are_limited() {
    let mut options = Options::default();
    options.config.prompts_per_minute = 2;
    let h = Harness::start_with(options).await;
    h.start_transaction(ADA, 0, "").await;
    h.start_transaction(ADA, 0, "").await;
    let reply = h
        .server(
            "getTransactionID",
            &json!({ "UserMail": ADA, "requestype": 0, "Message": "m" }),
        )
        .await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.error_code(), "rate_limited");
    assert!(reply.header("retry-after").is_some());
}

#[tokio::test]
async fn gethtml_refuses_what_its_page_cannot_carry_and_other_partners() {
    let h = Harness::start().await;
    let (id, _) = h.start_transaction(ADA, 0, "").await;
    let bad_form = h
        .server(
            "GetHTML",
            &json!({ "transactionid": id, "pageType": 0, "FormID": "x\"><script>" }),
        )
        .await;
    assert_eq!(bad_form.status, 400);
    assert_eq!(bad_form.error_code(), "invalid_field");
    let other = h
        .call_at(
            h.addr(),
            "GetHTML",
            &[("SrvAPIKey", &h.other.srv)],
            &json!({ "transactionid": id, "pageType": 0, "FormID": "f" }),
        )
        .await;
    assert_eq!(other.status, 404);
    let unknown_page = h
        .server(
            "GetHTML",
            &json!({ "transactionid": id, "pageType": 9, "FormID": "f" }),
        )
        .await;
    assert_eq!(unknown_page.status, 400);
    assert_eq!(unknown_page.error_code(), "unknown_value");
}

#[tokio::test]
async fn the_phone_offers_the_same_numbers_on_every_look() {
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    let (_, number) = h.start_transaction(ADA, 0, "").await;
    let first = device.pending().await[0]["choices"].clone();
    // Drawn afresh on each look, the right number would be the one that stays.
    for _ in 0..5 {
        assert_eq!(device.pending().await[0]["choices"], first);
    }
    assert!(first
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_u64() == Some(number)));
}

#[tokio::test]
async fn a_standard_transactions_answer_is_read_only_with_verify_token() {
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    let (id, number) = h.start_transaction(ADA, 0, "").await;
    assert_eq!(device.approve_only(number).await.status, 200);
    // The JS key and the transaction id are both in the customer's page: they must not read
    // (or use up) what belongs to the partner's server.
    let read = h.client("GetResult", &json!({ "transactionid": id })).await;
    assert_eq!(read.status, 409, "{}", read.text());
    assert_eq!(read.error_code(), "standard_flow");
    let token = h.page_token(&id).await;
    assert_eq!(h.verify(&token).await["isValid"], true);
}

#[tokio::test]
async fn a_page_makes_a_transaction_with_a_placeholder_private_token_standard() {
    // The product asks for privateToken in every getTransactionID; a standard integration may
    // send a placeholder. GetHTML then decides: the page gets a token.
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    let (id, number) = h.start_transaction(ADA, 0, "unused").await;
    let snippet = h
        .server(
            "GetHTML",
            &json!({ "transactionid": id, "pageType": 0, "FormID": "f" }),
        )
        .await;
    assert_eq!(snippet.status, 200);
    assert_eq!(device.approve_only(number).await.status, 200);
    let token = h.page_token(&id).await;
    let verified = h
        .server("VerifyToken", &json!({ "token": token }))
        .await
        .json();
    assert_eq!(verified["isValid"], true);
    assert_eq!(verified["privateToken"], "unused");
}

#[tokio::test]
async fn a_device_a_partner_enrolled_answers_only_that_partners_requests() {
    let h = Harness::start().await;
    // Enrolled through the shop's GetEnrolmentLink: the shop vouched for the customer.
    let shops_device = h.enrol(ADA).await;
    let others = h
        .call_at(
            h.addr(),
            "getTransactionID",
            &[("SrvAPIKey", &h.other.srv)],
            &json!({ "UserMail": ADA, "requestype": 0, "Message": "Other shop sign-in" }),
        )
        .await;
    assert_eq!(others.status, 200, "{}", others.text());
    assert!(
        shops_device.pending().await.is_empty(),
        "the other partner's request is not the shop's to answer"
    );
    h.start_transaction(ADA, 0, "").await;
    let pending = shops_device.pending().await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["partner"], "shop shop");
}

#[tokio::test]
async fn one_partner_cannot_use_up_a_customers_pending_requests_for_another() {
    let h = Harness::start().await;
    for _ in 0..5 {
        h.start_transaction(ADA, 0, "").await;
    }
    let others = h
        .call_at(
            h.addr(),
            "getTransactionID",
            &[("SrvAPIKey", &h.other.srv)],
            &json!({ "UserMail": ADA, "requestype": 0, "Message": "m" }),
        )
        .await;
    assert_eq!(others.status, 200, "{}", others.text());
}

#[tokio::test]
async fn entries_left_behind_by_an_outage_do_not_hold_a_customers_places() {
    use watchword_approval_server::records;
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    let store = watchword_store::open(&h.redis.url()).expect("store");
    let now = watchword_http::UnixTime(h.now());
    let storage = |id: &str| {
        watchword_approval::TransactionId::parse(id)
            .expect("an id")
            .storage_key()
    };
    // An approved transaction whose clean-up never ran: a store outage between the decision
    // and the clean-up leaves its entry behind.
    let (id, number) = h.start_transaction(ADA, 0, "").await;
    assert_eq!(device.approve_only(number).await.status, 200);
    records::add_pending(
        store.as_ref(),
        ADA,
        "shop",
        &storage(&id),
        watchword_http::UnixTime(now.0 + 300),
        5,
        now,
    )
    .await
    .expect("the entry put back");
    // Four transactions written and then lost, as a failover to a replica that had not seen
    // them loses them.
    for _ in 0..4 {
        let (id, _) = h.start_transaction(ADA, 0, "").await;
        let key = records::tx_key(&storage(&id)).expect("key");
        store.delete(&key).await.expect("deleted");
    }
    // Five entries fill the customer's places, but none is waiting for an answer: the next
    // request is taken, and it is the only one the phone shows.
    let (id, _) = h.start_transaction(ADA, 0, "").await;
    let pending = device.pending().await;
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0]["ref"], storage(&id).as_str());
}
