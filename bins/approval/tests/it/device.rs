//! The approver app's API: enrolment over real SMTP, signed calls, photos, scans and
//! signatures.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::json;
use watchword_testkit::http::{request, send_raw};

use crate::harness::{Device, Harness, ADA};

/// The smallest PNG the upload check accepts (its signature and an IHDR).
pub(crate) const PNG_BYTES: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

pub(crate) fn enrol_code(mail: &watchword_testkit::node::Mail) -> String {
    let text = mail.text.clone().unwrap_or_default();
    text.split("#enrol=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no enrolment link in {text}"))
        .to_owned()
}

#[tokio::test]
async fn enrolment_by_mailed_link_works_once() {
    let h = Harness::start().await;
    let reply = send_raw(
        h.addr(),
        &request(
            "POST",
            "/device/api/enrol/start",
            &[("content-type", "application/json")],
            Some(
                json!({ "UserMail": "Ada@Example.com" })
                    .to_string()
                    .as_bytes(),
            ),
        ),
    )
    .await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    let mail = h.smtp.wait_for_message(ADA, Duration::from_secs(10)).await;
    assert_eq!(mail.subject, "Enrol this device for approvals");
    let code = enrol_code(&mail);
    assert!(mail
        .text
        .unwrap_or_default()
        .contains(&format!("http://{}/device#enrol=", h.addr())));
    let device = Device::enrol(&h, &code).await;
    let (_, _) = h.start_transaction(ADA, 0, "").await;
    assert_eq!(device.pending().await.len(), 1);

    // The code is spent.
    let again = send_raw(
        h.addr(),
        &request(
            "POST",
            "/device/api/enrol/finish",
            &[("content-type", "application/json")],
            Some(
                json!({ "code": code, "public_key": Device::jwk(&Device::new_key()) })
                    .to_string()
                    .as_bytes(),
            ),
        ),
    )
    .await;
    assert_eq!(again.status, 400);
    assert_eq!(again.error_code(), "invalid_enrolment_code");
}

#[tokio::test]
async fn enrolment_codes_expire() {
    let h = Harness::start().await;
    let reply = h
        .server("GetEnrolmentLink", &json!({ "UserMail": ADA }))
        .await;
    let url = reply.json()["EnrolmentURL"].as_str().unwrap().to_owned();
    let code = url.split("#enrol=").nth(1).unwrap();
    // The store keeps the code 15 minutes of real time; a wrong code is refused alike.
    let wrong = send_raw(
        h.addr(),
        &request(
            "POST",
            "/device/api/enrol/finish",
            &[("content-type", "application/json")],
            Some(json!({ "code": format!("{code}x"), "public_key": Device::jwk(&Device::new_key()) }).to_string().as_bytes()),
        ),
    )
    .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.error_code(), "invalid_enrolment_code");
}

#[tokio::test]
async fn device_calls_need_a_fresh_signature_of_an_enrolled_key() {
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    h.start_transaction(ADA, 0, "").await;
    let now = h.now();
    let cases = [
        (String::new(), "missing_device_signature"),
        (
            format!("Device {}.{now}", device.id),
            "malformed_device_signature",
        ),
        (
            device.authorization("GET", "/device/api/pending", now - 301, b""),
            "stale_device_signature",
        ),
        (
            device.authorization("GET", "/device/api/other", now, b""),
            "bad_device_signature",
        ),
        (
            format!("Device {}.{now}.AAAA", "A".repeat(22)),
            "unknown_device",
        ),
    ];
    for (auth, code) in cases {
        let mut headers = vec![];
        if !auth.is_empty() {
            headers.push(("authorization", auth.as_str()));
        }
        let reply = send_raw(
            h.addr(),
            &request("GET", "/device/api/pending", &headers, None),
        )
        .await;
        assert_eq!(reply.status, 401, "{auth}: {}", reply.text());
        assert_eq!(reply.error_code(), code, "{auth}");
    }
    // Another key cannot sign for this device.
    let impostor = Device {
        id: device.id.clone(),
        key: Device::new_key(),
        addr: device.addr,
        clock: device.clock.clone(),
    };
    let reply = impostor.pending_reply("").await;
    assert_eq!(reply.error_code(), "bad_device_signature");
    // A signed body cannot be swapped: the signature covers it.
    let pending = device.pending().await;
    let signed = json!({ "ref": pending[0]["ref"], "answer": "deny" }).to_string();
    let auth = device.authorization("POST", "/device/api/decide", now, signed.as_bytes());
    let swapped =
        json!({ "ref": pending[0]["ref"], "answer": "approve", "number": 10 }).to_string();
    let reply = send_raw(
        h.addr(),
        &request(
            "POST",
            "/device/api/decide",
            &[
                ("content-type", "application/json"),
                ("authorization", &auth),
            ],
            Some(swapped.as_bytes()),
        ),
    )
    .await;
    assert_eq!(reply.error_code(), "bad_device_signature");
}

#[tokio::test]
async fn a_device_sees_and_answers_only_its_customers_requests() {
    let h = Harness::start().await;
    let ada = h.enrol(ADA).await;
    let bob = h.enrol("bob@example.com").await;
    h.start_transaction(ADA, 0, "").await;
    assert!(bob.pending().await.is_empty());
    let pending = ada.pending().await;
    let reply = bob
        .decide(&json!({ "ref": pending[0]["ref"], "answer": "deny" }))
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error_code(), "unknown_transaction");
    assert_eq!(ada.pending().await.len(), 1);
}

#[tokio::test]
async fn long_poll_returns_when_a_request_arrives() {
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    let waiting = tokio::spawn(async move {
        let started = std::time::Instant::now();
        let reply = device.pending_reply("?wait=10").await;
        (reply, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    h.start_transaction(ADA, 0, "").await;
    let (reply, waited) = waiting.await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["requests"].as_array().map(Vec::len), Some(1));
    assert!(
        waited < Duration::from_secs(10),
        "returned only at the deadline"
    );
}

#[tokio::test]
async fn a_photo_is_required_checked_and_handed_over_once() {
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    let (id, number) = h.start_transaction(ADA, 2, "").await;
    let pending = device.pending().await;
    assert_eq!(pending[0]["takes"], "photo");
    let reference = pending[0]["ref"].clone();
    let missing = device
        .decide(&json!({ "ref": reference, "answer": "approve", "number": number }))
        .await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.error_code(), "attachment_required");
    let not_png = device
        .decide(
            &json!({ "ref": reference, "answer": "approve", "number": number,
            "attachment": { "media_type": "image/png", "data": STANDARD.encode(b"GIF89a....") } }),
        )
        .await;
    assert_eq!(not_png.error_code(), "invalid_attachment");
    let too_big = vec![0xff_u8; 2 * 1024 * 1024 + 1];
    let mut too_big_jpeg = vec![0xff, 0xd8, 0xff];
    too_big_jpeg.extend_from_slice(&too_big);
    let large = device
        .decide(
            &json!({ "ref": reference, "answer": "approve", "number": number,
            "attachment": { "media_type": "image/jpeg", "data": STANDARD.encode(&too_big_jpeg) } }),
        )
        .await;
    assert_eq!(large.status, 413, "{}", large.text());
    // Nothing above changed the request: it still waits for an answer.
    assert_eq!(h.page_status(&id).await["state"], "pending");

    let ok = device
        .decide(
            &json!({ "ref": reference, "answer": "approve", "number": number,
            "attachment": { "media_type": "image/png", "data": STANDARD.encode(PNG_BYTES) } }),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    let token = h.page_token(&id).await;
    let verified = h
        .server("VerifyToken", &json!({ "token": token }))
        .await
        .json();
    assert_eq!(verified["isValid"], true);
    assert_eq!(verified["Attachment"]["Kind"], "photo");
    assert_eq!(verified["Attachment"]["MediaType"], "image/png");
    assert_eq!(
        STANDARD
            .decode(verified["Attachment"]["Data"].as_str().unwrap())
            .unwrap(),
        PNG_BYTES
    );
}

#[tokio::test]
async fn a_document_signature_carries_the_drawing_and_a_device_signature_over_the_message() {
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    let (id, number) = h.start_transaction(ADA, 6, "contract").await;
    let pending = device.pending().await;
    assert_eq!(pending[0]["takes"], "signature");
    let reference = pending[0]["ref"].clone();
    let drawing = json!({ "media_type": "image/png", "data": STANDARD.encode(PNG_BYTES) });
    let unsigned = device
        .decide(&json!({ "ref": reference, "answer": "approve", "number": number, "attachment": drawing }))
        .await;
    assert_eq!(unsigned.error_code(), "signature_required");
    let wrong = device
        .decide(
            &json!({ "ref": reference, "answer": "approve", "number": number, "attachment": drawing,
            "message_signature": device.sign(b"some other text") }),
        )
        .await;
    assert_eq!(wrong.error_code(), "signature_required");
    let signature = device.sign(b"Sign in to the shop");
    let signed = device
        .decide(
            &json!({ "ref": reference, "answer": "approve", "number": number, "attachment": drawing,
            "message_signature": signature }),
        )
        .await;
    assert_eq!(signed.status, 200, "{}", signed.text());
    // A distributed read hands it over once, with the key to check it against.
    let result = h
        .client("GetResult", &json!({ "transactionid": id }))
        .await
        .json();
    assert_eq!(result["privateToken"], "contract");
    let attachment = &result["Attachment"];
    assert_eq!(attachment["Kind"], "signature");
    assert_eq!(attachment["MessageSignature"], signature);
    assert_eq!(attachment["DeviceKey"], Device::jwk(&device.key));
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_FIXED,
        ring::signature::KeyPair::public_key(&device.key)
            .as_ref()
            .to_vec(),
    );
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(attachment["MessageSignature"].as_str().unwrap())
        .unwrap();
    assert!(public.verify(b"Sign in to the shop", &bytes).is_ok());
    let again = h
        .client("GetResult", &json!({ "transactionid": id }))
        .await
        .json();
    assert!(again["Attachment"].is_null(), "{again}");
}

#[tokio::test]
async fn a_refused_answer_cannot_replace_an_attachment_already_given() {
    let h = Harness::start().await;
    let device = h.enrol(ADA).await;
    let (id, number) = h.start_transaction(ADA, 2, "client").await;
    let reference = device.pending().await[0]["ref"].clone();
    let photo = |bytes: &[u8]| json!({ "media_type": "image/png", "data": STANDARD.encode(bytes) });
    let first = device
        .decide(&json!({ "ref": reference, "answer": "approve", "number": number, "attachment": photo(PNG_BYTES) }))
        .await;
    assert_eq!(first.status, 200);
    let mut other = PNG_BYTES.to_vec();
    other.extend_from_slice(b"another picture");
    let second = device
        .decide(&json!({ "ref": reference, "answer": "approve", "number": number, "attachment": photo(&other) }))
        .await;
    assert_eq!(second.status, 409);
    let result = h
        .client("GetResult", &json!({ "transactionid": id }))
        .await
        .json();
    assert_eq!(
        STANDARD
            .decode(result["Attachment"]["Data"].as_str().unwrap())
            .unwrap(),
        PNG_BYTES
    );
    let again = h
        .client("GetResult", &json!({ "transactionid": id }))
        .await
        .json();
    assert!(again["Attachment"].is_null());
}

#[tokio::test]
async fn a_device_enrolled_from_a_mailed_link_answers_every_partner() {
    let h = Harness::start().await;
    let reply = send_raw(
        h.addr(),
        &request(
            "POST",
            "/device/api/enrol/start",
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(b"UserMail=ada%40example.com"),
        ),
    )
    .await;
    assert_eq!(reply.status, 202);
    let code = enrol_code(&h.smtp.wait_for_message(ADA, Duration::from_secs(10)).await);
    let device = Device::enrol(&h, &code).await;
    h.start_transaction(ADA, 0, "").await;
    let others = h
        .call_at(
            h.addr(),
            "getTransactionID",
            &[("SrvAPIKey", &h.other.srv)],
            &json!({ "UserMail": ADA, "requestype": 0, "Message": "m" }),
        )
        .await;
    assert_eq!(others.status, 200);
    assert_eq!(device.pending().await.len(), 2);
}

#[tokio::test]
async fn a_partner_gets_the_enrolment_link_as_a_qr_code_too() {
    let h = Harness::start().await;
    let reply = h
        .server("GetEnrolmentLink", &json!({ "UserMail": ADA }))
        .await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let svg = body["EnrolmentQR"].as_str().expect("an SVG");
    assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{svg}");
    // The QR code holds the link: decoding it is the scanner's part; the code's size grows
    // with the link, and a link of this length needs a version of at least 4 (33 modules).
    let url = body["EnrolmentURL"].as_str().unwrap();
    let code = qrcode::QrCode::new(url.as_bytes()).unwrap();
    assert!(code.width() >= 33);
    assert_eq!(
        svg,
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build()
    );
}
